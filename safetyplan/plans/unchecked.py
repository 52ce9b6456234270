"""Reads of plans that check no access, for services that have already checked it (and for the demo and the
tests' factories). Routes never import this module (an import contract in pyproject.toml): they call the checked
services (``plans.revisions``, ``plans.contacts`` and the rest)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import Team
from safetyplan.db import session
from safetyplan.people.models import CaseloadEntry
from safetyplan.plans.content import Content
from safetyplan.plans.models import CrisisContact, Plan, PlanRevision


def plan_of(person_id: uuid.UUID, *, lock: bool = False) -> Plan | None:
    query = select(Plan).where(Plan.person_id == person_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def revision_of(plan: Plan | None, number: int) -> PlanRevision | None:
    if plan is None or number < 1:
        return None
    return session.scalars(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id, PlanRevision.number == number)
    ).one_or_none()


def revision_content(person_id: uuid.UUID, number: int) -> Content | None:
    """A revision's sections (None if there is no such revision)."""
    found = revision_of(plan_of(person_id), number)
    return found.content if found is not None else None


def current_number(person_id: uuid.UUID) -> int:
    """The newest revision's number (0 when there is none)."""
    plan = plan_of(person_id)
    return plan.current_number if plan else 0


def team_phones(person_id: uuid.UUID) -> list[tuple[str, str]]:
    """The teams holding the person that have a phone number: (team name, number)."""
    teams = session.execute(
        select(Team.name, Team.phone)
        .join(CaseloadEntry, CaseloadEntry.team_id == Team.id)
        .where(CaseloadEntry.person_id == person_id, Team.phone.is_not(None))
        .order_by(Team.name)
    )
    return [(name, phone) for name, phone in teams if phone is not None]


def revisions_of(person_id: uuid.UUID) -> list[PlanRevision]:
    """Every revision of the person's plan, oldest first."""
    return list(
        session.scalars(select(PlanRevision).where(PlanRevision.person_id == person_id).order_by(PlanRevision.number))
    )


def crisis_lines() -> list[CrisisContact]:
    """The national crisis lines every plan lists, in the order plans show them."""
    return list(session.scalars(select(CrisisContact).order_by(CrisisContact.position)))


def agreed_revision(person_id: uuid.UUID) -> PlanRevision | None:
    """The newest revision the person agreed with (not a declined plan): what carers and urgent care see."""
    return session.scalars(
        select(PlanRevision)
        .join(Plan, Plan.id == PlanRevision.plan_id)
        .where(Plan.person_id == person_id, PlanRevision.person_agrees.is_(True), PlanRevision.declined.is_(False))
        .order_by(PlanRevision.number.desc())
        .limit(1)
    ).first()
