"""A plan revision as a FHIR R4 document: a ``Bundle`` of type ``document`` on UK Core profiles.

The Composition (SNOMED CT 736253002 "Mental health crisis plan") has one section per plan section of the
revision's registry version, each with readable narrative; the Patient carries the NHS number; the CarePlan its
status, period, next review and everyone who contributed; a QuestionnaireResponse holds the sections as answers
to the Questionnaire the app publishes for that registry version (``questionnaires``); RelatedPerson and CareTeam
entries are the people and services to contact, with their numbers; a Consent per person involved says which
sections they see; a Provenance per revision records who, when, why, who took part and whether the person agreed.

Nothing in it holds a risk level, score or category for the person: ``safetyplan assurance check-schema`` checks
the shape every export takes (``sample_bundle``), and the words go out as the person and clinician wrote them.
``bundle_of`` is pure: it builds from a ``PlanDocument`` and reads nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from flask_babel import force_locale

from safetyplan.exchange import codes
from safetyplan.exchange.document import (
    Author,
    EarlierRecord,
    Involved,
    Organisation,
    PersonDetails,
    PlanDocument,
    RevisionRecord,
    Service,
)
from safetyplan.plans.content import lines_of, section_content
from safetyplan.plans.sections import CURRENT_VERSION, REASONS, Section, sections
from safetyplan.roles import Role

Resource = dict[str, Any]

#: How each kind of person involved is coded (the app's own kinds: the person's words for the relationship
#: are kept beside it as text).
KIND_DISPLAY = {"family": "Family member", "friend": "Friend", "carer": "Carer", "advocate": "Independent advocate"}


def _id(*parts: object) -> str:
    """A stable id for one resource of one export, so that the same revision always exports the same document."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(part) for part in parts)))


def _ref(resource: Resource) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def instant(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _narrative(html: str) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{html}</div>'}


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _telecom(number: str | None, channel: str = "call") -> list[dict[str, str]]:
    if not number:
        return []
    return [{"system": "sms" if channel == "text" else "phone", "value": number}]


def _author_role(role: str) -> dict[str, Any]:
    if role not in (Role.PERSON, Role.CLINICIAN, Role.CARER):
        return {}
    return {"role": [{"coding": [{"system": codes.AUTHOR_ROLE_SYSTEM, "code": role}]}]}


class _Builder:
    def __init__(self, document: PlanDocument, *, generated_at: datetime) -> None:
        self.document = document
        self.generated_at = generated_at
        self.key = (document.person.id, document.revision.number)
        self.entries: list[Resource] = []
        self.practitioners: dict[uuid.UUID | None, Resource] = {}

    def add(self, resource: Resource) -> Resource:
        self.entries.append(resource)
        return resource

    def make(self, kind: str, profile_name: str, /, *parts: object, **fields: Any) -> Resource:
        resource = {
            "resourceType": kind,
            "id": _id(*self.key, kind, *parts),
            "meta": codes.profile(profile_name),
            **fields,
        }
        return self.add(resource)

    # People -----------------------------------------------------------------------------------------------------

    def patient(self, person: PersonDetails) -> Resource:
        names = [{"use": "official", "text": person.name}]
        if person.preferred_name:
            names.append({"use": "usual", "text": person.preferred_name})
        fields: dict[str, Any] = {"name": names}
        if person.nhs_number:
            fields["identifier"] = [{"system": codes.NHS_NUMBER, "value": person.nhs_number}]
        if person.date_of_birth:
            fields["birthDate"] = person.date_of_birth.isoformat()
        if person.phone:
            fields["telecom"] = _telecom(person.phone)
        if person.address:
            fields["address"] = [{"text": person.address}]
        return self.make("Patient", "Patient", "patient", **fields)

    def author(self, author: Author, patient: Resource) -> dict[str, str]:
        """A reference to whoever saved a revision: the Patient, or a Practitioner made once per account."""
        if author.role == Role.PERSON:
            return {**_ref(patient), "display": patient["name"][0]["text"]}
        found = self.practitioners.get(author.id)
        if found is None:
            found = self.make(
                "Practitioner", "Practitioner", "practitioner", author.id, name=[{"text": author.name or "Unknown"}]
            )
            self.practitioners[author.id] = found
        return {**_ref(found), "display": author.name or "Unknown"}

    def related(
        self,
        patient: Resource,
        *parts: object,
        name: str,
        relationship: str | None,
        phone: str | None,
        kind: str | None = None,
    ) -> Resource:
        relation: dict[str, Any] = {"text": relationship or KIND_DISPLAY.get(kind or "", "")}
        if kind:
            relation["coding"] = [{"system": codes.INVOLVEMENT_SYSTEM, "code": kind, "display": KIND_DISPLAY[kind]}]
        fields: dict[str, Any] = {"patient": _ref(patient), "name": [{"text": name}], "relationship": [relation]}
        if phone:
            fields["telecom"] = _telecom(phone)
        return self.make("RelatedPerson", "RelatedPerson", *parts, **fields)

    def care_team(self, patient: Resource, service: Service, *parts: object) -> Resource:
        fields: dict[str, Any] = {"status": "active", "name": service.name, "subject": _ref(patient)}
        if service.number:
            fields["telecom"] = _telecom(service.number, service.channel)
        if service.detail:
            fields["note"] = [{"text": service.detail}]
        return self.make("CareTeam", "CareTeam", *parts, **fields)

    # The plan ---------------------------------------------------------------------------------------------------

    def section_entries(self, part: Section, content: dict[str, Any], patient: Resource) -> list[Resource]:
        """The resources a section points to: a RelatedPerson or CareTeam for each contact in it."""
        found = []
        for index, contact in enumerate(content.get("contacts", []) if part.kind == "contacts" else []):
            if part.key == "services":
                service = Service(contact.get("name") or "", contact.get("phone") or "")
                found.append(self.care_team(patient, service, "section", part.key, index))
            else:
                found.append(
                    self.related(
                        patient,
                        "section",
                        part.key,
                        index,
                        name=contact.get("name") or "",
                        relationship=contact.get("relationship"),
                        phone=contact.get("phone"),
                    )
                )
        return found

    def answers(self, part: Section, content: dict[str, Any]) -> Resource:
        """One QuestionnaireResponse item: the section's words as answers, and who wrote them."""
        item: Resource = {"linkId": part.key, "text": str(part.title)}
        if part.kind == "contacts":
            item["item"] = [
                {
                    "linkId": f"{part.key}.contact",
                    "item": [
                        {"linkId": f"{part.key}.contact.{name}", "answer": [{"valueString": contact[name]}]}
                        for name in ("name", "relationship", "phone")
                        if contact.get(name)
                    ],
                }
                for contact in content.get("contacts", [])
            ]
        elif part.kind == "helps":
            item["item"] = [
                {"linkId": f"{part.key}.{name}", "answer": [{"valueString": line} for line in content.get(name, [])]}
                for name in ("helps", "does_not_help")
                if content.get(name)
            ]
        elif content.get("items"):
            item["answer"] = [{"valueString": line} for line in content["items"]]
        extensions = []
        if content.get("by"):
            extensions.append({"url": codes.WRITTEN_BY, "valueCode": content["by"]})
        if content.get("own_words"):
            extensions.append({"url": codes.OWN_WORDS, "valueBoolean": True})
        if extensions:
            item["extension"] = extensions
        return item

    def provenance(self, record: RevisionRecord, patient: Resource, targets: list[Resource]) -> Resource:
        agents: list[Resource] = [
            {
                "type": {"coding": [{"system": codes.PROVENANCE_TYPE, "code": "author", "display": "Author"}]},
                **_author_role(record.author.role),
                "who": self.author(record.author, patient),
            }
        ]
        took_part = []
        if record.person_took_part:
            took_part.append({**_ref(patient), "display": patient["name"][0]["text"]})
        if record.carer_took_part:
            took_part.append({"display": record.participants.get("carers") or "Family, friends or carers"})
        if record.advocate_took_part:
            took_part.append({"display": record.participants.get("advocate") or "An independent advocate"})
        for who in took_part:
            agents.append(
                {
                    "type": {
                        "coding": [{"system": codes.PROVENANCE_TYPE, "code": "informant", "display": "Informant"}]
                    },
                    "role": [{"text": "Took part in the conversation"}],
                    "who": who,
                }
            )
        extensions: list[Resource] = [{"url": codes.REVISION_NUMBER, "valueInteger": record.number}]
        if record.person_agrees is not None:
            extensions.append({"url": codes.PERSON_AGREES, "valueBoolean": record.person_agrees})
        if record.disagreement:
            extensions.append({"url": codes.DISAGREEMENT, "valueString": record.disagreement})
        reason = str(REASONS.get(record.reason, record.reason))
        return self.make(
            "Provenance",
            "Provenance",
            "revision",
            record.number,
            target=[_ref(target) for target in targets],
            recorded=instant(record.created_at),
            reason=[{"coding": [{"system": codes.REASON_SYSTEM, "code": record.reason, "display": reason}]}],
            agent=agents,
            extension=extensions,
        )

    def earlier(self, index: int, record: EarlierRecord, patient: Resource, target: Resource) -> Resource:
        """The Provenance of a revision written elsewhere, from its record as it came (names as text)."""
        who: dict[str, str] = (
            {**_ref(patient), "display": record.author}
            if record.role == Role.PERSON
            else {"display": record.author or "Unknown"}
        )
        agents: list[Resource] = [
            {
                "type": {"coding": [{"system": codes.PROVENANCE_TYPE, "code": "author", "display": "Author"}]},
                **_author_role(record.role),
                "who": who,
            }
        ]
        for name in record.took_part:
            agents.append(
                {
                    "type": {
                        "coding": [{"system": codes.PROVENANCE_TYPE, "code": "informant", "display": "Informant"}]
                    },
                    "role": [{"text": "Took part in the conversation"}],
                    "who": {"display": name},
                }
            )
        extensions: list[Resource] = []
        if record.number is not None:
            extensions.append({"url": codes.REVISION_NUMBER, "valueInteger": record.number})
        if record.person_agrees is not None:
            extensions.append({"url": codes.PERSON_AGREES, "valueBoolean": record.person_agrees})
        if record.disagreement:
            extensions.append({"url": codes.DISAGREEMENT, "valueString": record.disagreement})
        if record.organisation:
            extensions.append({"url": codes.RECEIVED_FROM, "valueString": record.organisation})
        reason: Resource = {"text": record.reason_text or "Not recorded"}
        if record.reason in REASONS:
            reason = {
                "coding": [
                    {"system": codes.REASON_SYSTEM, "code": record.reason, "display": str(REASONS[record.reason])}
                ]
            }
        fields: dict[str, Any] = {"reason": [reason], "agent": agents}
        if extensions:
            fields["extension"] = extensions
        recorded = record.recorded or instant(self.document.revision.created_at)
        return self.make(
            "Provenance", "Provenance", "earlier", index, target=[_ref(target)], recorded=recorded, **fields
        )

    def organisation(self, organisation: Organisation) -> Resource:
        return self.make(
            "Organization",
            "Organization",
            "custodian",
            name=organisation.name,
            identifier=[{"system": codes.ODS_CODE, "value": organisation.ods_code}],
        )

    def consent(self, someone: Involved, patient: Resource, related: Resource) -> Resource:
        provision: Resource = {
            "type": "permit",
            "actor": [
                {
                    "role": {
                        "coding": [{"system": codes.PARTICIPATION, "code": "IRCP", "display": "information recipient"}]
                    },
                    "reference": _ref(related),
                }
            ],
        }
        if someone.shared_sections:
            provision["code"] = [
                {"coding": [{"system": codes.SECTION_SYSTEM, "code": key}]} for key in someone.shared_sections
            ]
        fields: dict[str, Any] = {
            "status": "active" if someone.shared_sections else "inactive",
            "scope": {"coding": [{"system": codes.CONSENT_SCOPE, "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": codes.LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
            "patient": _ref(patient),
            "policyRule": {"text": "Sharing led by the person's consent: they choose which sections each person sees."},
            "provision": provision,
        }
        if someone.decided_on:
            fields["dateTime"] = someone.decided_on.isoformat()
        return self.make("Consent", "Consent", "involved", someone.id, **fields)


def bundle_of(document: PlanDocument, *, generated_at: datetime) -> Resource:
    """The FHIR R4 document of one revision of a plan, as JSON-ready data, in English (a shared record's language;
    the person's words stay as they wrote them)."""
    with force_locale("en"):
        return _bundle_of(document, generated_at=generated_at)


def _bundle_of(document: PlanDocument, *, generated_at: datetime) -> Resource:
    build = _Builder(document, generated_at=generated_at)
    record, content = document.revision, document.content
    composition: Resource = build.make("Composition", "Composition", "composition")
    patient = build.patient(document.person)
    author = build.author(record.author, patient)

    involved = {
        someone.id: build.related(
            patient,
            "involved",
            someone.id,
            name=someone.name,
            relationship=someone.relationship,
            phone=someone.phone,
            kind=someone.kind,
        )
        for someone in document.involved
    }
    teams = [build.care_team(patient, team, "team", index) for index, team in enumerate(document.teams)]
    lines = [build.care_team(patient, line, "crisis-line", index) for index, line in enumerate(document.crisis_lines)]

    parts = sections(record.sections_version)
    response = build.make(
        "QuestionnaireResponse",
        "QuestionnaireResponse",
        "response",
        questionnaire=codes.questionnaire_url(record.sections_version),
        status="completed",
        subject=_ref(patient),
        authored=instant(record.created_at),
        author=author,
        item=[build.answers(part, section_content(content, part)) for part in parts],
    )
    composition_sections = []
    for part in parts:
        part_content = section_content(content, part)
        written = lines_of(part_content, part)
        entries = build.section_entries(part, part_content, patient)
        if part.key == "services":
            entries = [*entries, *teams, *lines]
        section: Resource = {
            "title": str(part.title),
            "code": {"coding": [{"system": codes.SECTION_SYSTEM, "code": part.key, "display": str(part.title)}]},
            "text": _narrative(_list(written) if written else "<p>Nothing written here yet.</p>"),
        }
        if entries:
            section["entry"] = [_ref(entry) for entry in entries]
        elif not written:
            section["emptyReason"] = {"coding": [{"system": codes.LIST_EMPTY, "code": "unavailable"}]}
        composition_sections.append(section)

    contributors = [{**_ref(patient), "display": patient["name"][0]["text"]}]
    contributors += [{**_ref(involved[someone.id]), "display": someone.name} for someone in document.involved]
    for earlier in document.history:
        reference = build.author(earlier.author, patient)
        if reference not in contributors:
            contributors.append(reference)
    care_plan_fields: dict[str, Any] = {}
    if record.next_review_on:
        care_plan_fields["extension"] = [{"url": codes.NEXT_REVIEW, "valueDate": record.next_review_on.isoformat()}]
    care_plan = build.make(
        "CarePlan",
        "CarePlan",
        "careplan",
        status=_status(document),
        intent="plan",
        category=[{"coding": [codes.CRISIS_PLAN]}],
        title="Safety plan",
        description="Offered and declined" if record.declined else "Written with the person, in their own words",
        subject=_ref(patient),
        period=_period(document),
        created=instant(document.first_saved or record.created_at),
        author=author,
        contributor=contributors,
        careTeam=[_ref(team) for team in teams],
        supportingInfo=[_ref(response)],
        **care_plan_fields,
    )
    for someone in document.involved:
        build.consent(someone, patient, involved[someone.id])
    for index, elsewhere in enumerate(document.earlier):
        build.earlier(index, elsewhere, patient, care_plan)
    for earlier in document.history:
        targets = [care_plan, response] if earlier.number == record.number else [care_plan]
        build.provenance(earlier, patient, targets)
    if document.custodian:
        custodian = build.organisation(document.custodian)
        composition["custodian"] = {**_ref(custodian), "display": custodian["name"]}

    composition.update(
        {
            "status": "final",
            "type": {"coding": [codes.CRISIS_PLAN]},
            "category": [{"coding": [codes.CARE_PLAN_CATEGORY]}],
            "subject": _ref(patient),
            "date": instant(record.created_at),
            "author": [author],
            "title": f"Safety plan, revision {record.number}",
            "language": "en-GB",
            "section": composition_sections,
        }
    )
    return {
        "resourceType": "Bundle",
        "id": _id(*build.key, "bundle", instant(generated_at)),
        "meta": codes.profile("Bundle"),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{_id(*build.key, 'document')}"},
        "type": "document",
        "timestamp": instant(generated_at),
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in build.entries],
    }


def _status(document: PlanDocument) -> str:
    if document.revision.declined:
        return "revoked"
    return "active" if document.is_current else "completed"


def _period(document: PlanDocument) -> dict[str, str]:
    period = {"start": (document.first_saved or document.revision.created_at).date().isoformat()}
    if not document.is_current:
        period["end"] = document.revision.created_at.date().isoformat()
    return period


def sample_document() -> PlanDocument:
    """A fictional plan with every field filled, for checking the shape every export takes."""
    moment = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    author = Author(uuid.UUID(int=2), "Dr Example Clinician", "clinician")
    record = RevisionRecord(
        number=2,
        created_at=moment,
        author=author,
        reason="scheduled_review",
        sections_version=CURRENT_VERSION,
        declined=False,
        person_took_part=True,
        carer_took_part=True,
        advocate_took_part=True,
        participants={"carers": "Example Carer", "advocate": "Example Advocate"},
        person_agrees=False,
        disagreement="Example words of disagreement",
        next_review_on=date(2026, 3, 5),
        restored_from=None,
    )
    content: dict[str, Any] = {}
    for part in sections(record.sections_version):
        if part.kind == "contacts":
            content[part.key] = {"contacts": [{"name": "Example", "relationship": "friend", "phone": "07700 900000"}]}
        elif part.kind == "helps":
            content[part.key] = {"helps": ["Example help"], "does_not_help": ["Example unhelp"]}
        else:
            content[part.key] = {"items": ["Example words"]}
        content[part.key].update({"by": "person", "own_words": True})
    return PlanDocument(
        person=PersonDetails(
            uuid.UUID(int=1), "Example Person", "9990000018", "Ex", date(1990, 1, 1), "07700 900001", "1 Example Road"
        ),
        revision=record,
        content=content,
        history=(record,),
        involved=(
            Involved(
                uuid.UUID(int=3),
                "Example Carer",
                "carer",
                "sister",
                "07700 900002",
                ("warning_signs",),
                date(2026, 1, 5),
                "person",
            ),
        ),
        teams=(Service("Example Team", "01632 960000"),),
        crisis_lines=(Service("Example Line", "85258", "text", "Example detail"),),
        first_saved=moment,
        earlier=(
            EarlierRecord(
                recorded="2025-06-01T09:00:00+00:00",
                author="Example Earlier Clinician",
                role="clinician",
                reason="first_plan",
                reason_text="First plan",
                organisation="Example Sending Trust",
                number=1,
                took_part=("Example Person",),
                person_agrees=True,
            ),
        ),
        custodian=Organisation("Example Trust", "XDEV1"),
    )


def sample_bundle() -> Resource:
    """The Bundle of ``sample_document``: the shape ``safetyplan assurance check-schema`` checks."""
    return bundle_of(sample_document(), generated_at=datetime(2026, 1, 5, 11, tzinfo=UTC))
