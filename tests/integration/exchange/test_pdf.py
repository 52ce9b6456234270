"""A plan as a PDF: its text read back, on every page the revision and the page number, and who may have it."""

import io

from pypdf import PdfReader

from safetyplan.cli import cli
from tests.factories import create_account, create_person, write_plan
from tests.pages import PageClient

LONG = [f"Step {n}: walk to the end of the road and back, slowly, noticing five things" for n in range(60)]


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_clinician_gets_the_plan_as_a_pdf_with_the_revision_and_page_on_every_page(app, clinician_client, team):
    with app.app_context():
        person = create_person(team, name="Pdf Person", nhs_number="9990000018")
        write_plan(person, clinician_client.account, "My dog Biscuit")
        write_plan(person, clinician_client.account, "\n".join(LONG))
    response = clinician_client.get(f"/people/{person.id}/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="safety-plan-revision-2.pdf"'
    pages = text_of(response.data)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Revision 2," in page
        assert f"Page {number} / {len(pages)}" in page
    whole = "\n".join(pages)
    assert "Safety plan: Pdf Person" in whole and "Step 59" in whole and "People I can ask for help" in whole
    assert "Jo" in whole and "07700 900 123" in whole  # the contacts, with their numbers


def test_the_person_downloads_their_own_and_no_one_elses(app, team):
    with app.app_context():
        person = create_person(team, name="Own Pdf", nhs_number="9990000018")
        other = create_person(team, name="Other Pdf", nhs_number="9990000026")
        clinician = create_account("clinician", team=team)
        write_plan(person, clinician, "Painting")
        write_plan(other, clinician, "Not yours")
        account = create_account("person", person=person)
    own = PageClient(app.test_client())
    own.sign_in(account)
    response = own.get(f"/people/{person.id}/plan.pdf")
    assert response.status_code == 200
    assert "My safety plan" in text_of(response.data)[0]
    assert own.get(f"/people/{other.id}/plan.pdf").status_code == 404


def test_no_plan_yet_is_not_found(app, clinician_client, team):
    with app.app_context():
        person = create_person(team, name="No Plan", nhs_number="9990000018")
    assert clinician_client.get(f"/people/{person.id}/plan.pdf").status_code == 404


def test_export_pdf_writes_a_private_file_in_welsh_when_asked(app, clinician_client, team, tmp_path):
    with app.app_context():
        person = create_person(team, name="Cli Pdf", nhs_number="9990000018")
        write_plan(person, clinician_client.account, "Fy nghath, Pickle")
    output = tmp_path / "plan.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        cli, ["plans", "export-pdf", "--nhs-number", "9990000018", "-o", str(output), "--language", "cy"]
    )
    assert result.exit_code == 0, result.output
    assert output.stat().st_mode & 0o777 == 0o600
    whole = "\n".join(text_of(output.read_bytes()))
    assert "Fy nghath, Pickle" in whole
    assert "Tudalen 1" in whole and "Fersiwn 1," in whole
    failed = runner.invoke(cli, ["plans", "export-pdf", "--nhs-number", "9990000026", "-o", str(output)])
    assert failed.exit_code == 1 and "no one with this NHS number" in failed.output
