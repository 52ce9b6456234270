"""What a request asked the database to write: the tables of every ORM flush and every SQL write statement.

Two listeners, so that neither way of writing slips past: the app's session factory (``before_flush``: each new,
changed or deleted object, by its table) and its engine (``before_cursor_execute``: the target table of every
INSERT, UPDATE and DELETE, including those sent as Core statements or inside a WITH). A statement that is neither a
known read nor a write it can name is recorded too, as ``<KEYWORD>``, so that nothing unexpected passes unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

#: The tables the audit trail writes on every audited request, reads included (safetyplan/audit/models.py).
AUDIT_TABLES = frozenset({"audit_events", "audit_chain_head"})

# "FOR UPDATE" (a lock in a SELECT) and "DO UPDATE" (an upsert's other half, whose table the INSERT names) are not
# targets of their own.
_TARGETS = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM|(?<!FOR\s)(?<!DO\s)UPDATE)\s+"?(\w+)"?', re.I)
_READS = {"SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SHOW", "SET"}


def written_tables(statement: str) -> set[str]:
    """The tables ``statement`` writes to; ``<KEYWORD>`` for a statement that is not a read and names none."""
    targets = {match.group(1).lower() for match in _TARGETS.finditer(statement)}
    if targets:
        return targets
    first = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return set() if first in _READS else {f"<{first}>"}


@dataclass
class WriteRecorder:
    """The writes seen since the last ``take()``: ``(how, table)`` pairs, ``how`` being "flush" or "sql"."""

    seen: list[tuple[str, str]] = field(default_factory=list)
    listening: bool = True

    def tables(self) -> set[str]:
        return {table for _how, table in self.seen}

    def take(self) -> list[tuple[str, str]]:
        taken, self.seen = self.seen, []
        return taken

    def _before_flush(self, db_session: Session, _context: Any, _instances: Any) -> None:
        if not self.listening:
            return
        changed = [obj for obj in db_session.dirty if db_session.is_modified(obj, include_collections=False)]
        for obj in [*db_session.new, *changed, *db_session.deleted]:
            self.seen.append(("flush", getattr(type(obj), "__tablename__", type(obj).__name__)))

    def _before_cursor_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.listening:
            return
        self.seen.extend(("sql", table) for table in sorted(written_tables(statement)))


@contextmanager
def recording_writes(app: Flask) -> Iterator[WriteRecorder]:
    """Record every write made through ``app``'s sessions and engine while the block runs."""
    with app.app_context():
        database = app.extensions["safetyplan.db"]
    recorder = WriteRecorder()
    sessions, engine = database.sessions, database.engine
    event.listen(sessions, "before_flush", recorder._before_flush)
    event.listen(engine, "before_cursor_execute", recorder._before_cursor_execute)
    try:
        yield recorder
    finally:
        event.remove(sessions, "before_flush", recorder._before_flush)
        event.remove(engine, "before_cursor_execute", recorder._before_cursor_execute)
