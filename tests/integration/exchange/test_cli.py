"""``safetyplan plans export-fhir``."""

import json

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from safetyplan.audit.models import AuditEvent
from safetyplan.cli import cli
from safetyplan.db import session, transaction
from tests.factories import create_person, write_plan


def invoke(app, *args):
    result = app.test_cli_runner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_fhir_prints_the_newest_revision_or_the_one_asked_for(app, team, clinician_client):
    with app.app_context():
        person = create_person(team, name="CLI Person", nhs_number="9990000018")
        write_plan(person, clinician_client.account, "First words")
        write_plan(person, clinician_client.account, "Second words")
    code, output, _ = invoke(app, "plans", "export-fhir", "--nhs-number", "999 000 0018")
    assert code == 0
    Bundle.model_validate(json.loads(output))
    assert "Second words" in output
    code, output, _ = invoke(app, "plans", "export-fhir", "--nhs-number", "9990000018", "--revision", "1")
    assert code == 0 and "First words" in output and "Second words" not in output
    with app.app_context(), transaction():
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.exported_fhir")).all()
    assert [(e.actor_id, e.grounds) for e in events] == [(None, "command_line"), (None, "command_line")]


def test_export_fhir_says_what_is_wrong(app, team, clinician_client):
    with app.app_context():
        person = create_person(team, name="CLI Person", nhs_number="9990000018")
    assert invoke(app, "plans", "export-fhir", "--nhs-number", "9990000026")[2] == (
        "Error: no one with this NHS number is recorded\n"
    )
    assert (
        invoke(app, "plans", "export-fhir", "--nhs-number", "9990000018")[2] == "Error: this person has no plan yet\n"
    )
    with app.app_context():
        write_plan(person, clinician_client.account)
    code, _, error = invoke(app, "plans", "export-fhir", "--nhs-number", "9990000018", "--revision", "3")
    assert (code, error) == (1, "Error: this plan has no revision 3\n")


def test_import_fhir_takes_a_plan_onto_the_team_and_prints_what_it_refused(app, team, tmp_path):
    from safetyplan.exchange.fhir import sample_bundle

    with app.app_context():
        bundle = sample_bundle()
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "resource": {"resourceType": "RiskAssessment", "status": "final", "subject": {"reference": "Patient/x"}},
        }
    )
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(bundle))
    code, output, _ = invoke(app, "plans", "import-fhir", str(file), "--team", team.name)
    assert code == 0, output
    assert output.splitlines() == [
        "Imported from Example Trust as revision 1 (added to the caseload).",
        "People involved, with what each sees: 1.",
        "Refused: RiskAssessment. A risk assessment. Risk levels are never stored.",
    ]
    code, output, _ = invoke(app, "plans", "import-fhir", str(file), "--team", team.name)
    assert output.splitlines()[0] == "Already imported: revision 1 holds this document. Nothing new stored."
    with app.app_context(), transaction():
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("plan.import%"))).all()
    assert actions == ["plan.imported_fhir", "plan.imported_fhir"]


def test_import_fhir_refuses_a_bad_file_or_team_and_stores_nothing(app, team, tmp_path):
    file = tmp_path / "plan.json"
    file.write_text('{"resourceType": "Bundle", "type": "document", "entry": [{"resource": {"resourceType": 7}}]}')
    code, _, errors = invoke(app, "plans", "import-fhir", str(file), "--team", team.name)
    assert code == 1
    assert errors.startswith("Error: nothing was imported. The file is JSON but not FHIR")
    code, _, errors = invoke(app, "plans", "import-fhir", str(file), "--team", "No Such Team")
    assert (code, errors.strip()) == (1, "Error: there is no team called 'No Such Team'")
    with app.app_context(), transaction():
        outcomes = session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "plan.import_refused")).all()
    assert outcomes == ["failed"]
