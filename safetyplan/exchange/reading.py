"""Reading a FHIR plan document from elsewhere, with the stratification firewall at the boundary.

``read_bundle`` is pure: it takes the bytes as they arrived and returns what a plan here can hold (the person, the
sections, the people involved and what each sees, and the record of who wrote it where and when), with a list of
what was refused and why. A file that is not a plan document is ``ImportRefused``, and nothing of it is kept.

The firewall has two guards (docs/adr/0015-receiving-plans.md). First, by construction: a plan here has no place
for a code from another system, so only words and this project's own section codes are read into it, and
resources that rate people (RiskAssessment, Observation, Flag and the like) are never taken at all. Second, a scan
that says so: every coding anywhere in the file that names a risk level (``RISK_CODES``, or a display that the
detector reads as one) and every risk level written in words outside the plan's narrative is listed as refused, so
that the receiving clinician sees exactly what stayed behind. The plan's own words go through the detector like a
clinician's, when the revision is stored (``safetyplan.exchange.imports``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from flask_babel import force_locale
from pydantic import ValidationError

from safetyplan.detector import scan
from safetyplan.errors import DomainError
from safetyplan.exchange import codes
from safetyplan.exchange.messages import MESSAGES
from safetyplan.people.identifiers import normalise_nhs_number
from safetyplan.plans.content import Content, empty_section, is_empty
from safetyplan.plans.sections import CURRENT_VERSION, REGISTRY, Section, sections
from safetyplan.roles import Role

#: The most a file may be, and the most entries its Bundle may hold (a plan has a few dozen).
MAX_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 10_000

#: The resources a plan document is made of: what is read from them is read into the plan.
PLAN_TYPES = frozenset(
    {
        "Composition",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "RelatedPerson",
        "CareTeam",
        "QuestionnaireResponse",
        "CarePlan",
        "Consent",
        "Provenance",
    }
)
#: Resources that hold ratings, findings or judgements about a person: never taken.
RATING_TYPES = frozenset({"RiskAssessment", "Observation", "Flag", "Condition", "ClinicalImpression", "DetectedIssue"})

#: Codes that name a risk level (LOINC 93374-7 "Suicide risk level" and its answer list). A SNOMED CT concept for a
#: level of risk of suicide or self-harm is recognised by its display ("High risk of suicide"), which the detector
#: reads; a code that arrives with no display has nowhere to go in a plan here either way.
RISK_CODES = frozenset({(codes.LOINC, "93374-7")})

ROLES_BY_REFERENCE = {"Patient": Role.PERSON, "RelatedPerson": Role.CARER}
ROLES = (Role.PERSON, Role.CLINICIAN, Role.CARER)


class ImportRefused(DomainError):
    """The file is not a plan document this app can take, so nothing of it was kept. ``details`` says where the
    FHIR models found a problem (never the value found there, which may be personal data)."""

    messages = MESSAGES

    def __init__(self, code: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(code, field="file")
        self.details = details


@dataclass(frozen=True)
class Refusal:
    """Something in the file that was not taken: what it was, why (a key of ``messages.REFUSALS``), and the code
    or words that made it so."""

    what: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ReceivedInvolved:
    name: str
    kind: str
    relationship: str | None
    phone: str | None
    sections: frozenset[str]
    decided_on: date | None


@dataclass(frozen=True)
class Received:
    nhs_number: str
    name: str
    preferred_name: str | None
    date_of_birth: date | None
    phone: str | None
    address: str | None
    version: int
    content: Content
    next_review_on: date | None
    declined: bool
    #: {"organisation", "document", "history": [...]}: kept with the revision, as text.
    origin: dict[str, Any]
    involved: tuple[ReceivedInvolved, ...] = ()
    refused: tuple[Refusal, ...] = field(default=())


# --- Reading the file ------------------------------------------------------------------------------------------


def read_bundle(data: bytes) -> Received:
    """What a plan here can hold of this file. Raises ImportRefused when it is not a FHIR plan document."""
    if len(data) > MAX_BYTES:
        raise ImportRefused("too_big")
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused("not_json") from error
    if not isinstance(parsed, dict) or "resourceType" not in parsed:
        raise ImportRefused("not_fhir")
    if parsed["resourceType"] != "Bundle":
        raise ImportRefused("not_bundle", (str(parsed["resourceType"])[:40],))
    entries = parsed.get("entry") or []
    if not isinstance(entries, list):
        raise ImportRefused("not_fhir")
    if len(entries) > MAX_ENTRIES:
        raise ImportRefused("too_many_entries")
    if not all(
        isinstance(entry, dict) and ("resource" not in entry or _is_resource(entry["resource"])) for entry in entries
    ):
        raise ImportRefused("not_fhir")
    try:
        Bundle.model_validate(parsed)
    except ValidationError as error:
        raise ImportRefused("not_fhir", tuple(_where(problem) for problem in error.errors()[:5])) from error
    except (TypeError, ValueError, LookupError, AttributeError) as error:  # the models fail so on some shapes
        raise ImportRefused("not_fhir") from error
    if parsed.get("type") not in ("document", "collection"):
        raise ImportRefused("not_document")
    with force_locale("en"):
        return _Reader(parsed).read()


def _is_resource(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("resourceType"), str) and bool(value["resourceType"])


def _where(problem: Any) -> str:
    """Where the FHIR models found a problem, without the value found there (which may be personal data)."""
    return ".".join(str(part) for part in problem.get("loc", ()))[:120]


class _Reader:
    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle
        self.resources: list[dict[str, Any]] = []
        self.by_reference: dict[str, dict[str, Any]] = {}
        for entry in bundle.get("entry") or []:
            resource = entry.get("resource")
            if not _is_resource(resource):
                continue
            self.resources.append(resource)
            if entry.get("fullUrl"):
                self.by_reference[entry["fullUrl"]] = resource
            if resource.get("id"):
                self.by_reference[f"{resource['resourceType']}/{resource['id']}"] = resource
        self.refused: list[Refusal] = []

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [resource for resource in self.resources if resource["resourceType"] == kind]

    def resolve(self, reference: Any) -> dict[str, Any] | None:
        if not isinstance(reference, dict) or not reference.get("reference"):
            return None
        return self.by_reference.get(reference["reference"])

    def read(self) -> Received:
        self.screen()
        patient = self.patient()
        composition = next(
            (found for found in self.of_type("Composition") if _has_code(found.get("type"), codes.CRISIS_PLAN)), None
        )
        care_plan = next(iter(self.of_type("CarePlan")), None)
        if composition is None and care_plan is None:
            raise ImportRefused("not_a_plan")
        version, content = self.from_questionnaire() or self.from_composition(composition)
        involved = self.involved()
        return Received(
            nhs_number=patient["nhs_number"],
            name=patient["name"],
            preferred_name=patient["preferred_name"],
            date_of_birth=patient["date_of_birth"],
            phone=patient["phone"],
            address=patient["address"],
            version=version,
            content=content,
            next_review_on=_extension_date(care_plan, codes.NEXT_REVIEW),
            declined=bool(care_plan and care_plan.get("status") == "revoked")
            and all(is_empty(part) for part in content.values()),
            origin={
                "organisation": self.sender(composition),
                "document": str((self.bundle.get("identifier") or {}).get("value") or "")[:200],
                "history": self.history(composition),
            },
            involved=involved,
            refused=tuple(self.refused),
        )

    # The firewall ---------------------------------------------------------------------------------------------

    def screen(self) -> None:
        """List what is refused: every resource that rates people, every other kind a plan is not made of, and
        every risk level coded or written anywhere outside the plan's own words."""
        for resource in self.resources:
            kind = resource["resourceType"]
            coded = list(_risk_codings(resource))
            if kind in PLAN_TYPES and not _foreign_answers(resource):
                self.refused += [Refusal(kind, "risk_code", detail) for detail in coded]
                self.refused += [Refusal(kind, "risk_words", words) for words in _risk_words(resource)]
                continue
            worded = list(_risk_words(resource, skip=("div", "display")))
            if coded:
                self.refused.append(Refusal(kind, "risk_code", coded[0]))
            elif worded:
                self.refused.append(Refusal(kind, "risk_words", worded[0]))
            elif kind == "RiskAssessment":
                self.refused.append(Refusal(kind, "risk_assessment"))
            elif kind == "QuestionnaireResponse":
                self.refused.append(Refusal(kind, "other_questionnaire"))
            else:
                self.refused.append(Refusal(kind, "rating" if kind in RATING_TYPES else "not_plan"))

    # The person -----------------------------------------------------------------------------------------------

    def patient(self) -> dict[str, Any]:
        patients = self.of_type("Patient")
        if not patients:
            raise ImportRefused("no_patient")
        numbers = set()
        for patient in patients:
            for identifier in patient.get("identifier") or []:
                if identifier.get("system") == codes.NHS_NUMBER and identifier.get("value"):
                    digits = normalise_nhs_number(str(identifier["value"]))
                    if digits is None:
                        raise ImportRefused("nhs_number_invalid")
                    numbers.add(digits)
        if len(numbers) > 1:
            raise ImportRefused("two_nhs_numbers")
        if not numbers:
            raise ImportRefused("no_nhs_number")
        patient = patients[0]
        names = patient.get("name") or []
        official = next((name for name in names if name.get("use") in (None, "official")), names[0] if names else {})
        usual = next((name for name in names if name.get("use") == "usual" and name is not official), None)
        birth = patient.get("birthDate")
        phone = next(
            (point.get("value") for point in patient.get("telecom") or [] if point.get("system") in ("phone", "sms")),
            None,
        )
        address = next((place.get("text") for place in patient.get("address") or [] if place.get("text")), None)
        return {
            "nhs_number": numbers.pop(),
            "name": _name_text(official) or "",
            "preferred_name": _name_text(usual) if usual else None,
            "date_of_birth": _date(birth),
            "phone": phone,
            "address": address,
        }

    # The sections ---------------------------------------------------------------------------------------------

    def from_questionnaire(self) -> tuple[int, Content] | None:
        """The sections exactly, from a response to one of this project's Questionnaires (another SafetyPlan)."""
        prefix = codes.questionnaire_url(0)[:-1]
        for response in self.of_type("QuestionnaireResponse"):
            url = str(response.get("questionnaire") or "")
            if not url.startswith(prefix) or not url[len(prefix) :].isdigit():
                continue
            version = int(url[len(prefix) :])
            if version not in REGISTRY:
                continue
            items = {item.get("linkId"): item for item in response.get("item") or []}
            return version, {
                part.key: _section_from_item(part, items.get(part.key) or {}) for part in sections(version)
            }
        return None

    def from_composition(self, composition: dict[str, Any] | None) -> tuple[int, Content]:
        """The sections from a Composition's narrative (another system): matched by this project's section codes
        or by title; a section that matches none is refused, and said so."""
        parts = sections(CURRENT_VERSION)
        by_title = {str(part.title).casefold(): part for part in parts} | {
            str(part.heading).casefold(): part for part in parts
        }
        content: Content = {part.key: {**empty_section(part.kind), "by": Role.CLINICIAN} for part in parts}
        for found in (composition or {}).get("section") or []:
            part = _coded_section(found.get("code"), parts) or by_title.get(str(found.get("title") or "").casefold())
            title = str(found.get("title") or "")[:80]
            if part is None:
                self.refused.append(Refusal("Composition.section", "unplaced_section", title))
                continue
            lines = _narrative_lines(((found.get("text") or {}).get("div")) or "")
            target = content[part.key]
            if part.kind == "contacts":
                contacts = [self.contact(entry) for entry in found.get("entry") or []]
                target["contacts"] += [contact for contact in contacts if contact] or [{"name": line} for line in lines]
            elif part.kind == "helps":
                target["helps"] += lines
            else:
                target["items"] += lines
        return CURRENT_VERSION, content

    def contact(self, reference: Any) -> dict[str, str] | None:
        found = self.resolve(reference)
        if found is None or found["resourceType"] not in ("RelatedPerson", "CareTeam", "Practitioner", "Organization"):
            return None
        name = found.get("name")
        text = name if isinstance(name, str) else _name_text((name or [{}])[0])
        contact = {"name": text or ""}
        relationship = _concept_text((found.get("relationship") or [None])[0])
        if relationship:
            contact["relationship"] = relationship
        phone = next((point.get("value") for point in found.get("telecom") or [] if point.get("value")), None)
        if phone:
            contact["phone"] = phone
        return contact if contact["name"] or phone else None

    # The people involved and what each sees --------------------------------------------------------------------

    def involved(self) -> tuple[ReceivedInvolved, ...]:
        known = {part.key for part in sections(CURRENT_VERSION)}
        found = []
        for consent in self.of_type("Consent"):
            provision = consent.get("provision") or {}
            keys = frozenset(
                coding.get("code")
                for concept in provision.get("code") or []
                for coding in concept.get("coding") or []
                if coding.get("system") == codes.SECTION_SYSTEM and coding.get("code") in known
            )
            for actor in provision.get("actor") or []:
                someone = self.resolve(actor.get("reference"))
                if someone is None or someone["resourceType"] != "RelatedPerson":
                    continue
                relation = (someone.get("relationship") or [{}])[0]
                kind = next(
                    (
                        coding.get("code")
                        for coding in relation.get("coding") or []
                        if coding.get("system") == codes.INVOLVEMENT_SYSTEM
                    ),
                    "carer",
                )
                decided = consent.get("dateTime")
                found.append(
                    ReceivedInvolved(
                        name=_name_text((someone.get("name") or [{}])[0]) or "",
                        kind=kind if kind in ("family", "friend", "carer", "advocate") else "carer",
                        relationship=relation.get("text") or None,
                        phone=next((point.get("value") for point in someone.get("telecom") or []), None),
                        sections=keys if consent.get("status") == "active" else frozenset(),
                        decided_on=_date(decided),
                    )
                )
        return tuple(found)

    # Where it came from ---------------------------------------------------------------------------------------

    def sender(self, composition: dict[str, Any] | None) -> str:
        """The organisation that sent the plan: the Composition's custodian, else an organisation among its
        authors ("" when the file names none)."""
        composition = composition or {}
        candidates = [composition["custodian"]] if composition.get("custodian") else []
        for reference in candidates + list(composition.get("author") or []):
            found = self.resolve(reference)
            if found is not None and found["resourceType"] == "Organization" and found.get("name"):
                return str(found["name"])[:200]
        custodian = composition.get("custodian") or {}
        return str(custodian.get("display") or "")[:200]

    def history(self, composition: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Each revision's record where it was written, oldest first, as text: who, their role, when, why, who took
        part, and whether the person agreed."""
        entries = []
        for provenance in self.of_type("Provenance"):
            author = next(
                (agent for agent in provenance.get("agent") or [] if _has_code(agent.get("type"), {"code": "author"})),
                None,
            )
            who = (author or {}).get("who") or {}
            target = self.resolve(who)
            took_part = [
                str((agent.get("who") or {}).get("display") or "")
                for agent in provenance.get("agent") or []
                if agent is not author
            ]
            reason: dict[str, Any] = next(iter(provenance.get("reason") or []), {})
            coding: dict[str, Any] = next(iter(reason.get("coding") or []), {})
            entries.append(
                {
                    "number": _extension(provenance, codes.REVISION_NUMBER, "valueInteger"),
                    "recorded": str(provenance.get("recorded") or "")[:40],
                    "author": str(who.get("display") or "")[:200],
                    "role": _role_of(author or {}, target),
                    "reason": coding.get("code") if coding.get("system") == codes.REASON_SYSTEM else None,
                    "reason_text": str(coding.get("display") or reason.get("text") or "")[:200],
                    "took_part": [name for name in took_part if name],
                    "person_agrees": _extension(provenance, codes.PERSON_AGREES, "valueBoolean"),
                    "disagreement": _extension(provenance, codes.DISAGREEMENT, "valueString"),
                    "organisation": _extension(provenance, codes.RECEIVED_FROM, "valueString"),
                }
            )
        if not entries and composition is not None:
            first: dict[str, Any] = next(iter(composition.get("author") or []), {})
            entries.append(
                {
                    "number": None,
                    "recorded": str(composition.get("date") or "")[:40],
                    "author": str(first.get("display") or "")[:200],
                    "role": "",
                    "reason": None,
                    "reason_text": "",
                    "took_part": [],
                    "person_agrees": None,
                    "disagreement": None,
                    "organisation": None,
                }
            )
        return sorted(entries, key=lambda entry: (_moment(entry["recorded"]), entry["number"] or 0))


# --- Small readers -----------------------------------------------------------------------------------------------


def _has_code(concept: Any, wanted: dict[str, str]) -> bool:
    """Whether a CodeableConcept holds the code ``wanted`` (in its system, when ``wanted`` names one)."""
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(
        coding.get("code") == wanted["code"] and ("system" not in wanted or coding.get("system") == wanted["system"])
        for coding in codings or []
    )


def _foreign_answers(resource: dict[str, Any]) -> bool:
    """A QuestionnaireResponse to someone else's questionnaire: its answers are not read into the plan."""
    if resource["resourceType"] != "QuestionnaireResponse":
        return False
    return not str(resource.get("questionnaire") or "").startswith(f"{codes.CANONICAL}/Questionnaire/")


def _role_of(agent: dict[str, Any], target: dict[str, Any] | None) -> str:
    """The role an author wrote in: as coded on the agent, else from what the agent points to ("" unknown)."""
    for concept in agent.get("role") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == codes.AUTHOR_ROLE_SYSTEM and coding.get("code") in ROLES:
                return str(coding["code"])
    if target is None:
        return ""
    return ROLES_BY_REFERENCE.get(target["resourceType"], Role.CLINICIAN)


def _coded_section(concept: Any, parts: tuple[Section, ...]) -> Section | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == codes.SECTION_SYSTEM:
            for part in parts:
                if part.key == coding.get("code"):
                    return part
    return None


def _name_text(name: Any) -> str | None:
    if not isinstance(name, dict):
        return None
    if name.get("text"):
        return str(name["text"])
    joined = " ".join([*map(str, name.get("given") or []), str(name.get("family") or "")]).strip()
    return joined or None


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    return next((str(coding["display"]) for coding in concept.get("coding") or [] if coding.get("display")), None)


def _extension(resource: dict[str, Any], url: str, value: str) -> Any:
    return next((found.get(value) for found in resource.get("extension") or [] if found.get("url") == url), None)


def _extension_date(resource: dict[str, Any] | None, url: str) -> date | None:
    return _date(_extension(resource or {}, url, "valueDate"))


def _date(value: Any) -> date | None:
    """A FHIR date or dateTime's day; None for a partial one ("1990", "1990-03") or none at all."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone().replace(tzinfo=None)


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [line for line in value if isinstance(line, str) and line.strip()]
    return []


def _answers(item: dict[str, Any]) -> list[str]:
    return [str(answer["valueString"]) for answer in item.get("answer") or [] if answer.get("valueString")]


def _section_from_item(part: Section, item: dict[str, Any]) -> dict[str, Any]:
    """One section from its QuestionnaireResponse item (the shape ``fhir._Builder.answers`` writes)."""
    content = empty_section(part.kind)
    children = {child.get("linkId"): child for child in item.get("item") or []}
    if part.kind == "contacts":
        for child in item.get("item") or []:
            fields = {grand.get("linkId", "").rsplit(".", 1)[-1]: _answers(grand) for grand in child.get("item") or []}
            contact = {
                name: found[0] for name, found in fields.items() if name in ("name", "relationship", "phone") and found
            }
            if contact:
                content["contacts"].append(contact)
    elif part.kind == "helps":
        for name in ("helps", "does_not_help"):
            content[name] = _answers(children.get(f"{part.key}.{name}") or {})
    else:
        content["items"] = _answers(item)
    by = _extension(item, codes.WRITTEN_BY, "valueCode")
    content["by"] = by if by in (Role.PERSON, Role.CLINICIAN, Role.CARER) else Role.CLINICIAN
    content["own_words"] = bool(_extension(item, codes.OWN_WORDS, "valueBoolean"))
    return content


class _Lines(HTMLParser):
    """The lines of a narrative: each list item or paragraph, or the text as a whole when it has neither."""

    BLOCKS = ("li", "p", "br", "tr", "div", "h1", "h2", "h3", "h4")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []


def _narrative_lines(div: str) -> list[str]:
    reader = _Lines()
    reader.feed(div)
    reader.close()
    reader.flush()
    return [line for line in reader.lines if line != "Nothing written here yet."]


def _risk_codings(value: Any) -> Iterator[str]:
    """Each coding under ``value`` that names a risk level, as "system code display"."""
    if isinstance(value, dict):
        if "code" in value and isinstance(value.get("code"), str) and ("system" in value or "display" in value):
            display = str(value.get("display") or "")
            if (value.get("system"), value["code"]) in RISK_CODES or (display and scan(display)):
                yield " ".join(part for part in (_system_name(value.get("system")), value["code"], display) if part)
        for key, inner in value.items():
            if key != "div":
                yield from _risk_codings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _risk_codings(inner)


def _risk_words(value: Any, skip: tuple[str, ...] = ("div", "answer", "display")) -> Iterator[str]:
    """Risk levels written in words anywhere under ``value`` but the keys in ``skip``: by default the narrative
    and the answers (the plan's own words, which the detector reads when they are stored) and the displays that
    ``_risk_codings`` reports."""
    if isinstance(value, str):
        yield from (finding.matched for finding in scan(value))
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key not in skip and key not in ("reference", "system", "url", "fullUrl", "id", "resourceType"):
                yield from _risk_words(inner, skip)
    elif isinstance(value, list):
        for inner in value:
            yield from _risk_words(inner, skip)


def _system_name(system: Any) -> str:
    return {codes.LOINC: "LOINC", codes.SNOMED: "SNOMED CT"}.get(str(system), "")
