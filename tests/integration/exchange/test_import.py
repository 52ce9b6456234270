"""Taking in a plan on transfer: the round trip between two installations, the stratification firewall, bad input
that stores nothing, and who may import for whom."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from safetyplan import schema
from safetyplan.audit.models import AuditEvent
from safetyplan.crypto.keyring import create_keyring_file
from safetyplan.db import session, transaction
from safetyplan.exchange import codes
from safetyplan.exchange.export import export_fhir
from safetyplan.exchange.fhir import sample_bundle
from safetyplan.exchange.imports import import_fhir
from safetyplan.exchange.messages import MESSAGES
from safetyplan.exchange.reading import MAX_BYTES, MAX_ENTRIES, ImportRefused, read_bundle
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.plans.models import PlanRevision, StratificationFinding
from safetyplan.sharing.models import InvolvedPerson, SharingChoice
from tests.factories import create_account, create_person, create_team, get_user, link_carer, write_plan

NHS_NUMBER = "9990000018"


@pytest.fixture
def sent(app):
    """The FHIR document of a plan written at the sending trust: two revisions, a contact, a carer who sees two
    sections."""
    with app.app_context():
        team = create_team("Sending Team", phone="01632 960123")
        person = create_person(team, name="Transfer Person", nhs_number=NHS_NUMBER)
        clinician = create_account("clinician", team=team, name="Dr Sender")
        carer = create_account("carer")
        write_plan(person, clinician, "My dog Biscuit")
        write_plan(person, clinician, "My dog Biscuit and the allotment", reason="scheduled_review")
        link_carer(person, carer, sections={"warning_signs", "people_to_ask"}, by=clinician)
        with transaction():
            return export_fhir(by=get_user(clinician), person_id=person.id).bundle


@pytest.fixture
def receiving(make_app, tmp_path):
    """Another installation: its own database, its own keys, its own name."""
    create_keyring_file(tmp_path / "keyring.json")
    other = make_app(
        database_url=f"sqlite:///{tmp_path / 'receiving.db'}",
        instance_path=tmp_path,
        keyring_path=tmp_path / "keyring.json",
        organisation="Receiving (fictional) Trust",
    )
    with other.app_context():
        schema.upgrade()
        team = create_team("Receiving Team", phone="01632 960999")
        clinician = create_account("clinician", team=team, name="Dr Receiver")
    return other, team, clinician


def take(app, clinician, team, bundle):
    """Import as the route and the command line do: a refusal's audit event commits, then it is raised."""
    data = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    with app.app_context():
        with transaction():
            try:
                return import_fhir(by=get_user(clinician) if clinician else None, team_id=team.id, data=data)
            except ImportRefused as error:
                refused = error
        raise refused


def resources(bundle, kind):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def stored(app):
    """Everything the database holds about people and plans, opened, as one text to search."""
    with app.app_context(), transaction():
        revisions = session.scalars(select(PlanRevision)).all()
        return json.dumps([[r.content, r.origin, r.participants] for r in revisions], ensure_ascii=False)


def counts(app):
    with app.app_context(), transaction():
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Person, PlanRevision, InvolvedPerson, SharingChoice, CaseloadEntry)
        )


# --- The round trip ------------------------------------------------------------------------------------------


def _sections(bundle):
    (response,) = resources(bundle, "QuestionnaireResponse")
    composition = bundle["entry"][0]["resource"]
    return response["item"], [(s["title"], s["text"]["div"]) for s in composition["section"]]


def _contacts(bundle):
    people = sorted((r["name"][0]["text"], json.dumps(r.get("telecom"))) for r in resources(bundle, "RelatedPerson"))
    return people


def _provenance(bundle):
    found = []
    for provenance in resources(bundle, "Provenance"):
        extensions = {e["url"]: next(v for k, v in e.items() if k != "url") for e in provenance.get("extension", [])}
        found.append(
            (
                provenance["recorded"],
                provenance["agent"][0]["who"]["display"],
                provenance["reason"][0].get("coding", [{}])[0].get("code"),
                extensions.get(codes.REVISION_NUMBER),
                extensions.get(codes.PERSON_AGREES),
                tuple(a["who"].get("display") for a in provenance["agent"][1:]),
            )
        )
    return found


def _consents(bundle):
    names = {f"urn:uuid:{r['id']}": r["name"][0]["text"] for r in resources(bundle, "RelatedPerson")}
    return sorted(
        (
            names[c["provision"]["actor"][0]["reference"]["reference"]],
            c["status"],
            tuple(sorted(code["coding"][0]["code"] for code in c["provision"].get("code", []))),
            c.get("dateTime"),
        )
        for c in resources(bundle, "Consent")
    )


def test_a_plan_round_trips_with_its_sections_contacts_provenance_and_consents(sent, receiving):
    other, team, clinician = receiving
    report = take(other, clinician, team, sent)
    assert (report.person_added, report.revision_number, report.involved_added) == (True, 1, 1)
    assert report.organisation == "SafetyPlan (development)"
    assert report.refused == ()
    with other.app_context(), transaction():
        again = export_fhir(by=get_user(clinician), person_id=report.person_id).bundle

    assert _sections(again) == _sections(sent)
    assert _contacts(again) == _contacts(sent)
    assert _consents(again) == _consents(sent)
    earlier, here = _provenance(again)[:-1], _provenance(again)[-1]
    assert earlier == _provenance(sent)
    assert (here[1], here[2], here[3]) == ("Dr Receiver", "transfer", 1)
    (patient,) = resources(again, "Patient")
    assert patient["identifier"][0]["value"] == NHS_NUMBER
    assert again["entry"][0]["resource"]["custodian"]["display"] == "Receiving (fictional) Trust"
    received_from = {
        e["valueString"]
        for p in resources(again, "Provenance")
        for e in p.get("extension", [])
        if e["url"] == codes.RECEIVED_FROM
    }
    assert received_from == {"SafetyPlan (development)"}


def test_the_same_document_twice_is_stored_once(sent, receiving):
    other, team, clinician = receiving
    first = take(other, clinician, team, sent)
    second = take(other, clinician, team, sent)
    assert (second.already, second.revision_number, second.person_id) == (True, 1, first.person_id)
    assert counts(other)[:3] == (1, 1, 1)


def test_a_person_already_on_the_team_gets_a_new_revision_on_transfer(sent, receiving):
    other, team, clinician = receiving
    with other.app_context():
        person = create_person(team, name="Transfer Person", nhs_number=NHS_NUMBER)
        write_plan(person, clinician, "Written here first")
    report = take(other, clinician, team, sent)
    assert (report.person_id, report.person_added, report.revision_number) == (person.id, False, 2)
    with other.app_context(), transaction():
        revision = session.scalars(select(PlanRevision).where(PlanRevision.number == 2)).one()
        assert (revision.reason, revision.author_role, revision.person_took_part) == ("transfer", "clinician", False)
        assert revision.origin["history"][0]["author"] == "Dr Sender"


def test_the_import_is_audited_in_the_receiving_trust(sent, receiving):
    other, team, clinician = receiving
    report = take(other, clinician, team, sent)
    with other.app_context(), transaction():
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == report.person_id)).all()
    assert {"person.created", "plan.imported_fhir"} <= set(actions)


# --- The firewall --------------------------------------------------------------------------------------------


def _with(bundle, *added):
    changed = copy.deepcopy(bundle)
    for index, resource in enumerate(added):
        changed["entry"].append({"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{index:012d}", "resource": resource})
    return changed


def _subject(bundle):
    return {"reference": bundle["entry"][1]["fullUrl"]}


SUICIDE_RISK_LEVEL = {"system": codes.LOINC, "code": "93374-7", "display": "Suicide risk level"}
HIGH_RISK_OF_SUICIDE = {"system": codes.SNOMED, "code": "1000001", "display": "High risk of suicide"}
MODERATE_RISK_OF_SELF_HARM = {"system": codes.SNOMED, "code": "1000002", "display": "Moderate risk of self-harm"}


def _observation(bundle, **value):
    return {"resourceType": "Observation", "status": "final", "subject": _subject(bundle), **value}


FIREWALL_CASES = {
    "LOINC suicide risk level": lambda b: _with(
        b, _observation(b, code={"coding": [SUICIDE_RISK_LEVEL]}, valueCodeableConcept={"text": "Moderate"})
    ),
    "SNOMED level as an observation's value": lambda b: _with(
        b, _observation(b, code={"text": "Assessment"}, valueCodeableConcept={"coding": [HIGH_RISK_OF_SUICIDE]})
    ),
    "SNOMED level as a condition": lambda b: _with(
        b, {"resourceType": "Condition", "subject": _subject(b), "code": {"coding": [MODERATE_RISK_OF_SELF_HARM]}}
    ),
    "a risk assessment's level": lambda b: _with(
        b,
        {
            "resourceType": "RiskAssessment",
            "status": "final",
            "subject": _subject(b),
            "prediction": [{"qualitativeRisk": {"text": "Moderate"}}],
        },
    ),
    "a level in words on a flag": lambda b: _with(
        b, {"resourceType": "Flag", "status": "active", "subject": _subject(b), "code": {"text": "Low suicide risk"}}
    ),
    "a level in words as an observation's value": lambda b: _with(
        b, _observation(b, code={"text": "Clinical note"}, valueString="Risk: moderate")
    ),
}


@pytest.mark.parametrize("case", list(FIREWALL_CASES))
def test_the_firewall_refuses_each_kind_of_coded_and_worded_risk_level(sent, receiving, case):
    other, team, clinician = receiving
    report = take(other, clinician, team, FIREWALL_CASES[case](sent))
    assert len(report.refused) == 1
    (refusal,) = report.refused
    assert refusal.reason in ("risk_code", "risk_words", "risk_assessment")
    held = stored(other)
    for words in ("93374-7", "Suicide risk level", "risk of suicide", "risk of self-harm", "Moderate", "suicide risk"):
        assert words not in held
    assert _sections(take_back(other, clinician, report)) == _sections(sent)  # the plan itself came whole


def take_back(app, clinician, report):
    with app.app_context(), transaction():
        return export_fhir(by=get_user(clinician), person_id=report.person_id).bundle


def test_a_coded_level_on_a_plan_resource_is_refused_and_the_plan_kept(sent, receiving):
    other, team, clinician = receiving
    changed = copy.deepcopy(sent)
    (care_plan,) = resources(changed, "CarePlan")
    care_plan["category"].append({"coding": [SUICIDE_RISK_LEVEL, HIGH_RISK_OF_SUICIDE]})
    report = take(other, clinician, team, changed)
    assert [(r.what, r.reason) for r in report.refused] == [("CarePlan", "risk_code"), ("CarePlan", "risk_code")]
    assert "LOINC 93374-7 Suicide risk level" in {r.detail for r in report.refused}
    assert "93374-7" not in stored(other) and "High risk of suicide" not in stored(other)


def test_a_section_that_matches_none_here_is_refused_by_title(sent, receiving):
    other, team, clinician = receiving
    changed = copy.deepcopy(sent)
    for resource in resources(changed, "QuestionnaireResponse"):
        changed["entry"].remove(next(e for e in changed["entry"] if e["resource"] is resource))
    changed["entry"][0]["resource"]["section"].append(
        {
            "title": "Risk formulation",
            "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Risk: high</p></div>'},
        }
    )
    report = take(other, clinician, team, changed)
    assert [(r.reason, r.detail) for r in report.refused] == [("unplaced_section", "Risk formulation")]
    held = stored(other)
    assert "Risk: high" not in held
    assert "My dog Biscuit and the allotment" in held  # read from the narrative, as another system sends it
    assert "Jo" in held


def test_risk_wording_in_the_plan_goes_through_the_detector_like_a_clinicians(sent, receiving):
    other, team, clinician = receiving
    changed = copy.deepcopy(sent)
    (response,) = resources(changed, "QuestionnaireResponse")
    response["item"][0]["answer"].append({"valueString": "Assessed as high risk of suicide"})
    report = take(other, clinician, team, changed)
    assert [(f.section, f.category) for f in report.flagged] == [("reasons", "level-label")]
    with other.app_context(), transaction():
        (finding,) = session.scalars(select(StratificationFinding)).all()
        assert (finding.section, finding.category, finding.author_role) == ("reasons", "level-label", "clinician")


# --- Bad input stores nothing --------------------------------------------------------------------------------


def _two_numbers(bundle):
    changed = copy.deepcopy(bundle)
    patient = changed["entry"][1]["resource"]
    patient["identifier"].append({"system": codes.NHS_NUMBER, "value": "9990000026"})
    return changed


def _too_many(bundle):
    changed = copy.deepcopy(bundle)
    filler = {"resource": {"resourceType": "Basic", "code": {"text": "x"}}}
    changed["entry"] += [filler] * (MAX_ENTRIES + 1 - len(changed["entry"]))
    return changed


def _bad_date(bundle):
    changed = copy.deepcopy(bundle)
    changed["entry"][1]["resource"]["birthDate"] = "the third of March"
    return changed


def _only(bundle, *kinds):
    changed = copy.deepcopy(bundle)
    changed["entry"] = [e for e in changed["entry"] if e["resource"]["resourceType"] in kinds]
    return changed


def _patient(bundle):
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def _changed_patient(change):
    def spoil(bundle):
        changed = copy.deepcopy(bundle)
        change(_patient(changed))
        return changed

    return spoil


BAD_INPUT = {
    "not JSON": (lambda b: b"<Bundle>not json</Bundle>", "not_json"),
    "JSON, not FHIR": (lambda b: b'{"plan": "yes"}', "not_fhir"),
    "invalid FHIR": (_bad_date, "not_fhir"),
    "one resource, not a Bundle": (lambda b: b["entry"][1]["resource"], "not_bundle"),
    "a Bundle that is not a document": (lambda b: {**b, "type": "searchset"}, "not_document"),
    "the wrong resource types": (lambda b: _only(b, "Patient", "Practitioner"), "not_a_plan"),
    "no Patient": (lambda b: _only(b, "Composition", "CarePlan"), "no_patient"),
    "two different NHS numbers": (_two_numbers, "two_nhs_numbers"),
    "an NHS number that is not one": (
        _changed_patient(lambda p: p["identifier"][0].update(value="9990000019")),
        "nhs_number_invalid",
    ),
    "no NHS number": (_changed_patient(lambda p: p.pop("identifier")), "no_nhs_number"),
    "a new person with no name": (
        _changed_patient(lambda p: p.update(name=[{"use": "official", "text": " "}])),
        "no_name",
    ),
    "a new person with no date of birth": (_changed_patient(lambda p: p.pop("birthDate")), "no_birth_date"),
    "more than 10 MB": (lambda b: b" " * (MAX_BYTES + 1), "too_big"),
    "more than 10,000 entries": (_too_many, "too_many_entries"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_a_clear_reason_and_stores_nothing(sent, receiving, case):
    other, team, clinician = receiving
    spoil, reason = BAD_INPUT[case]
    before = counts(other)
    with pytest.raises(ImportRefused) as refused:
        take(other, clinician, team, spoil(sent))
    assert refused.value.code == reason
    assert refused.value.message  # a sentence for the report, in the catalogue
    assert counts(other) == before
    with other.app_context(), transaction():
        outcomes = session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "plan.import_refused")).all()
    assert outcomes == ["failed"]


# --- Who may import for whom ---------------------------------------------------------------------------------


def test_a_clinician_imports_only_for_their_own_team(sent, receiving):
    other, _team, clinician = receiving
    with other.app_context():
        elsewhere = create_team("Another Team")
    with pytest.raises(ImportRefused) as refused:
        take(other, clinician, elsewhere, sent)
    assert refused.value.code == "not_allowed"
    assert counts(other)[0] == 0


def test_an_nhs_number_in_a_file_never_opens_another_teams_record(sent, receiving):
    other, team, clinician = receiving
    with other.app_context():
        held_elsewhere = create_person(create_team("Another Team"), name="Someone Else", nhs_number=NHS_NUMBER)
    with pytest.raises(ImportRefused) as refused:
        take(other, clinician, team, sent)
    assert refused.value.code == "known_elsewhere"
    assert counts(other)[1] == 0
    with other.app_context(), transaction():
        assert session.get(Person, held_elsewhere.id).name == "Someone Else"


def test_the_command_line_puts_someone_already_recorded_on_the_receiving_caseload(sent, receiving):
    other, team, _clinician = receiving
    with other.app_context():
        held_elsewhere = create_person(create_team("Another Team"), name="Someone Else", nhs_number=NHS_NUMBER)
    report = take(other, None, team, sent)
    assert (report.person_id, report.person_added) == (held_elsewhere.id, False)
    with other.app_context(), transaction():
        teams = session.scalars(select(CaseloadEntry.team_id).where(CaseloadEntry.person_id == report.person_id))
        assert team.id in set(teams)


# --- Whatever arrives ----------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    changed = copy.copy(value)
    changed[path[0]] = _replaced(value[path[0]], path[1:], new)
    return changed


@given(choice=st.integers(min_value=0), new=JSON_VALUES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_mangled_document_is_read_or_refused_never_an_error(app, choice, new):
    """Any one value of a real document replaced by any JSON: the reader takes it or says why not."""
    with app.app_context():
        bundle = sample_bundle()
        paths = list(_paths(bundle))
        mangled = _replaced(bundle, paths[choice % len(paths)], new)
        try:
            received = read_bundle(json.dumps(mangled).encode())
        except ImportRefused as refused:
            assert refused.code in MESSAGES
        else:
            assert received.nhs_number.isdigit() and len(received.nhs_number) == 10


def test_partial_dates_are_read_as_unknown(app):
    with app.app_context():
        bundle = sample_bundle()
        patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        patient["birthDate"] = "1990"
        (consent,) = resources(bundle, "Consent")
        consent["dateTime"] = "2026-01"
        received = read_bundle(json.dumps(bundle).encode())
    assert received.date_of_birth is None
    assert received.involved[0].decided_on is None


# --- Another system's document -------------------------------------------------------------------------------

XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'


def _foreign():
    """A crisis plan as another record system might send it: a Composition with narrative, no answers of ours."""
    return {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:6f1b3d2e-0000-4000-8000-000000000001"},
        "timestamp": "2026-11-01T09:00:00Z",
        "entry": [
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Composition",
                    "status": "final",
                    "type": {"coding": [{"system": codes.SNOMED, "code": "736253002"}]},
                    "subject": {"reference": "urn:uuid:c0000000-0000-4000-8000-000000000002"},
                    "date": "2026-11-01T09:00:00Z",
                    "author": [{"reference": "urn:uuid:c0000000-0000-4000-8000-000000000003", "display": "Dr Far"}],
                    "custodian": {"reference": "urn:uuid:c0000000-0000-4000-8000-000000000004"},
                    "title": "Crisis plan",
                    "section": [
                        {
                            "title": "What matters to me",
                            "text": {"status": "generated", "div": f"<div {XHTML}><p>My garden</p><p>My son</p></div>"},
                        },
                        {
                            "title": "People I can ask for help",
                            "text": {"status": "generated", "div": f"<div {XHTML}>Ask Robin</div>"},
                            "entry": [{"reference": "urn:uuid:c0000000-0000-4000-8000-000000000005"}],
                        },
                        {
                            "title": "How others can help me",
                            "text": {
                                "status": "generated",
                                "div": f"<div {XHTML}><ul><li>Speak slowly</li></ul></div>",
                            },
                        },
                    ],
                },
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": codes.NHS_NUMBER, "value": "9990000026"}],
                    "name": [{"given": ["Robin"], "family": "Elsewhere"}],
                    "birthDate": "1980-02-02",
                    "telecom": [{"system": "phone", "value": "07700 900 555"}],
                },
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000003",
                "resource": {"resourceType": "Practitioner", "name": [{"text": "Dr Far"}]},
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000004",
                "resource": {"resourceType": "Organization", "name": "Faraway (fictional) Trust"},
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000005",
                "resource": {
                    "resourceType": "RelatedPerson",
                    "patient": {"reference": "urn:uuid:c0000000-0000-4000-8000-000000000002"},
                    "name": [{"given": ["Kim"], "family": "Helper"}],
                    "relationship": [{"coding": [{"system": "x", "code": "SIS", "display": "sister"}]}],
                    "telecom": [{"system": "phone", "value": "07700 900 556"}],
                },
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000006",
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "status": "completed",
                    "questionnaire": "https://example.org/Questionnaire/their-own",
                    "item": [{"linkId": "1", "answer": [{"valueString": "Risk: high"}]}],
                },
            },
            {
                "fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000007",
                "resource": {"resourceType": "Basic", "code": {"text": "x"}},
            },
        ],
    }


def test_another_systems_document_is_read_from_its_narrative(receiving):
    other, team, clinician = receiving
    report = take(other, clinician, team, _foreign())
    assert report.organisation == "Faraway (fictional) Trust"
    assert sorted((r.what, r.reason) for r in report.refused) == [
        ("Basic", "not_plan"),
        ("QuestionnaireResponse", "risk_words"),
    ]
    with other.app_context(), transaction():
        (revision,) = session.scalars(select(PlanRevision)).all()
        person = session.get(Person, report.person_id)
        assert (person.name, person.phone) == ("Robin Elsewhere", "07700 900 555")
        content = revision.content
        assert content["reasons"]["items"] == ["My garden", "My son"]
        assert content["people_to_ask"]["contacts"] == [
            {"name": "Kim Helper", "relationship": "sister", "phone": "07700 900 556"}
        ]
        assert content["how_others_help"]["helps"] == ["Speak slowly"]
        assert revision.origin["history"][0]["author"] == "Dr Far"
        assert revision.origin["history"][0]["recorded"] == "2026-11-01T09:00:00Z"
