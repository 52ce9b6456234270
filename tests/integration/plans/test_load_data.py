"""`safetyplan demo --people N` makes teams of fictional people with plan revisions, for the load benchmark."""

from sqlalchemy import func, select

from safetyplan.cli import cli
from safetyplan.db import session, transaction
from safetyplan.people.models import Person
from safetyplan.plans.models import PlanRevision


def test_demo_adds_load_test_people_with_revisions(app):
    result = app.test_cli_runner().invoke(cli, ["demo", "--people", "5", "--revisions-each", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context(), transaction():
        load_people = session.scalars(select(Person)).all()
        assert sum(1 for p in load_people if str(p.name).startswith("Load Person")) == 5
        counts = session.execute(select(PlanRevision.person_id, func.count()).group_by(PlanRevision.person_id)).all()
        load_ids = {p.id for p in load_people if str(p.name).startswith("Load Person")}
        assert sorted(count for person_id, count in counts if person_id in load_ids) == [3] * 5
