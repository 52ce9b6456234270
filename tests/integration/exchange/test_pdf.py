"""A plan as a PDF: its text read back, on every page the revision and the page number, and who may have it."""

import io
import re

from pypdf import PdfReader

from safetyplan.cli import cli
from tests.factories import create_account, create_person, link_carer, write_plan
from tests.pages import PageClient

LONG = [f"Step {n}: walk to the end of the road and back, slowly, noticing five things" for n in range(60)]


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squashed(text: str) -> str:
    """The text with no white space: a text extractor may split a word where the font's spacing is wide."""
    return re.sub(r"\s+", "", text)


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
        assert "Revision2," in squashed(page)
        assert f"Page{number}/{len(pages)}" in squashed(page)
    whole = squashed("".join(pages))
    assert "Safetyplan:PdfPerson" in whole and "Step59" in whole and "PeopleIcanaskforhelp" in whole
    assert "Jo" in whole and "07700900123" in whole  # the contacts, with their numbers


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
    assert "Mysafetyplan" in squashed(text_of(response.data)[0])
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
    whole = squashed("".join(text_of(output.read_bytes())))
    assert "Fynghath,Pickle" in whole
    assert "Tudalen1/" in whole and "Fersiwn1," in whole
    failed = runner.invoke(cli, ["plans", "export-pdf", "--nhs-number", "9990000026", "-o", str(output)])
    assert failed.exit_code == 1 and "no one with this NHS number" in failed.output


def test_a_carers_pdf_holds_only_the_sections_shared_with_them(app, team):
    with app.app_context():
        person = create_person(team, name="Shares Some", nhs_number="9990000018")
        clinician = create_account("clinician", team=team)
        write_plan(person, clinician, "Canary-Reasons-4417")  # "What matters to me": not shared
        carer = create_account("carer")
        link_carer(person, carer, sections={"people_to_ask"}, by=clinician)
        stranger = create_account("carer")
    mine = PageClient(app.test_client())
    mine.sign_in(carer)
    response = mine.get(f"/shared/{person.id}/plan.pdf")
    assert response.status_code == 200
    whole = squashed("".join(text_of(response.data)))
    assert "PeopleIcanaskforhelp" in whole and "07700900123" in whole
    assert "Canary-Reasons-4417" not in whole and "Whatmatterstome" not in whole
    other = PageClient(app.test_client())
    other.sign_in(stranger)
    assert other.get(f"/shared/{person.id}/plan.pdf").status_code == 404
