"""A busy database, tried again within the request: nobody ever sees "database is locked".

SQLite lets one writer at a time; a request's transaction reads from a snapshot and takes the write lock at its
first write (safetyplan/db.py). When another writer committed after the snapshot began, SQLite refuses that write at
once, and no waiting helps: the transaction must start again. PostgreSQL can refuse a transaction the same way
(a deadlock, a serialization failure). Either way nothing was written, so this middleware runs the whole request
again, from a copy of its body, after a short random pause, a few times. A run after the first takes SQLite's write
lock at its start and waits in line for it, so that a request that lost the race once does not keep losing it to
newer ones. Only if the database stays busy does the user see the 503 page (with the words they typed, and "try
again").

A request is run again only when running it twice cannot do anything twice: its first run wrote nothing that
stayed (the database refused it), and sent no message (safetyplan/outbox.py marks a run that did). A request
whose connection to the server broke is run again only if it is a read (GET or HEAD): a broken connection may have
lost the answer to a commit that happened.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import has_request_context, request

from safetyplan.db import READ_ONLY_RUN, RUN_AGAIN
from safetyplan.outbox import SENT

#: Set on the WSGI environ of a run that the database refused as busy, by the error page that answers it.
BUSY = "safetyplan.database_busy"
#: Set on the WSGI environ of a read whose audit event the database would not write (it is read-only or full).
READ_ONLY = "safetyplan.database_read_only"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def mark_busy() -> None:
    """The database refused this run of the request because others were writing: it may be run again."""
    if has_request_context():
        request.environ[BUSY] = True


def mark_read_only() -> None:
    """The database read this page but would not write its audit event: run it once more, spooling the event."""
    if has_request_context():
        request.environ[READ_ONLY] = True


class RetryWhenBusy:
    """WSGI middleware: run a request again when the database was busy, up to ``attempts`` times in ``budget``
    seconds, with random pauses that grow (so that two requests that collided do not collide again)."""

    def __init__(self, app: WSGIApp, *, max_body: int, attempts: int = 8, budget: float = 8.0) -> None:
        self.app = app
        self.max_body = max_body
        self.attempts = attempts
        self.budget = budget

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = self._body(environ)
        started = time.monotonic()
        read_only = False
        for attempt in range(1, self.attempts + 1):
            run = dict(environ)
            # safetyplan/db.py: a run after a refusal queues for the write lock; a read run again because the
            # database would not write takes no lock at all (its audit events are spooled).
            run[RUN_AGAIN] = attempt > 1 and not read_only
            run[READ_ONLY_RUN] = read_only
            if body is not None:
                run["wsgi.input"] = io.BytesIO(body)
            answered: list[Any] = []

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
                # Called within this run, before the loop moves on: this run's list is the one to fill.
                answered[:] = [status, headers, exc_info]  # noqa: B023
                return lambda _data: None  # the app returns its body; nothing of ours writes through this

            result = self.app(run, capture)
            if run.get(READ_ONLY) and not read_only and attempt < self.attempts:
                # A read (it wrote nothing, sent nothing): run once more at once, with its events spooled.
                read_only = True
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                continue
            pause = min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5)
            if (
                attempt < self.attempts
                and run.get(BUSY)
                and not run.get(SENT)
                and (body is not None or environ.get("REQUEST_METHOD") in ("GET", "HEAD"))
                and time.monotonic() - started + pause < self.budget
            ):
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                time.sleep(pause)
                continue
            start_response(*answered)
            return result
        raise AssertionError("unreachable: the last attempt always answers")

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The request's body, read once so that each run can read it again; None when it cannot be kept (too
        large, or of unknown length), and then the request is not run again."""
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return None
        if not environ.get("CONTENT_LENGTH"):
            return None if environ.get("HTTP_TRANSFER_ENCODING") else b""  # chunked: of unknown length
        try:
            length = int(environ["CONTENT_LENGTH"])
        except ValueError:
            return None
        if not 0 <= length <= self.max_body:
            return None
        body: bytes = environ["wsgi.input"].read(length)
        return body
