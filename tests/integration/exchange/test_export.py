"""A plan as a FHIR document: what it holds, who may have it, and that it validates."""

import contextlib
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.demo import seed
from safetyplan.errors import NotFound
from safetyplan.exchange import codes
from safetyplan.exchange.export import export_fhir
from safetyplan.outbox import kept
from safetyplan.people.models import Person
from safetyplan.plans.sections import sections
from tests.factories import create_account, create_person, create_team, get_user, link_carer, write_plan


@pytest.fixture
def setting(app):
    with app.app_context():
        team = create_team("Export Team", phone="01632 960123")
        person = create_person(team, name="Export Person", nhs_number="9990000018")
        clinician = create_account("clinician", team=team, name="Dr Export")
        carer = create_account("carer")
        write_plan(person, clinician, "My dog Biscuit")
        write_plan(person, clinician, "My dog Biscuit and the allotment")
        link_carer(person, carer, sections={"warning_signs", "people_to_ask"}, by=clinician)
    return person, clinician


def export(clinician, person, number=None):
    with transaction():
        return export_fhir(by=get_user(clinician) if clinician else None, person_id=person.id, number=number)


def resources(bundle, kind):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def test_the_document_holds_the_plan_the_person_and_everyone_to_contact(app, setting):
    person, clinician = setting
    with app.app_context():
        bundle = export(clinician, person).bundle
    Bundle.model_validate(bundle)
    assert bundle["type"] == "document"
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "736253002"
    assert [s["code"]["coding"][0]["code"] for s in composition["section"]] == [p.key for p in sections(1)]
    assert "My dog Biscuit and the allotment" in composition["section"][0]["text"]["div"]
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"] == [{"system": codes.NHS_NUMBER, "value": "9990000018"}]
    assert patient["meta"] == {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]}
    related = {r["name"][0]["text"]: r for r in resources(bundle, "RelatedPerson")}
    assert related["Jo"]["telecom"] == [{"system": "phone", "value": "07700 900 123"}]
    teams = {t["name"]: t for t in resources(bundle, "CareTeam")}
    assert teams["Export Team"]["telecom"] == [{"system": "phone", "value": "01632 960123"}]
    (care_plan,) = resources(bundle, "CarePlan")
    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert response["questionnaire"] == codes.questionnaire_url(1)
    assert response["item"][0]["answer"] == [{"valueString": "My dog Biscuit and the allotment"}]


def test_each_carer_has_a_consent_naming_the_sections_they_see(app, setting):
    person, clinician = setting
    with app.app_context():
        bundle = export(clinician, person).bundle
    (consent,) = resources(bundle, "Consent")
    assert consent["status"] == "active"
    shared = {c["coding"][0]["code"] for c in consent["provision"]["code"]}
    assert shared == {"warning_signs", "people_to_ask"}


def test_every_revision_has_its_provenance_with_who_why_and_agreement(app, setting):
    person, clinician = setting
    with app.app_context():
        bundle = export(clinician, person).bundle
    provenances = resources(bundle, "Provenance")
    numbers = [
        next(e["valueInteger"] for e in p["extension"] if e["url"] == codes.REVISION_NUMBER) for p in provenances
    ]
    assert numbers == [1, 2]
    agents = provenances[-1]["agent"]
    assert agents[0]["who"]["display"] == "Dr Export"
    assert any(a["who"].get("display") == "Export Person" for a in agents[1:])  # the person took part
    assert {"url": codes.PERSON_AGREES, "valueBoolean": True} in provenances[-1]["extension"]


def test_an_earlier_revision_exports_as_a_completed_plan_with_its_own_words(app, setting):
    person, clinician = setting
    with app.app_context():
        exported = export(clinician, person, number=1)
    assert exported.revision_number == 1
    (care_plan,) = resources(exported.bundle, "CarePlan")
    assert care_plan["status"] == "completed"
    assert "allotment" not in json.dumps(exported.bundle)
    assert len(resources(exported.bundle, "Provenance")) == 1


def test_the_export_is_audited_with_its_revision(app, setting):
    person, clinician = setting
    with app.app_context():
        export(clinician, person)
        with transaction():
            events = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.exported_fhir")).all()
    assert [(e.outcome, e.actor_role, e.person_id) for e in events] == [("allowed", "clinician", person.id)]
    assert events[0].revision_id is not None


@pytest.mark.parametrize("role", ["person", "carer", "auditor", "admin"])
def test_no_one_but_the_team_clinicians_may_export(app, setting, role):
    person, _clinician = setting
    with app.app_context():
        with transaction():
            own = session.get(Person, person.id)
        someone = create_account(role, person=own) if role == "person" else create_account(role)
        with pytest.raises(NotFound):
            export(someone, person)


def test_a_clinician_of_another_team_is_refused(app, setting):
    person, _clinician = setting
    with app.app_context():
        stranger = create_account("clinician", team=create_team("Other Team"))
        with pytest.raises(NotFound):
            export(stranger, person)


def test_a_person_with_no_plan_or_a_missing_revision_is_not_found(app, setting):
    person, clinician = setting
    with app.app_context():
        newcomer = create_person(create_team("Empty Team"), name="No Plan Yet")
        with pytest.raises(NotFound):
            export(None, newcomer)
        with pytest.raises(NotFound):
            export(clinician, person, number=9)


def test_every_demo_plan_exports_a_valid_document(app):
    with app.test_request_context():
        with transaction(), kept():
            seed()
        with transaction():
            people = session.scalars(select(Person)).all()
            exported = []
            for someone in people:
                with contextlib.suppress(NotFound):  # no plan yet
                    exported.append(export_fhir(by=None, person_id=someone.id))
    assert len(exported) >= 3
    for each in exported:
        Bundle.model_validate(each.bundle)
