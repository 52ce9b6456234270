"""The carer's side: the people who share with a carer, the sections of the newest agreed revision that
each shares, and the carer's own suggestions. Every check is made on every request, so a change of mind takes effect
on the carer's very next one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.errors import NotFound
from safetyplan.people.access import refuse
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.models import Plan, PlanRevision, Suggestion
from safetyplan.plans.sections import CURRENT_VERSION, section, sections
from safetyplan.roles import Role
from safetyplan.sharing.consent import shared_sections
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.models import InvolvedPerson

#: The section carers add to themselves ("What I will do to help"), whether or not the person shares it back.
CARERS_SECTION = "carers_will_do"


@dataclass(frozen=True)
class CarerLink:
    """A person a carer is linked to. Until the link is confirmed the carer learns nothing about them."""

    person_id: uuid.UUID
    name: str | None
    confirmed: bool
    shares_anything: bool


def carer_links(*, by: User) -> list[CarerLink]:
    if by.role != Role.CARER:
        raise NotFound()
    rows = session.execute(
        select(InvolvedPerson, Person)
        .join(Person, Person.id == InvolvedPerson.person_id)
        .where(InvolvedPerson.user_id == by.id, InvolvedPerson.removed_at.is_(None))
    )
    links = [
        CarerLink(
            person.id,
            person.known_as if involved.confirmed_at else None,
            involved.confirmed_at is not None,
            bool(shared_sections(involved)),
        )
        for involved, person in rows
    ]
    record("shared_plans.listed", by=by, grounds=Grounds.SELF)
    return sorted(links, key=lambda link: (not link.confirmed, (link.name or "").casefold(), str(link.person_id)))


def _carer_link(by: User, person_id: uuid.UUID, action: str) -> InvolvedPerson:
    found = None
    if by.role == Role.CARER:
        found = session.scalars(
            select(InvolvedPerson).where(
                InvolvedPerson.person_id == person_id,
                InvolvedPerson.user_id == by.id,
                InvolvedPerson.removed_at.is_(None),
            )
        ).first()
    if found is None or not found.active:
        refuse(by, person_id, action)
    return found


@dataclass(frozen=True)
class SharedRevision:
    """The part of a revision a carer may see: only the shared sections' content is ever copied in."""

    number: int
    created_at: datetime
    sections_version: int
    content: dict[str, Any]

    @classmethod
    def of(cls, revision: PlanRevision, keys: frozenset[str]) -> SharedRevision:
        """Only the sections in ``keys`` of ``revision`` (that its registry version has), copied in alone."""
        available = {part.key for part in sections(revision.sections_version)}
        content = {key: value for key, value in (revision.content or {}).items() if key in keys and key in available}
        return cls(revision.number, revision.created_at, revision.sections_version, content)


@dataclass(frozen=True)
class CarerView:
    person_id: uuid.UUID
    name: str
    shared: frozenset[str]
    revision: SharedRevision | None
    #: The person's teams' phone numbers, when the services part is shared; otherwise none.
    team_phones: list[tuple[str, str]]


def carer_view(*, by: User, person_id: uuid.UUID, action: str = "plan.viewed") -> CarerView:
    """What the person shares with this carer, from the newest revision they agreed with; audited."""
    involved = _carer_link(by, person_id, action)
    keys = shared_sections(involved)
    person = session.get(Person, person_id)
    assert person is not None
    revision = unchecked_plans.agreed_revision(person_id) if keys else None
    shared = None
    if revision is not None:
        shared = SharedRevision.of(revision, keys)
    record(
        action,
        by=by,
        grounds=Grounds.carer(involved.id),
        person_id=person_id,
        revision_id=revision.id if revision is not None else None,
        section=",".join(sorted(keys))[:64] or None,
    )
    phones = unchecked_plans.team_phones(person_id) if "services" in keys else []
    return CarerView(person_id, person.known_as, keys, shared, phones)


def carer_may_suggest_in(involved: InvolvedPerson) -> list[str]:
    """Sections a carer may suggest changes to: those shared with them, and what they will do themselves."""
    keys = shared_sections(involved) | {CARERS_SECTION}
    return [part.key for part in sections(CURRENT_VERSION) if part.key in keys]


def carer_sections(*, by: User, person_id: uuid.UUID) -> list[str]:
    return carer_may_suggest_in(_carer_link(by, person_id, "plan.suggestion_opened"))


def carer_suggest(*, by: User, person_id: uuid.UUID, section_key: str, text: str) -> Suggestion:
    """A carer adds what they will do, or suggests a change to a shared section; the person decides."""
    involved = _carer_link(by, person_id, "plan.suggestion_made")
    if section_key not in carer_may_suggest_in(involved):
        raise SharingError("section", field="keys")
    section(section_key)
    plan = session.scalars(select(Plan).where(Plan.person_id == person_id)).one_or_none()
    if plan is None or plan.current_number == 0:
        raise SharingError("no_plan")
    suggestion = Suggestion(
        plan_id=plan.id,
        person_id=person_id,
        author_id=by.id,
        author_role=Role.CARER,
        section_key=section_key,
        base_number=plan.current_number,
        created_at=utcnow(),
        status="waiting",
        text=text.strip(),
    )
    session.add(suggestion)
    session.flush()
    record(
        "plan.suggestion_made",
        by=by,
        grounds=Grounds.carer(involved.id),
        person_id=person_id,
        plan_id=plan.id,
        section=section_key,
    )
    return suggestion


def carer_suggestions(*, by: User, person_id: uuid.UUID) -> list[Suggestion]:
    """This carer's own suggestions about the person, newest first (never anyone else's)."""
    _carer_link(by, person_id, "plan.suggestion_opened")
    return list(
        session.scalars(
            select(Suggestion)
            .where(Suggestion.person_id == person_id, Suggestion.author_id == by.id)
            .order_by(Suggestion.created_at.desc())
        )
    )
