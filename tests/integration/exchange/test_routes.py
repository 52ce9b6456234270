"""The FHIR pages: a plan's document for its clinicians, and the public Questionnaire."""

import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from tests.factories import create_person, write_plan


def test_a_clinician_downloads_the_plan_as_fhir_json_named_without_personal_data(app, clinician_client, team):
    with app.app_context():
        person = create_person(team, name="Route Person", nhs_number="9990000018")
        write_plan(person, clinician_client.account, "Walk by the river")
    response = clinician_client.get(f"/people/{person.id}/plan/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="safety-plan-revision-1.fhir.json"'
    assert response.headers["Cache-Control"] == "no-store"
    bundle = json.loads(response.data)
    Bundle.model_validate(bundle)
    assert "Walk by the river" in response.get_data(as_text=True)


def test_a_revision_that_is_not_a_number_is_a_bad_request_and_a_missing_one_is_not_found(app, clinician_client, team):
    with app.app_context():
        person = create_person(team, name="Route Person", nhs_number="9990000018")
        write_plan(person, clinician_client.account)
    assert clinician_client.get(f"/people/{person.id}/plan/fhir?revision=one").status_code == 400
    assert clinician_client.get(f"/people/{person.id}/plan/fhir?revision=0").status_code == 400
    assert clinician_client.get(f"/people/{person.id}/plan/fhir?revision=99999999999").status_code == 400
    assert clinician_client.get(f"/people/{person.id}/plan/fhir?revision=7").status_code == 404
    assert clinician_client.get(f"/people/{person.id}/plan/fhir?revision=1").status_code == 200


def test_the_questionnaire_of_each_registry_version_is_public_and_valid(client):
    response = client.get("/fhir/Questionnaire/safety-plan-v1")
    assert response.status_code == 200
    questionnaire = Questionnaire.model_validate(json.loads(response.data))
    assert [item.linkId for item in questionnaire.item][:2] == ["reasons", "warning_signs"]
    assert client.get("/fhir/Questionnaire/safety-plan-v99").status_code == 404


# --- Importing a plan received on transfer ---------------------------------------------------------------------


def _upload(bundle: object) -> tuple:
    import io

    data = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    return (io.BytesIO(data), "plan-from-another-trust.json")


def _with_a_risk_level(bundle):
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {
                    "coding": [{"system": "http://loinc.org", "code": "93374-7", "display": "Suicide risk level"}]
                },
                "valueString": "High",
            },
        }
    )
    return bundle


def test_a_clinician_imports_a_plan_and_sees_what_was_refused(app, clinician_client, team):
    from safetyplan.exchange.fhir import sample_bundle

    with app.app_context():
        bundle = _with_a_risk_level(sample_bundle())
    url = "/plans/import"
    assert "Import a plan received on transfer" in clinician_client.get("/caseload").get_data(as_text=True)
    page = clinician_client.post_page(
        url, {"team": str(team.id), "file": _upload(bundle)}, content_type="multipart/form-data"
    )
    assert "Plan imported as revision 1" in page.select_one("[data-testid=imported]").get_text()
    assert "Received from Example Trust." in page.get_text()
    (refused,) = page.select("table tbody tr")
    for heading in refused.select(".nhsuk-table__heading"):
        heading.extract()  # the column's name, repeated in each cell for small screens
    cells = [cell.get_text(" ", strip=True) for cell in refused.select("td")]
    assert cells == [
        "Observation",
        "LOINC 93374-7 Suicide risk level",
        "A coded risk level. Risk levels are never stored",
    ]
    plan_link = page.find("a", string="Go to the plan")["href"]
    plan = clinician_client.get_page(plan_link)
    assert "Example words" in plan.get_text()
    assert "High" not in plan.get_text().replace("Highlight", "")
    person_id = plan_link.split("/")[2]
    record = clinician_client.get_page(f"/people/{person_id}/plan/revisions/1")
    assert "Received on transfer from Example Trust." in record.get_text()
    table = next(t for t in record.select("table") if "before the transfer" in t.caption.get_text())
    for heading in table.select(".nhsuk-table__heading"):
        heading.extract()
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in table.select("tbody tr")]
    assert rows == [  # the sender's own earlier record, from a trust before it, then the sender's revision
        ["1 June 2025, 10:00", "Example Earlier Clinician (a clinician)", "First plan", "Example Person", "Yes"],
        [
            "5 January 2026, 10:30",
            "Dr Example Clinician (a clinician)",
            "Scheduled review",
            "Example Person, Example Carer, Example Advocate",
            "No",
        ],
    ]

    again = clinician_client.post_page(
        url, {"team": str(team.id), "file": _upload(bundle)}, content_type="multipart/form-data"
    )
    assert "This plan was already imported, as revision 1. Nothing new was added." in again.get_text()


def test_a_file_that_is_not_a_plan_is_refused_on_the_form_and_nothing_is_stored(app, clinician_client, team):
    page = clinician_client.post_page(
        "/plans/import",
        {"team": str(team.id), "file": _upload(b"this is not json")},
        status=400,
        content_type="multipart/form-data",
    )
    summary = page.select_one(".nhsuk-error-summary").get_text()
    assert "The file is not a FHIR JSON file" in summary
    assert page.select_one("#file-error") is not None
    assert "Example" not in clinician_client.get("/caseload").get_data(as_text=True)


def test_a_missing_file_or_team_is_asked_for(clinician_client, team):
    page = clinician_client.post_page("/plans/import", {"team": ""}, status=400, content_type="multipart/form-data")
    summary = page.select_one(".nhsuk-error-summary").get_text()
    assert "Select a file to import" in summary
    assert "Select the team receiving the plan" in summary


def test_a_file_over_10_mb_is_refused(clinician_client, team):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from safetyplan.exchange.reading import MAX_BYTES

    token = clinician_client.csrf_token("/plans/import")
    # Encoded here, in memory: the test client would spool a body this large to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "team": str(team.id), "file": FileStorage(*_upload(b" " * (MAX_BYTES + 1)))}
    )
    response = clinician_client.client.post(
        "/plans/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "The file must be smaller than 10 MB" in response.get_data(as_text=True)


def test_a_body_over_the_pages_limit_is_too_large(clinician_client, team):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from safetyplan.exchange.reading import MAX_BYTES

    token = clinician_client.csrf_token("/plans/import")
    boundary, body = encode_multipart(
        {"csrf_token": token, "team": str(team.id), "file": FileStorage(*_upload(b" " * (MAX_BYTES + 128 * 1024)))}
    )
    response = clinician_client.client.post(
        "/plans/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
