"""Reviews: the next review date to suggest in the editor, and the people whose review is due.

Only dates decide anything here: never anything about the person."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from safetyplan.accounts.models import Team, TeamMembership, User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.plans.errors import PlanError
from safetyplan.plans.models import Plan, PlanRevision
from safetyplan.roles import Role

#: A suggested review follows the gap the last one planned, if it was between these, or else comes 3 months on.
REVIEW_GAP_WEEKS = (1, 52)


@dataclass(frozen=True)
class SuggestedReview:
    """A next review date to fill in, which the clinician changes to the one agreed; and why this one."""

    on: date
    weeks_as_before: int | None  # the same gap as the last revision planned, in weeks; None: 3 months from today
    agreed_before: bool = False  # the date agreed last time, still to come: a small change keeps it


def suggested_review_date(current: PlanRevision | None, *, today: date) -> SuggestedReview:
    """The review date agreed last time while it is still to come (a small change to the plan does not move it);
    once it has come, the same gap as last time (from the day that revision was saved to the review it planned),
    in whole weeks; for a first plan, or a gap out of the ordinary, 3 months. A date, never a judgement."""
    if current is not None and current.next_review_on is not None and current.next_review_on > today:
        return SuggestedReview(current.next_review_on, None, agreed_before=True)
    if current is not None and current.next_review_on is not None:
        weeks = round((current.next_review_on - current.created_at.date()).days / 7)
        if REVIEW_GAP_WEEKS[0] <= weeks <= REVIEW_GAP_WEEKS[1]:
            return SuggestedReview(today + timedelta(weeks=weeks), weeks)
    month = today.month + 3
    year, month = today.year + (month - 1) // 12, (month - 1) % 12 + 1
    return SuggestedReview(date(year, month, min(today.day, calendar.monthrange(year, month)[1])), None)


@dataclass(frozen=True)
class ReviewRow:
    person_id: uuid.UUID
    name: str
    team: str
    next_review_on: date | None
    has_plan: bool
    declined: bool

    @property
    def overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < date.today()


def reviews_due(*, by: User) -> list[ReviewRow]:
    """People on the clinician's teams, by review date: overdue first, then soonest; no date (or no plan) last.

    Only dates decide the order: never anything about the person."""
    if by.role != Role.CLINICIAN:
        raise PlanError("not_allowed")
    memberships = select(TeamMembership.team_id).where(TeamMembership.user_id == by.id)
    rows = session.execute(
        select(Person, Team.name, Plan)
        .join(CaseloadEntry, CaseloadEntry.person_id == Person.id)
        .join(Team, Team.id == CaseloadEntry.team_id)
        .outerjoin(Plan, Plan.person_id == Person.id)
        .where(CaseloadEntry.team_id.in_(memberships))
        .order_by(Plan.next_review_on.is_(None), Plan.next_review_on)
    )
    seen: dict[uuid.UUID, ReviewRow] = {}
    for person, team_name, plan in rows:
        if person.id in seen:
            continue
        seen[person.id] = ReviewRow(
            person.id,
            str(person.name),
            team_name,
            plan.next_review_on if plan else None,
            bool(plan and plan.current_number),
            bool(plan and plan.declined),
        )
    record("plan.reviews_viewed", by=by, grounds=Grounds.role(Role.CLINICIAN))
    return list(seen.values())
