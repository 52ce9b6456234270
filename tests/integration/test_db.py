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


# SQLite's write lock: a request holds it only while it must ---------------------------------------------------

lock_probe = Blueprint("lock_probe", __name__)
seen_by_others: list[str] = []


def another_writer_can_write(app_db_path) -> str:
    """Whether a second connection can write right now, without waiting at all."""
    import sqlite3

    other = sqlite3.connect(app_db_path, timeout=0, isolation_level=None)
    try:
        other.execute("INSERT INTO edge_probe (outcome) VALUES ('other')")
        return "wrote"
    except sqlite3.OperationalError as refused:
        return str(refused)
    finally:
        other.close()


@lock_probe.get("/test/lock/read")
@public
def read_and_audit():
    """A read: it queries, records its audit event, and renders (the other writer tries while it renders)."""
    from safetyplan.audit import Grounds, record

    session.execute(text("SELECT count(*) FROM edge_probe")).scalar()
    record("plan.viewed", by=None, grounds=Grounds.NONE)
    seen_by_others.append(another_writer_can_write(lock_probe.db_path))
    return "read"


@lock_probe.post("/test/lock/write")
@public
def read_then_write():
    """A write: it reads first (the other writer tries then), then writes."""
    session.execute(text("SELECT count(*) FROM edge_probe")).scalar()
    seen_by_others.append(another_writer_can_write(lock_probe.db_path))
    session.execute(text("INSERT INTO edge_probe (outcome) VALUES ('mine')"))
    return "wrote"


@pytest.fixture
def lock_app(make_app, tmp_path):
    from safetyplan import schema

    path = tmp_path / "locks.db"
    app = make_app(lock_probe, database_url=f"sqlite:///{path}")
    app.config.update(WTF_CSRF_ENABLED=False)
    with app.app_context():
        schema.upgrade()
        with database().engine.begin() as connection:
            connection.execute(text("CREATE TABLE edge_probe (outcome VARCHAR(20))"))
    lock_probe.db_path = str(path)  # type: ignore[attr-defined]
    seen_by_others.clear()
    return app


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_read_does_not_hold_the_write_lock_while_it_works(database_url, lock_app):
    assert lock_app.test_client().get("/test/lock/read").status_code == 200
    assert seen_by_others == ["wrote"]
    assert stored(lock_app) == ["other"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_write_takes_the_lock_only_from_its_first_write_and_then_goes_through(database_url, lock_app):
    response = lock_app.test_client().post("/test/lock/write")
    assert response.status_code == 200
    # The first run read, the other writer wrote meanwhile, so the first run's own write was refused as busy. The
    # second run queued for the lock at its start and held it, so this time the other writer had to wait.
    assert seen_by_others == ["wrote", "database is locked"]
    assert sorted(stored(lock_app)) == ["mine", "other"]


# The pool: a connection is checked only after sitting idle (ADR 0009) ---------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_in_use_moments_ago_is_handed_out_without_a_check(database_url, monkeypatch):
    engine = db.make_engine(database_url)
    checks = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda connection: checks.append(connection) or real_ping(connection)
    )
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
