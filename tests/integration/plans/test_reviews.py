"""Reviews: the suggested next review date, and reviews due ordered by date only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from safetyplan.db import session, transaction
from safetyplan.plans import reviews
from safetyplan.plans.models import PlanRevision
from tests.factories import create_account, create_person, create_team, get_user, write_plan


def test_reviews_due_are_ordered_by_date_with_overdue_first(app):
    with app.app_context():
        team = create_team("Review Team")
        clinician = create_account("clinician", team=team)
        names = {"Later": 30, "Sooner": 3, "Overdue": None, "No Plan": None}
        people = {name: create_person(team, name=name) for name in names}
        write_plan(people["Later"], clinician, next_review_on=date.today() + timedelta(days=30))
        write_plan(people["Sooner"], clinician, next_review_on=date.today() + timedelta(days=3))
        write_plan(people["Overdue"], clinician, next_review_on=date.today() + timedelta(days=1))
        from sqlalchemy import update

        from safetyplan.plans.models import Plan

        with transaction():  # a date that has passed since it was set
            session.execute(
                update(Plan)
                .where(Plan.person_id == people["Overdue"].id)
                .values(next_review_on=date.today() - timedelta(days=2))
            )
        with transaction():
            rows = reviews.reviews_due(by=get_user(clinician))
        assert [row.name for row in rows] == ["Overdue", "Sooner", "Later", "No Plan"]
        assert [row.overdue for row in rows] == [True, False, False, False]


def _revision(saved_on: date, review_on: date | None) -> PlanRevision:
    from datetime import UTC, datetime

    return PlanRevision(
        created_at=datetime(saved_on.year, saved_on.month, saved_on.day, 10, tzinfo=UTC), next_review_on=review_on
    )


@pytest.mark.parametrize(
    ("today", "current", "expected", "weeks"),
    [
        (date(2026, 12, 2), None, date(2027, 3, 2), None),  # a first plan: 3 months
        (date(2026, 11, 30), None, date(2027, 2, 28), None),  # no 30 February: the month's last day
        (date(2026, 12, 2), _revision(date(2026, 10, 1), date(2026, 11, 12)), date(2027, 1, 13), 6),  # as last time
        (date(2026, 12, 2), _revision(date(2026, 11, 25), date(2026, 12, 9)), date(2026, 12, 9), None),  # still to come
        (date(2026, 12, 2), _revision(date(2026, 10, 1), date(2026, 10, 2)), date(2027, 3, 2), None),  # a day: odd
        (date(2026, 12, 2), _revision(date(2020, 1, 1), date(2026, 1, 1)), date(2027, 3, 2), None),  # years: odd
        (date(2026, 12, 2), _revision(date(2026, 10, 1), None), date(2027, 3, 2), None),
    ],
)
def test_the_suggested_review_date_follows_the_last_gap_or_is_3_months(today, current, expected, weeks):
    suggested = reviews.suggested_review_date(current, today=today)
    assert (suggested.on, suggested.weeks_as_before) == (expected, weeks)
    assert suggested.agreed_before == (
        current is not None and current.next_review_on is not None and current.next_review_on > today
    )
