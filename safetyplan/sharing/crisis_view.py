"""The crisis view: which parts of the plan urgent care may see (an ambulance crew, NHS 111, A&E), found through
the National Record Locator. The person's choice, kept like carer sharing: every decision is kept, the newest
counts, and choosing nothing withdraws it.

Nothing is shared with urgent care until a clinician has talked it through with the person and recorded what they
chose (which may be nothing); after that the person may change it from their own account. Publishing what they
chose is ``safetyplan.exchange.crisis``'s work, told through ``plans.events`` in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.db import session, utcnow
from safetyplan.plans.events import plan_changed
from safetyplan.plans.sections import CURRENT_VERSION, sections
from safetyplan.roles import Role
from safetyplan.sharing.access import manager_grounds
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.models import CrisisViewChoice

#: Offered the first time: what urgent care most needs (the signs, what helps, who to call).
SUGGESTED = frozenset({"warning_signs", "people_to_ask", "services", "how_others_help"})


def latest_crisis_view(person_id: uuid.UUID) -> CrisisViewChoice | None:
    """The newest decision about the crisis view (no access check: for the publishing that has made one)."""
    return session.scalars(
        select(CrisisViewChoice)
        .where(CrisisViewChoice.person_id == person_id)
        .order_by(CrisisViewChoice.recorded_at.desc(), CrisisViewChoice.id)
        .limit(1)
    ).first()


def crisis_view_choices(*, by: User, person_id: uuid.UUID) -> list[CrisisViewChoice]:
    """Every decision about the crisis view, newest first, for the person or a clinician of their team."""
    grounds = manager_grounds(by, person_id, "crisis_view.viewed")
    record("crisis_view.viewed", by=by, grounds=grounds, person_id=person_id)
    return list(
        session.scalars(
            select(CrisisViewChoice)
            .where(CrisisViewChoice.person_id == person_id)
            .order_by(CrisisViewChoice.recorded_at.desc(), CrisisViewChoice.id)
        )
    )


def choose_crisis_view(
    *, by: User, person_id: uuid.UUID, keys: set[str] | frozenset[str], decided_on: date | None = None
) -> CrisisViewChoice:
    """Record which sections urgent care may see (none withdraws the crisis view). A clinician records the
    conversation and its date; the person may change it only once a clinician has."""
    grounds = manager_grounds(by, person_id, "crisis_view.changed")
    if not set(keys) <= {part.key for part in sections(CURRENT_VERSION)}:
        raise SharingError("section", field="keys")
    if by.role == Role.PERSON:
        talked = session.scalars(
            select(CrisisViewChoice.id).where(
                CrisisViewChoice.person_id == person_id, CrisisViewChoice.recorded_by_role == Role.CLINICIAN
            )
        ).first()
        if talked is None:
            raise SharingError("crisis_view_not_talked")
        decided_on = date.today()
    if decided_on is None or decided_on > date.today():
        raise SharingError("future_date", field="decided_on")
    choice = CrisisViewChoice(
        person_id=person_id,
        sections=" ".join(part.key for part in sections(CURRENT_VERSION) if part.key in keys),
        decided_on=decided_on,
        recorded_at=utcnow(),
        recorded_by=by.id,
        recorded_by_role=by.role,
    )
    session.add(choice)
    session.flush()
    record(
        "crisis_view.changed" if keys else "crisis_view.withdrawn",
        by=by,
        grounds=grounds,
        person_id=person_id,
        section=",".join(sorted(keys))[:64] or None,
    )
    plan_changed(person_id, by)
    return choice
