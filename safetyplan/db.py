"""The database: declarative base, engine, and one session per request committed at the request edge.

Services add and query through ``session``; they never commit. The request edge commits once when the response
is not a server error, so that a change and its audit event land together or not at all; a command-line
command does the same with ``transaction()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

from flask import Flask, Response, current_app, g
from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

# Stable constraint names, so that Alembic can drop and alter constraints the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC. SQLite keeps no time zone, so values are stored as UTC and come back marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store aware datetimes only (use datetime.now(UTC))")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    """An engine for ``url``; on SQLite, one that is safe for several threads and processes on one file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_engine(url)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled connection unused for this long is checked before use (ADR 0009): the server may have closed it.
PING_AFTER_IDLE_SECONDS = 10.0


def _note_idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check a connection that sat idle in the pool before handing it out, and replace it if the server has gone.

    SQLAlchemy's pool_pre_ping checks every connection at every checkout: a round trip to the server on every
    request. One used moments ago is almost never dead, so only idle ones are checked; if the server went away
    meanwhile, the request that meets it fails, and its disconnect error invalidates the whole pool.
    """
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or in use moments ago
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:
        raise DisconnectionError("the pooled connection failed its check") from error


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy (pysqlite's own implicit BEGIN breaks SAVEPOINT and isolation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer writes; FULL syncs each commit so a power cut loses no plan.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes SQLite's write lock at the start: almost every request writes (an audit event at least),
    # and a transaction that read first and wrote later would fail outright if another writer had committed in
    # between. Waiting (up to the busy timeout) for the lock is better than failing. PostgreSQL has no such issue.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and session factory of one app, kept in ``app.extensions``."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, url: str) -> None:
    """Create the app's engine and commit each request's session at its edge."""
    app.extensions["safetyplan.db"] = Database(url)
    app.after_request(_commit_at_request_edge)
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return cast(Database, current_app.extensions["safetyplan.db"])


def _current_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessions()
    return cast(Session, g.db_session)


#: The session of the current request or command. Import this; never make a session of your own.
session: Session = cast(Session, LocalProxy(_current_session))


def _commit_at_request_edge(response: Response) -> Response:
    db_session: Session | None = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 500:
        db_session.rollback()
    else:
        # 4xx responses commit too: a refused access writes its audit event and nothing else.
        db_session.commit()
    return response


def _close_session(_exc: BaseException | None) -> None:
    db_session: Session | None = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()  # rolls back anything not committed, for example after an unhandled error


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit the current session when the block ends, or roll it back if it raises (for commands and tests)."""
    db_session = _current_session()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
