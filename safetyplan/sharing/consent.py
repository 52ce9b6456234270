"""What each carer sees: the person's decisions about which plan sections each person involved sees, the
newest of which counts, with every earlier one kept as the history of consent."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.db import session, utcnow
from safetyplan.plans.sections import CURRENT_VERSION, sections
from safetyplan.roles import Role
from safetyplan.sharing.access import reach_involved
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.models import InvolvedPerson, SharingChoice


def latest_choice(involved_id: uuid.UUID) -> SharingChoice | None:
    return session.scalars(
        select(SharingChoice)
        .where(SharingChoice.involved_id == involved_id)
        .order_by(SharingChoice.recorded_at.desc(), SharingChoice.id)
        .limit(1)
    ).first()


def shared_sections(involved: InvolvedPerson) -> frozenset[str]:
    """The section keys the newest decision shares with them: none for someone no longer involved."""
    if involved.removed_at is not None:
        return frozenset()
    choice = latest_choice(involved.id)
    return choice.section_keys if choice else frozenset()


def current_choice(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> SharingChoice | None:
    """The newest decision about what this person sees, or None before the first."""
    _grounds, involved = reach_involved(by, person_id, involved_id, "involvement.viewed")
    return latest_choice(involved.id)


def suggested_sections() -> frozenset[str]:
    """The sections offered as a starting point when the person first chooses (nothing is shared until they do)."""
    return frozenset(part.key for part in sections(CURRENT_VERSION) if part.suggested_for_carers)


def add_choice(by: User | None, involved: InvolvedPerson, keys: frozenset[str], decided_on: date) -> SharingChoice:
    choice = SharingChoice(
        involved_id=involved.id,
        person_id=involved.person_id,
        sections=" ".join(part.key for part in sections(CURRENT_VERSION) if part.key in keys),
        decided_on=decided_on,
        recorded_at=utcnow(),
        recorded_by=by.id if by else None,
        recorded_by_role=by.role if by else None,
    )
    session.add(choice)
    session.flush()
    return choice


def choose_sections(
    *,
    by: User,
    person_id: uuid.UUID,
    involved_id: uuid.UUID,
    keys: set[str] | frozenset[str],
    decided_on: date | None = None,
) -> SharingChoice:
    """Record the person's decision about which sections this person sees (none withdraws sharing). A clinician
    records it with the date the person decided; the person's own decision is dated today."""
    grounds, involved = reach_involved(by, person_id, involved_id, "sharing.changed")
    known = {part.key for part in sections(CURRENT_VERSION)}
    if not set(keys) <= known:
        raise SharingError("section", field="keys")
    if by.role == Role.PERSON or decided_on is None:
        decided_on = date.today()
    if decided_on > date.today():
        raise SharingError("future_date", field="decided_on")
    choice = add_choice(by, involved, frozenset(keys), decided_on)
    record(
        "sharing.changed" if keys else "sharing.withdrawn",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=involved.user_id,
        section=",".join(sorted(keys))[:64] or None,
    )
    return choice


def choices_for(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> list[SharingChoice]:
    """Every decision about this person, newest first: the history of consent."""
    _grounds, involved = reach_involved(by, person_id, involved_id, "involvement.viewed")
    return list(
        session.scalars(
            select(SharingChoice)
            .where(SharingChoice.involved_id == involved.id)
            .order_by(SharingChoice.recorded_at.desc())
        )
    )
