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
