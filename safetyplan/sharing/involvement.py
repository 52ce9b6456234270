"""Who is involved: the people the person wants involved in their care, and the conversations about
involving them and the limits of confidentiality. Nothing is shared with anyone until the person says so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.db import session, utcnow
from safetyplan.people.models import Person
from safetyplan.roles import Role
from safetyplan.sharing.access import manager_grounds, reach_involved
from safetyplan.sharing.consent import add_choice, shared_sections
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.invitations import end_invitations
from safetyplan.sharing.models import KINDS, InvolvedPerson, InvolvementConversation


@dataclass(frozen=True)
class InvolvedDetails:
    name: str
    kind: str
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None


def managed_person(*, by: User, person_id: uuid.UUID) -> Person:
    """The person's record, for someone who records their sharing decisions (one access check, audited)."""
    grounds = manager_grounds(by, person_id, "involvement.viewed")
    record("involvement.viewed", by=by, grounds=grounds, person_id=person_id)
    person = session.get(Person, person_id)
    assert person is not None  # manager_grounds found it
    return person


def involved_people(*, by: User, person_id: uuid.UUID) -> list[InvolvedPerson]:
    """The people this person wants involved, by name; the read is audited."""
    grounds = manager_grounds(by, person_id, "involvement.viewed")
    found = list(
        session.scalars(
            select(InvolvedPerson).where(InvolvedPerson.person_id == person_id, InvolvedPerson.removed_at.is_(None))
        )
    )
    record("involvement.viewed", by=by, grounds=grounds, person_id=person_id)
    return sorted(found, key=lambda involved: (str(involved.name).casefold(), str(involved.id)))


def get_involved(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> InvolvedPerson:
    _grounds, found = reach_involved(by, person_id, involved_id, "involvement.viewed")
    return found


def add_involved(*, by: User, person_id: uuid.UUID, details: InvolvedDetails) -> InvolvedPerson:
    """Record someone the person wants involved. Nothing is shared with them until the person says so."""
    if details.kind not in KINDS:
        raise SharingError("kind", field="kind")
    grounds = manager_grounds(by, person_id, "involvement.person_added")
    involved = InvolvedPerson(
        person_id=person_id,
        kind=details.kind,
        added_at=utcnow(),
        added_by=by.id,
        name=details.name.strip(),
        relationship=(details.relationship or "").strip() or None,
        phone=(details.phone or "").strip() or None,
        email=(details.email or "").strip() or None,
    )
    session.add(involved)
    session.flush()
    record("involvement.person_added", by=by, grounds=grounds, person_id=person_id)
    return involved


def receive_involved(
    *, by: User | None, person_id: uuid.UUID, details: InvolvedDetails, keys: frozenset[str], decided_on: date | None
) -> InvolvedPerson | None:
    """Someone the person involved at another organisation, with what they chose to share with them there, as
    it came with the plan on transfer (``safetyplan.exchange.imports`` has checked access). None when the person
    already involves someone of that name here: what they chose here stands."""
    name = details.name.strip()
    if not name or details.kind not in KINDS:
        return None
    for already in session.scalars(
        select(InvolvedPerson).where(InvolvedPerson.person_id == person_id, InvolvedPerson.removed_at.is_(None))
    ):
        if str(already.name).casefold() == name.casefold():
            return None
    involved = InvolvedPerson(
        person_id=person_id,
        kind=details.kind,
        added_at=utcnow(),
        added_by=by.id if by else None,
        name=name,
        relationship=(details.relationship or "").strip() or None,
        phone=(details.phone or "").strip() or None,
    )
    session.add(involved)
    session.flush()
    if keys:
        add_choice(by, involved, keys, min(decided_on or date.today(), date.today()))
    return involved


def remove_involved(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> None:
    """The person no longer wants them involved: their link, invitations and every share end now."""
    grounds, involved = reach_involved(by, person_id, involved_id, "involvement.person_removed")
    now = utcnow()
    involved.removed_at = now
    end_invitations(involved.id, now)
    former = involved.user_id
    if shared_sections(involved):
        add_choice(by, involved, frozenset(), date.today())
    record(
        "involvement.person_removed",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=former,
    )


def record_conversation(
    *, by: User, person_id: uuid.UUID, held_on: date, agreed: str, own_words: bool
) -> InvolvementConversation:
    """What the person and the clinician agreed about involving others and the limits of confidentiality."""
    if by.role != Role.CLINICIAN:
        raise SharingError("not_allowed")
    if held_on > date.today():
        raise SharingError("future_date", field="held_on")
    grounds = manager_grounds(by, person_id, "involvement.conversation_recorded")
    conversation = InvolvementConversation(
        person_id=person_id,
        held_on=held_on,
        recorded_at=utcnow(),
        recorded_by=by.id,
        own_words=own_words,
        agreed=agreed.strip(),
    )
    session.add(conversation)
    session.flush()
    record("involvement.conversation_recorded", by=by, grounds=grounds, person_id=person_id)
    return conversation


def conversations(*, by: User, person_id: uuid.UUID) -> list[InvolvementConversation]:
    """Conversations about involvement, newest first (the caller has checked access with involved_people)."""
    manager_grounds(by, person_id, "involvement.viewed")
    return list(
        session.scalars(
            select(InvolvementConversation)
            .where(InvolvementConversation.person_id == person_id)
            .order_by(InvolvementConversation.held_on.desc(), InvolvementConversation.recorded_at.desc())
        )
    )
