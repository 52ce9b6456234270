"""The quality measures on a small constructed caseload, worked out by hand month by month; no data yet; CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, update

from safetyplan.assurance import measures
from safetyplan.db import database, session, transaction
from safetyplan.people.models import CaseloadEntry
from safetyplan.plans.models import PlanRevision
from safetyplan.sharing import consent, involvement
from safetyplan.sharing.models import InvolvedPerson, SharingChoice
from tests.factories import create_account, create_person, create_team, get_user, link_carer, write_plan

MONTHS = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def joined(person, moment: str) -> None:
    with transaction():
        session.execute(update(CaseloadEntry).where(CaseloadEntry.person_id == person.id).values(added_at=at(moment)))


def revision(person, clinician, *, made: str, review: date | None, **changes) -> None:
    """A revision written with the person (agreed, unless ``changes`` say otherwise), moved back to ``made``."""
    number = write_plan(person, clinician, **changes)
    with transaction():
        session.execute(
            update(PlanRevision)
            .where(PlanRevision.person_id == person.id, PlanRevision.number == number)
            .values(created_at=at(made), next_review_on=review)
        )


def declined(person, clinician, *, made: str, review: date | None) -> None:
    revision(person, clinician, made=made, review=review, content={}, declined=True, person_agrees=None)


def carer(person, clinician, *, confirmed: str, shared: str, removed: str | None = None, confirmed_link: bool = True):
    """A carer linked to the person, sharing one section from ``shared``; returns the involved person's id."""
    involved_id = link_carer(person, create_account("carer"), sections={"warning_signs"}, by=clinician)
    with transaction():
        session.execute(
            update(InvolvedPerson)
            .where(InvolvedPerson.id == involved_id)
            .values(confirmed_at=at(confirmed) if confirmed_link else None, removed_at=at(removed) if removed else None)
        )
        session.execute(
            update(SharingChoice).where(SharingChoice.involved_id == involved_id).values(recorded_at=at(shared))
        )
    return involved_id


def withdraw(person, clinician, involved_id, *, recorded: str) -> None:
    with transaction():
        choice = consent.choose_sections(
            by=get_user(clinician),
            person_id=person.id,
            involved_id=involved_id,
            keys=set(),
            decided_on=date.fromisoformat(recorded[:10]),
        )
        session.execute(update(SharingChoice).where(SharingChoice.id == choice.id).values(recorded_at=at(recorded)))


def conversation(person, clinician, *, held_on: date) -> None:
    with transaction():
        involvement.record_conversation(
            by=get_user(clinician),
            person_id=person.id,
            held_on=held_on,
            agreed="Talked about who to involve",
            own_words=True,
        )


@pytest.fixture
def world(app):
    """A team whose caseload grows from two people in January 2024 to four in March, and another team with one.

    A: plan agreed (Jan 5, review due Feb 5); reviewed on time Feb 3 but does not agree (due Mar 20); reviewed
       late Mar 25 and agrees. Conversation about involvement Feb 10. A carer confirmed Mar 5, sharing from Mar 6.
    B: offered a plan and declined on Jan 31 at 23:59 UTC (review due Feb 15); declined again Feb 14, on time
       (review due Mar 10, not done: overdue). A carer confirmed and sharing from Jan 10, removed Feb 1.
    C: joins Feb 5; plan agreed Feb 10 (due Mar 12), reviewed at 23:30 UTC on Mar 12, on time, and agrees.
       A carer confirmed and sharing from Feb 20; sharing withdrawn Mar 15.
    D: joins Mar 1; no plan; conversation on Mar 31; a carer linked and sharing but never confirmed.
    E (the other team): declined on Jan 20.
    """
    with app.app_context():
        team, other = create_team("Measures Team"), create_team("Other Team")
        clinician, other_clinician = create_account("clinician", team=team), create_account("clinician", team=other)
        a, b, c, d = (create_person(team, name=f"Person {letter}") for letter in "ABCD")
        e = create_person(other, name="Person E")
        for person, moment in (
            (a, "2023-12-10T09:00"),
            (b, "2023-12-20T09:00"),
            (c, "2024-02-05T09:00"),
            (d, "2024-03-01T00:00"),
            (e, "2023-12-01T09:00"),
        ):
            joined(person, moment)

        revision(a, clinician, made="2024-01-05T10:00", review=date(2024, 2, 5))
        revision(
            a,
            clinician,
            made="2024-02-03T10:00",
            review=date(2024, 3, 20),
            person_agrees=False,
            disagreement="Not the crisis line",
        )
        revision(a, clinician, made="2024-03-25T10:00", review=date(2024, 5, 1))
        conversation(a, clinician, held_on=date(2024, 2, 10))
        carer(a, clinician, confirmed="2024-03-05T10:00", shared="2024-03-06T10:00")

        declined(b, clinician, made="2024-01-31T23:59", review=date(2024, 2, 15))
        declined(b, clinician, made="2024-02-14T10:00", review=date(2024, 3, 10))
        carer(b, clinician, confirmed="2024-01-10T10:00", shared="2024-01-10T10:00", removed="2024-02-01T10:00")

        revision(c, clinician, made="2024-02-10T10:00", review=date(2024, 3, 12))
        revision(c, clinician, made="2024-03-12T23:30", review=date(2024, 5, 1))
        c_carer = carer(c, clinician, confirmed="2024-02-20T10:00", shared="2024-02-20T10:00")
        withdraw(c, clinician, c_carer, recorded="2024-03-15T10:00")

        conversation(d, clinician, held_on=date(2024, 3, 31))
        carer(d, clinician, confirmed="2024-03-02T10:00", shared="2024-03-02T10:00", confirmed_link=False)

        declined(e, other_clinician, made="2024-01-20T10:00", review=date(2024, 2, 20))
    return {"team": team, "other": other}


def counts(found: dict[str, measures.Series]) -> dict[str, list[tuple[int, int | None]]]:
    return {measure: [(point.numerator, point.denominator) for point in each.points] for measure, each in found.items()}


def test_series_on_the_constructed_caseload_match_the_hand_worked_figures(app, world):
    with app.app_context():
        found = measures.series(team_id=world["team"].id, months=MONTHS)
    assert list(found) == list(measures.MEASURES)
    assert counts(found) == {
        # Jan: A agreed, B declined. Feb: A does not agree, B declined, C agreed. Mar: A and C agreed, D no plan.
        "made_with_person": [(1, 2), (1, 3), (2, 4)],
        # A's conversation in February; D's on the last day of March.
        "involvement_conversation": [(0, 2), (1, 3), (2, 4)],
        # Jan: B's carer. Feb: B's carer removed, C's sharing. Mar: C withdrew, A's carer; D's never confirmed.
        "shared_with_carer": [(1, 2), (1, 3), (1, 4)],
        # None due in Jan. Feb: A (due 5th, done 3rd) and B (due 15th, done 14th) on time. Mar: A late (due
        # 20th, done 25th), B not done (due 10th), C done on the due date (23:30 UTC).
        "reviews_on_time": [(0, 0), (2, 2), (1, 3)],
        # B on Jan 31 at 23:59 UTC, and again in February.
        "declined": [(1, None), (1, None), (0, None)],
    }
    assert [point.value for point in found["made_with_person"].points] == [0.5, pytest.approx(1 / 3), 0.5]
    assert [point.value for point in found["reviews_on_time"].points] == [None, 1.0, pytest.approx(1 / 3)]
    assert [point.value for point in found["declined"].points] == [1.0, 1.0, 0.0]
    assert [point.month for point in found["declined"].points] == MONTHS
    assert found["made_with_person"].team_name == "Measures Team"
    assert found["made_with_person"].percent and not found["declined"].percent


def test_series_for_every_team_together_count_each_person_once(app, world):
    with app.test_request_context():  # "All teams" is in the page's language
        found = measures.series(team_id=None, months=MONTHS)
    assert found["made_with_person"].team_name == "All teams"
    assert found["made_with_person"].team_id is None
    assert [point.denominator for point in found["made_with_person"].points] == [3, 4, 5]
    assert [point.numerator for point in found["declined"].points] == [2, 1, 0]


def test_series_accept_any_day_of_each_month(app, world):
    with app.app_context():
        found = measures.series(team_id=world["team"].id, months=[date(2024, 2, 29)])
    assert found["made_with_person"].points[0].month == date(2024, 2, 1)
    assert (found["made_with_person"].points[0].numerator, found["made_with_person"].points[0].denominator) == (1, 3)


def test_series_for_a_team_with_nobody_yet_have_no_data_rather_than_zero(app):
    with app.app_context():
        team = create_team("Empty Team")
        found = measures.series(team_id=team.id, months=MONTHS)
    for measure, each in found.items():
        assert [point.value for point in each.points] == [None, None, None], measure
        assert [point.numerator for point in each.points] == [0, 0, 0]
    assert [point.denominator for point in found["made_with_person"].points] == [0, 0, 0]
    assert [point.denominator for point in found["declined"].points] == [None, None, None]


def test_series_for_an_unknown_team_raise_team_not_found(app):
    import uuid

    with app.app_context(), pytest.raises(measures.TeamNotFound):
        measures.series(team_id=uuid.uuid4(), months=MONTHS)


def test_series_use_a_few_queries_whatever_the_months_and_never_read_sealed_columns(app, world):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = database().engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            measures.series(team_id=world["team"].id, months=measures.month_range(date(2024, 12, 1), 24))
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    selects = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6
    for sealed in (
        "plan_revisions.content",
        "plan_revisions.participants",
        "plan_revisions.disagreement",
        "agreed",
        "people.name",
        "involved_people.name",
    ):
        assert not any(sealed in statement for statement in selects), sealed


def test_month_range_counts_back_across_the_new_year():
    assert measures.month_range(date(2026, 2, 17), 4) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_to_csv_writes_a_row_per_team_measure_and_month(app, world):
    with app.app_context():
        found = measures.series(team_id=world["team"].id, months=MONTHS)
        written = rows(measures.to_csv(found.values()))
    assert written[0] == ["team", "measure", "month", "numerator", "denominator", "value"]
    assert len(written) == 1 + len(measures.MEASURES) * len(MONTHS)
    assert ["Measures Team", "made_with_person", "2024-01", "1", "2", "0.5000"] in written
    assert ["Measures Team", "made_with_person", "2024-02", "1", "3", "0.3333"] in written
    assert ["Measures Team", "reviews_on_time", "2024-01", "0", "0", ""] in written  # no data yet, not 0
    assert ["Measures Team", "declined", "2024-01", "1", "", "1"] in written


@pytest.mark.parametrize("name", ['=HYPERLINK("http://example.com","x")', "+44 team", "-1 team", "@SUM(A1)"])
def test_to_csv_never_lets_a_team_name_start_a_formula(app, name):
    with app.app_context():
        team = create_team(name)
        written = rows(measures.to_csv(measures.series(team_id=team.id, months=MONTHS[:1]).values()))
    cells = {row[0] for row in written[1:]}
    assert cells == {"'" + name}


def test_a_restored_revision_or_an_accepted_suggestion_is_not_counted_as_a_review(app, team):
    """Both copy the last conversation's review date and record; counting them would count one review twice."""
    from datetime import timedelta

    from safetyplan.assurance.measures import month_range, series
    from safetyplan.db import transaction as db_transaction
    from safetyplan.plans import revisions
    from tests.factories import create_account, create_person, get_user, write_plan

    with app.app_context():
        person = create_person(team, name="Restore Counted-Once")
        clinician = create_account("clinician", team=team)
        write_plan(person, clinician, "First words", next_review_on=date.today() + timedelta(days=20))
        write_plan(
            person,
            clinician,
            "Second words",
            reason="scheduled_review",
            next_review_on=date.today() + timedelta(days=40),
        )
        with db_transaction():
            revisions.restore(by=get_user(clinician), person_id=person.id, number=1, base_number=2)
        with db_transaction():
            found = series(team_id=team.id, months=month_range(date.today(), 1))
        made_with = found["made_with_person"].points[-1]
        assert (made_with.numerator, made_with.denominator) == (1, 1)  # the restore is not a new conversation
