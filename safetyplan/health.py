"""Whether this app server can do its work: the database answers, its schema is the newest, and it can write.

A load balancer asks ``/healthz``. Reading is not enough: with a full disk or a read-only database every save fails
while every read still works, so the check also writes (one row, updated in a short transaction of its own) and
looks at how this server's recent writes went (``db.WriteOutcomes``). It names the part that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, insert, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan import schema
from safetyplan.db import Base, UTCDateTime, database, failure_summary, is_busy, utcnow

#: The one row the check writes.
CHECK_ROW = 1


class WriteCheck(Base):
    """The time of the latest write check: the row the health check writes, so that it knows writing works."""

    __tablename__ = "write_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Health:
    """Each part's state, as the health check reports it."""

    database: str  # ok, unreachable
    migrations: str  # head, behind, unknown
    writes: str  # ok, busy (others are writing: not a fault), failing, unknown
    problem: str = ""  # the kind of the failure, for the log (never data)

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.migrations == "head" and self.writes in ("ok", "busy")

    def to_json(self) -> dict[str, str]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "database": self.database,
            "migrations": self.migrations,
            "writes": self.writes,
        }


def check() -> Health:
    """Read the schema version, then write the check row, then ask how this server's own writes went lately."""
    try:
        at_head = schema.is_at_head()
    except SQLAlchemyError as error:
        return Health("unreachable", "unknown", "unknown", failure_summary(error))
    if not at_head:
        return Health("ok", "behind", "unknown")
    try:
        with database().engine.begin() as connection:
            now = utcnow()
            moved = connection.execute(update(WriteCheck).where(WriteCheck.id == CHECK_ROW).values(checked_at=now))
            if moved.rowcount == 0:
                connection.execute(insert(WriteCheck).values(id=CHECK_ROW, checked_at=now))
    except DBAPIError as error:
        if is_busy(error):
            return Health("ok", "head", "busy")
        return Health("ok", "head", "failing", failure_summary(error))
    writes = database().writes  # the saves of this server's own requests: a small row may fit where a plan does not
    if writes.failing():
        return Health("ok", "head", "failing", writes.last_failure_summary)
    return Health("ok", "head", "ok")
