"""The person's own copy of everything held about them: every revision as FHIR and PDF, suggestions, sharing over
time, who has looked, a README in their language; for the person, and for the team from the command line."""

import io
import json
import zipfile
from datetime import date

from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select

from safetyplan.audit.models import AuditEvent
from safetyplan.cli import cli
from safetyplan.db import session, transaction
from safetyplan.plans.revisions import view_plan
from safetyplan.plans.suggestions import suggest
from safetyplan.sharing.crisis_view import choose_crisis_view
from tests.factories import create_account, create_person, get_user, link_carer, write_plan
from tests.pages import PageClient


def _setting(app, team, language="en"):
    with app.app_context():
        person = create_person(team, name="Everything Person", nhs_number="9990000018")
        clinician = create_account("clinician", team=team, name="Dr Everything")
        own = create_account("person", person=person, language=language)
        write_plan(person, clinician, "First words")
        write_plan(person, clinician, "Second words", reason="scheduled_review")
        link_carer(person, create_account("carer"), sections={"warning_signs"}, by=clinician)
        with transaction():
            suggest(by=get_user(own), section_key="reasons", text="Add my cat Pebble")
            choose_crisis_view(
                by=get_user(clinician), person_id=person.id, keys={"warning_signs"}, decided_on=date.today()
            )
            view_plan(by=get_user(clinician), person_id=person.id)  # a look, for who-has-looked
    return person, clinician, own


def _open(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_person_downloads_everything_held_about_them(app, team):
    person, _clinician, own = _setting(app, team)
    client = PageClient(app.test_client())
    client.sign_in(own)
    assert "Download everything held about me" in client.get("/my-plan").get_data(as_text=True)
    response = client.get("/my-plan/everything.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "Everything" not in response.headers["Content-Disposition"]  # no name in the file's name
    files = _open(response.data)
    assert sorted(files) == [
        "README.txt",
        "disagreements.json",
        "plan/revision-1.fhir.json",
        "plan/revision-1.pdf",
        "plan/revision-2.fhir.json",
        "plan/revision-2.pdf",
        "sharing.json",
        "suggestions.json",
        "who-has-looked.json",
    ]
    Bundle.model_validate(json.loads(files["plan/revision-1.fhir.json"]))
    assert "First words" in PdfReader(io.BytesIO(files["plan/revision-1.pdf"])).pages[0].extract_text()
    assert "Second words" in files["plan/revision-2.fhir.json"].decode()
    assert json.loads(files["suggestions.json"])[0]["words"] == "Add my cat Pebble"
    sharing = json.loads(files["sharing.json"])
    assert sharing["people_involved"][0]["decisions"][-1]["sections"] == ["warning_signs"]
    assert sharing["urgent_care"][0]["sections"] == ["warning_signs"]
    looked = json.loads(files["who-has-looked.json"])
    assert "Dr Everything" in {day["who"] for day in looked}
    assert "Everything Person" not in {day["who"] for day in looked}  # their own looks are left out
    assert files["README.txt"].decode().startswith("Everything SafetyPlan holds about Everything Person")
    with app.app_context(), transaction():
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported_everything")).one()
        assert (event.actor_role, event.person_id) == ("person", person.id)


def test_the_readme_is_in_the_persons_language(app, team):
    _person, _clinician, own = _setting(app, team, language="cy")
    client = PageClient(app.test_client())
    client.sign_in(own)
    readme = _open(client.get("/my-plan/everything.zip").data)["README.txt"].decode()
    assert readme.startswith("Popeth sydd gan SafetyPlan am Everything Person")


def test_the_team_exports_it_from_the_command_line(app, team, tmp_path):
    person, _clinician, _own = _setting(app, team)
    output = tmp_path / "copy.zip"
    result = app.test_cli_runner().invoke(cli, ["people", "export", "--nhs-number", "999 000 0018", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert (output.stat().st_mode & 0o777) == 0o600
    assert "plan/revision-2.pdf" in _open(output.read_bytes())
    missing = app.test_cli_runner().invoke(cli, ["people", "export", "--nhs-number", "9990000026", "-o", str(output)])
    assert missing.exit_code == 1 and "no one with this NHS number is recorded" in missing.output
    with app.app_context(), transaction():
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported_everything")).one()
        assert (event.grounds, event.person_id) == ("command_line", person.id)
