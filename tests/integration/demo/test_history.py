"""The demo's months of fictional history: points for the run charts, with some variation, and nothing that
grades anyone."""

from __future__ import annotations

import time

from sqlalchemy import select

from safetyplan.assurance import measures
from safetyplan.assurance.runchart import median, shifts, trends
from safetyplan.db import session, transaction, utcnow
from safetyplan.demo.history import seed_history
from safetyplan.detector import scan
from safetyplan.people.models import Person
from safetyplan.plans.models import PlanRevision
from safetyplan.sharing.models import InvolvementConversation
from tests.factories import create_account, create_team, get_user

TEAMS = ("History Team One", "History Team Two")


def texts(value) -> list[str]:
    """Every string inside a plan's content."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def test_seed_history_gives_every_team_a_year_of_points_that_vary(app):
    with app.app_context():
        teams = {name: create_team(name) for name in TEAMS}
        clinicians = {name: create_account("clinician", team=team) for name, team in teams.items()}
    with app.test_request_context():
        started = time.perf_counter()
        with transaction():
            seed_history(
                {name: team.id for name, team in teams.items()},
                clinician_by_team={name: get_user(account) for name, account in clinicians.items()},
            )
        took = time.perf_counter() - started
        months = measures.month_range(utcnow().date(), 12)
        found = {name: measures.series(team_id=team.id, months=months) for name, team in teams.items()}

    print(f"seed_history: {took:.2f} s")
    for name, team_series in found.items():
        signals = 0
        for measure, each in team_series.items():
            values = [point.value for point in each.points]
            assert sum(value is not None for value in values) >= 10, (name, measure, values)
            signals += len(shifts(values, median(values))) + len(trends(values))
        made_with = [point.value for point in team_series["made_with_person"].points]
        assert len({round(value, 3) for value in made_with if value is not None}) > 2, made_with
        assert signals >= 1, name  # the story's change of practice shows as a shift or a trend


def test_seed_history_writes_only_fictional_people_and_no_risk_language(app):
    with app.app_context():
        team = create_team("History Team")
        clinician = create_account("clinician", team=team)
        with transaction():
            seed_history({team.name: team.id}, clinician_by_team={team.name: get_user(clinician)}, months=6)
        people = list(session.scalars(select(Person)))
        assert people and all(str(person.name).startswith("Demo Person ") for person in people)
        assert all(person.nhs_number is None and person.nhs_number_index is None for person in people)
        written = [text for revision in session.scalars(select(PlanRevision)) for text in texts(revision.content)]
        written += [str(conversation.agreed) for conversation in session.scalars(select(InvolvementConversation))]
        assert written
        assert [(text, scan(text)) for text in written if scan(text)] == []
