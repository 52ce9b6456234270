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
