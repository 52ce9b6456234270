"""The request edge: one session per request, committed on success, rolled back on a server error."""

import pytest
from flask import Blueprint, abort
from sqlalchemy import text

from safetyplan import db
from safetyplan.db import database, session
from safetyplan.web.access import public

probe = Blueprint("probe", __name__)


@probe.post("/test/probe/<outcome>")
@public
def write_then(outcome):
    session.execute(text("INSERT INTO edge_probe (outcome) VALUES (:outcome)"), {"outcome": outcome})
    if outcome == "refused":
        abort(403)  # a refusal keeps what was written: the audit event that records it
    if outcome == "crashed":
        raise RuntimeError("server error after a write")
    return "ok"


@pytest.fixture
def probe_app(make_app):
    app = make_app(probe)
    app.config.update(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)
    with app.app_context(), database().engine.begin() as connection:
        connection.execute(text("CREATE TABLE edge_probe (outcome VARCHAR(20))"))
    yield app
    with app.app_context(), database().engine.begin() as connection:
        connection.execute(text("DROP TABLE edge_probe"))


def stored(app):
    with app.app_context(), database().engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT outcome FROM edge_probe"))]


def test_a_successful_request_commits(probe_app):
    assert probe_app.test_client().post("/test/probe/saved").status_code == 200
    assert stored(probe_app) == ["saved"]


def test_a_refused_request_commits_what_it_recorded(probe_app):
    assert probe_app.test_client().post("/test/probe/refused").status_code == 403
    assert stored(probe_app) == ["refused"]


def test_a_server_error_rolls_back(probe_app):
    assert probe_app.test_client().post("/test/probe/crashed").status_code == 500
    assert stored(probe_app) == []


def test_sqlite_pragmas(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'pragmas.db'}")
    with app.app_context(), database().engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") == db.SQLITE_BUSY_TIMEOUT_MS


# The pool: a connection is checked only after sitting idle (ADR 0009) ---------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_in_use_moments_ago_is_handed_out_without_a_check(database_url, monkeypatch):
    engine = db.make_engine(database_url)
    checks = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: checks.append(connection) or real_ping(connection))
    try:
        for _ in range(3):
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1
        assert checks == []  # the first was new, the next two were checked in moments before
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        assert len(checks) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_idle_connection_the_server_closed_is_replaced_before_use(database_url, monkeypatch):
    engine, other = db.make_engine(database_url), db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            closed_by_server = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with other.begin() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": closed_by_server}).scalar()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had been idle for a while
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != closed_by_server
    finally:
        engine.dispose()
        other.dispose()
