"""A GET reads: every page, as every role, writes nothing but its audit events.

The walk is the authorization matrix's (tests/integration/test_authorization_matrix.py): every GET route in the
app's url_map, as each role, for our own team's person and another team's, over data made by tests/factories.py
(tests/integration/role_world.py). Two listeners record every write while it runs (tests/writes.py): each object
an ORM flush would write, and the target table of every INSERT, UPDATE and DELETE sent to the database.
"""

from __future__ import annotations

import uuid

import pytest
from flask import Blueprint, Flask
from sqlalchemy import insert

from safetyplan.db import session, utcnow
from safetyplan.plans.models import Plan
from safetyplan.web.access import public
from tests.factories import create_person, create_team
from tests.integration.role_world import World, build_world
from tests.integration.test_authorization_matrix import EXPECTED, NOT_PAGES, ROLES, url_for_case
from tests.writes import AUDIT_TABLES, recording_writes

#: What a GET may write besides the audit trail (AUDIT_TABLES), by endpoint, and why.
#: Nothing for sessions: the idle clock's "last seen" is kept in the signed cookie (safetyplan/web/session.py), and
#: the server-side session row (user_sessions) is written only at sign-in and when a session ends; a GET ends one
#: only once it has been idle too long, which this walk never is.
ALLOWED_ON_GET: dict[str, frozenset[str]] = {
    # The health check writes its one row on purpose: reading works on a full disk too (safetyplan/health.py).
    "web.healthz": frozenset({"write_checks"}),
}

# None writes anything else. A GET found to write would be a bug: it would leave the walk below
# for a test of its own, marked pytest.mark.xfail(strict=True, reason=...), until it is fixed.


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def get_cases() -> list[tuple[str, str]]:
    return [(key, role) for key in EXPECTED for role in ROLES]


def walk(app: Flask, world: World, key: str, role: str) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
    """GET the page of ``key`` as ``role``: its status, what it wrote that a GET may not, and every write seen."""
    endpoint, _, variant = key.partition(":")
    url = url_for_case(app, endpoint, variant, world.matrix_ids())
    with recording_writes(app) as writes:
        response = world.clients[role].get(url)
    return response.status_code, not_allowed_on_get(writes.seen, endpoint), writes.seen


def not_allowed_on_get(seen: list[tuple[str, str]], endpoint: str) -> list[tuple[str, str]]:
    allowed = AUDIT_TABLES | ALLOWED_ON_GET.get(endpoint, frozenset())
    return sorted({(how, table) for how, table in seen if table not in allowed})


def test_the_walk_covers_every_get_route(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - NOT_PAGES
    walked = {key.partition(":")[0] for key, _role in get_cases()}
    assert endpoints <= walked, "a new GET route: add it to the authorization matrix's EXPECTED"


def test_every_get_as_every_role_writes_only_audit_events(app: Flask, world: World) -> None:
    failures = []
    audited = 0
    for key, role in get_cases():
        status, written, seen = walk(app, world, key, role)
        audited += ("sql", "audit_events") in seen
        # The page answered as the matrix says, so that the walk reached the views (a walk of 404s proves little).
        if status != EXPECTED[key][role]:
            failures.append(f"{role} GET {key}: status {status}, the matrix expects {EXPECTED[key][role]}")
        if written:
            failures.append(f"{role} GET {key} wrote {written}")
    assert failures == []
    # The listeners were listening: most pages audit who looked (and every refusal is audited).
    assert audited > len(get_cases()) / 2


# The guard itself: a GET that writes a plan is caught, whether it writes through the ORM or a Core statement.

guard = Blueprint("writes_guard", __name__)


@guard.get("/test-only/plans/<uuid:person_id>/orm")
@public
def adds_a_plan(person_id: uuid.UUID) -> str:
    session.add(Plan(id=uuid.uuid4(), person_id=person_id, created_at=utcnow(), current_number=0, declined=False))
    return "a plan row, added to the session"


@guard.get("/test-only/plans/<uuid:person_id>/core")
@public
def inserts_a_plan(person_id: uuid.UUID) -> str:
    session.execute(
        insert(Plan).values(id=uuid.uuid4(), person_id=person_id, created_at=utcnow(), current_number=0, declined=False)
    )
    return "a plan row, inserted by a Core statement"


@pytest.mark.parametrize("how", ["orm", "core"])
def test_a_get_that_writes_a_plan_row_is_caught(make_app, how: str) -> None:
    app = make_app(guard)
    with app.app_context():
        person = create_person(create_team("Guard Team"), name="Guard Person")
    with recording_writes(app) as writes:
        response = app.test_client().get(f"/test-only/plans/{person.id}/{how}")
    assert response.status_code == 200
    assert ("sql", "plans") in not_allowed_on_get(writes.seen, "writes_guard.adds_a_plan")
    if how == "orm":
        assert ("flush", "plans") in writes.seen
