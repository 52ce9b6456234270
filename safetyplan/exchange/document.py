"""A plan as it leaves the app: one revision, with the person, the revisions before it, the people involved and
what each sees, and the services to contact, as plain values (opened from their sealed columns).

``gather`` reads it without an access check, for the export services here that have already made one. The
shapes are what every export builds from (FHIR now; the PDF and the person's own copy later), so that each says
the same thing. Nothing here rates, grades or categorises the person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safetyplan.accounts.models import User
from safetyplan.config import current_settings
from safetyplan.db import session
from safetyplan.people import unchecked as unchecked_people
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.content import Content
from safetyplan.plans.models import PlanRevision
from safetyplan.sharing import unchecked as unchecked_sharing
from safetyplan.sharing.consent import latest_choice


@dataclass(frozen=True)
class PersonDetails:
    id: uuid.UUID
    name: str
    nhs_number: str | None
    preferred_name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Author:
    """Who saved a revision: their name (or "" if the account is gone) and the role they saved it in."""

    id: uuid.UUID | None
    name: str
    role: str


@dataclass(frozen=True)
class RevisionRecord:
    """One revision's record of the conversation: who, when, why, who took part, and whether the person agreed."""

    number: int
    created_at: datetime
    author: Author
    reason: str
    sections_version: int
    declined: bool
    person_took_part: bool
    carer_took_part: bool
    advocate_took_part: bool
    participants: dict[str, str]
    person_agrees: bool | None
    disagreement: str | None
    next_review_on: date | None
    restored_from: int | None


@dataclass(frozen=True)
class EarlierRecord:
    """A revision written at another organisation, as its record came with the plan on transfer (as text)."""

    recorded: str
    author: str
    role: str
    reason: str | None
    reason_text: str
    organisation: str
    number: int | None = None
    took_part: tuple[str, ...] = ()
    person_agrees: bool | None = None
    disagreement: str | None = None

    @classmethod
    def of(cls, entry: dict[str, Any], organisation: str) -> EarlierRecord:
        return cls(
            recorded=str(entry.get("recorded") or ""),
            author=str(entry.get("author") or ""),
            role=str(entry.get("role") or ""),
            reason=entry.get("reason"),
            reason_text=str(entry.get("reason_text") or ""),
            organisation=str(entry.get("organisation") or organisation),
            number=entry.get("number"),
            took_part=tuple(entry.get("took_part") or ()),
            person_agrees=entry.get("person_agrees"),
            disagreement=entry.get("disagreement"),
        )


@dataclass(frozen=True)
class Organisation:
    """The organisation holding the plan (a document's custodian): its name and ODS code."""

    name: str
    ods_code: str


@dataclass(frozen=True)
class Involved:
    """Someone the person involved, and the plan sections the person's newest decision lets them see."""

    id: uuid.UUID
    name: str
    kind: str
    relationship: str | None
    phone: str | None
    shared_sections: tuple[str, ...]
    decided_on: date | None
    decided_by_role: str | None


@dataclass(frozen=True)
class Service:
    """A service or team to contact: its name, number and how (call or text)."""

    name: str
    number: str
    channel: str = "call"
    detail: str = ""


@dataclass(frozen=True)
class PlanDocument:
    person: PersonDetails
    revision: RevisionRecord
    content: Content
    #: Every revision up to and including this one, oldest first.
    history: tuple[RevisionRecord, ...]
    involved: tuple[Involved, ...] = ()
    teams: tuple[Service, ...] = ()
    crisis_lines: tuple[Service, ...] = ()
    #: True when this is the newest revision (an older one is exported as a completed plan).
    is_current: bool = True
    first_saved: datetime | None = field(default=None)
    #: The revisions written elsewhere before the plan came here on transfer, oldest first.
    earlier: tuple[EarlierRecord, ...] = ()
    custodian: Organisation | None = None


def _author(revision: PlanRevision) -> Author:
    user = session.get(User, revision.author_id) if revision.author_id else None
    return Author(
        revision.author_id,
        str(user.display_name) if user is not None else "",
        str(revision.author_role or ""),
    )


def _record(revision: PlanRevision) -> RevisionRecord:
    return RevisionRecord(
        number=revision.number,
        created_at=revision.created_at,
        author=_author(revision),
        reason=revision.reason,
        sections_version=revision.sections_version,
        declined=revision.declined,
        person_took_part=revision.person_took_part,
        carer_took_part=revision.carer_took_part,
        advocate_took_part=revision.advocate_took_part,
        participants=dict(revision.participants or {}),
        person_agrees=revision.person_agrees,
        disagreement=revision.disagreement,
        next_review_on=revision.next_review_on,
        restored_from=revision.restored_from,
    )


def gather(person_id: uuid.UUID, number: int | None = None) -> PlanDocument | None:
    """Revision ``number`` of the person's plan (the newest when None) and what goes with it, or None when the
    person or that revision does not exist. Checks no access: the caller has."""
    person = session.get(Person, person_id)
    revisions = unchecked_plans.revisions_of(person_id)
    if person is None or not revisions:
        return None
    chosen = revisions[-1] if number is None else next((r for r in revisions if r.number == number), None)
    if chosen is None:
        return None
    involved = []
    for someone in unchecked_sharing.involved_of(person_id):
        choice = latest_choice(someone.id)
        involved.append(
            Involved(
                id=someone.id,
                name=str(someone.name or ""),
                kind=someone.kind,
                relationship=someone.relationship,
                phone=someone.phone,
                shared_sections=tuple(sorted(choice.section_keys)) if choice else (),
                decided_on=choice.decided_on if choice else None,
                decided_by_role=choice.recorded_by_role if choice else None,
            )
        )
    settings = current_settings()
    earlier = tuple(
        EarlierRecord.of(entry, str(revision.origin.get("organisation") or ""))
        for revision in revisions
        if revision.number <= chosen.number and revision.origin
        for entry in revision.origin.get("history") or []
    )
    return PlanDocument(
        person=PersonDetails(
            id=person.id,
            name=str(person.name or ""),
            nhs_number=person.nhs_number,
            preferred_name=person.preferred_name,
            date_of_birth=person.date_of_birth,
            phone=person.phone,
            address=person.address,
        ),
        revision=_record(chosen),
        content=chosen.content or {},
        history=tuple(_record(r) for r in revisions if r.number <= chosen.number),
        involved=tuple(involved),
        teams=tuple(Service(team.name, team.phone) for team in unchecked_people.teams_holding(person_id) if team.phone),
        crisis_lines=tuple(
            Service(line.name_en, line.number, line.channel, line.detail_en) for line in unchecked_plans.crisis_lines()
        ),
        is_current=chosen.number == revisions[-1].number,
        first_saved=revisions[0].created_at,
        earlier=earlier,
        custodian=Organisation(settings.organisation, settings.ods_code),
    )
