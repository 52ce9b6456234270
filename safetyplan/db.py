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

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
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


#: How long one statement waits for SQLite's write lock before it is answered "busy" (the request is then tried
#: again from the start, see safetyplan/web/busy.py).
SQLITE_BUSY_TIMEOUT_MS = 2_000


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
    """Begin a transaction: a request's takes SQLite's write lock only when it first writes; a command's at once.

    A request mostly reads: if it held the write lock from its first query to its commit (BEGIN IMMEDIATE), one
    writer at a time would serve the whole app, through rendering. A deferred transaction reads from a snapshot
    instead, and takes the lock at its first write; if another writer committed since the snapshot began, that write
    is refused at once as busy, and the request is run again from the start (safetyplan/web/busy.py). A request
    that only read takes the lock for the moment its audit events are appended (``take_write_lock``).

    A request run again after such a refusal takes the lock at its start and waits in line for it, so that it cannot
    lose the same race again. So does a command (a key rotation, say), which runs long batches that read and then
    write while the app serves: waiting is better than being refused and starting again.
    """
    dbapi_connection = connection.connection.dbapi_connection
    connection.info[_CHANGES_AT_BEGIN] = dbapi_connection.total_changes
    deferred = has_request_context() and not request.environ.get(RUN_AGAIN)
    connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


_CHANGES_AT_BEGIN = "safetyplan.changes_at_begin"
#: Set on the WSGI environ of a request being run again after SQLite refused it as busy (safetyplan/web/busy.py):
#: this run takes the write lock at its start, waiting for it, so that it cannot be refused the same way again.
RUN_AGAIN = "safetyplan.run_again"


def take_write_lock(db_session: Session) -> None:
    """Make sure the session's transaction may write now, waiting for the lock rather than being refused.

    On SQLite, a deferred transaction that has written nothing yet (a read, about to append its audit event) lets go
    of its snapshot and begins again with the write lock: its reads were already answered, so nothing depends on
    the snapshot, and BEGIN IMMEDIATE waits for the lock where a snapshot's first write would be refused. A
    transaction that has written keeps its snapshot: what it wrote was decided from what it read. PostgreSQL needs
    nothing: the chain head is locked row by row.
    """
    connection = db_session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.total_changes != connection.info.get(_CHANGES_AT_BEGIN):
        return  # written already (or not begun by us): it holds the lock, or must be refused and run again
    if not dbapi_connection.in_transaction:
        return
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.info[_CHANGES_AT_BEGIN] = dbapi_connection.total_changes


# What a database that cannot answer now looks like, for the 503 page and the retry (safetyplan/web/busy.py).
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_POSTGRESQL_BUSY = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_POSTGRESQL_READ_ONLY = "25006"


def is_busy(error: BaseException) -> bool:
    """The database refused this transaction only because others were writing: running it again will do."""
    if isinstance(error, PoolTimeout):
        return True  # no connection was free; nothing ran
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY
    return getattr(original, "sqlstate", None) in _POSTGRESQL_BUSY


_SQLITE_CANNOT_WRITE = {8, 13}  # SQLITE_READONLY, SQLITE_FULL
_POSTGRESQL_CANNOT_WRITE = {_POSTGRESQL_READ_ONLY, "53100"}  # a read-only transaction (a standby), disk full


def cannot_write(error: BaseException) -> bool:
    """The database answered, but refused to write: it is read-only (a storage fault, a standby) or full.

    Reads still work then, so a read is run again with its audit events spooled (safetyplan/audit/spool.py)."""
    if not isinstance(error, DBAPIError):
        return False
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_CANNOT_WRITE
    return getattr(error.orig, "sqlstate", None) in _POSTGRESQL_CANNOT_WRITE


def is_unavailable(error: BaseException) -> bool:
    """The database cannot do this now (down, busy, full, read-only): a 503 and "try again", not a 500."""
    if is_busy(error):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, InternalError) and getattr(error.orig, "sqlstate", None) == _POSTGRESQL_READ_ONLY


def lost_connection(error: BaseException) -> bool:
    """The connection to the server broke (a restart, a failover): another connection may work at once."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def failure_summary(error: BaseException) -> str:
    """The kind of database failure in one short line, for a log: never the statement or its parameters."""
    original = getattr(error, "orig", None) or error
    first_line = (str(original).splitlines() or [""])[0][:160]
    return f"{type(original).__name__}: {first_line}"


class WriteOutcomes:
    """Whether this app server's recent writes reached the database: the health check reports it.

    Per process on purpose: it says whether *this* server can write (its disk, its connection), which is what a
    load balancer asks of it.
    """

    #: A failed write older than this, with none since, no longer counts against the server on its own.
    REMEMBER_SECONDS = 60.0

    def __init__(self) -> None:
        self.last_success = 0.0
        self.last_failure = 0.0
        self.last_failure_summary = ""

    def succeeded(self) -> None:
        self.last_success = time.monotonic()

    def failed(self, error: BaseException) -> None:
        self.last_failure = time.monotonic()
        self.last_failure_summary = failure_summary(error)

    def failing(self) -> bool:
        """The latest write failed (for a reason other than others writing), recently, and none has worked since."""
        return self.last_failure > self.last_success and time.monotonic() - self.last_failure < self.REMEMBER_SECONDS


#: Set on the WSGI environ of a read run again because the database refused to write (``cannot_write``).
READ_ONLY_RUN = "safetyplan.read_only_run"
#: In a session's info: its audit events go to the spool, not the database (safetyplan/audit/services.py).
SPOOL_AUDIT = "safetyplan.spool_audit"


class Database:
    """The engine and session factory of one app, kept in ``app.extensions``."""

    #: After the database refused a write, reads spool their audit events at once for this long, rather than
    #: each failing first; then one read tries the database again.
    READ_ONLY_SECONDS = 5.0

    def __init__(self, url: str, replica_url: str | None = None) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.writes = WriteOutcomes()
        self.read_only_until = 0.0
        #: A read replica (PostgreSQL streaming replication): reads that cannot be written go to it.
        self.replica = make_engine(replica_url) if replica_url else None
        self.replica_sessions = sessionmaker(bind=self.replica, expire_on_commit=False) if self.replica else None

    def refused_writes(self) -> None:
        """The database answered a read but would not write its audit event."""
        self.read_only_until = time.monotonic() + self.READ_ONLY_SECONDS

    def reading_only(self) -> bool:
        return time.monotonic() < self.read_only_until

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica is not None:
            self.replica.dispose()


def init_app(app: Flask, url: str, replica_url: str | None = None) -> None:
    """Create the app's engines and commit each request's session at its edge."""
    app.extensions["safetyplan.db"] = Database(url, replica_url)
    app.after_request(_commit_at_request_edge)
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return cast(Database, current_app.extensions["safetyplan.db"])


def _current_session() -> Session:
    if "db_session" not in g:
        found = database()
        read = has_request_context() and request.method in ("GET", "HEAD")
        if read and (request.environ.get(READ_ONLY_RUN) or found.reading_only()):
            # A read while the database cannot be written: from the replica if there is one, events spooled.
            g.db_session = (found.replica_sessions or found.sessions)()
            g.db_session.info[SPOOL_AUDIT] = True
        else:
            g.db_session = found.sessions()
    return cast(Session, g.db_session)


#: The session of the current request or command. Import this; never make a session of your own.
session: Session = cast(Session, LocalProxy(_current_session))


def _commit_at_request_edge(response: Response) -> Response:
    db_session: Session | None = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 500:
        db_session.rollback()
        return response
    # 4xx responses commit too: a refused access writes its audit event and nothing else.
    db_session.commit()  # a failure is noted by the error page that answers it (safetyplan/web/errors.py)
    if db_session.info.pop(_WROTE, False):
        database().writes.succeeded()
    return response


_WROTE = "safetyplan.wrote"


@event.listens_for(Session, "after_flush")
def _note_flushed_writes(db_session: Session, _flush_context: Any) -> None:
    db_session.info[_WROTE] = True


def note_written(db_session: Session) -> None:
    """Note that ``db_session`` wrote through its connection (Core, not the ORM, so no event saw it): its commit
    then tells the app that the database can be written again."""
    db_session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_executed_writes(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_rollback")
def _forget_writes(db_session: Session) -> None:
    db_session.info.pop(_WROTE, None)


def _close_session(_exc: BaseException | None) -> None:
    db_session: Session | None = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()  # rolls back anything not committed, for example after an unhandled error


def within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``outer`` or a savepoint inside it: what a rollback of ``outer`` undoes."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


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
