"""Structured logs: one JSON object per line, and one line per request, with ids and timings but never content.

A line names the request (its id, method and route pattern, never the path, which holds record ids), the answer
(status, duration) and who asked (their account id). What a user typed, a person's name, an email address or an
NHS number never goes in: messages are our own format strings, and an error keeps its kind and where it was
raised, never its message (a database error's message can quote the values it was given).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

#: What a request's line carries, besides the message, when the record has it.
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "actor_id")
#: On the WSGI environ: what the app learnt about the request, for the line written when it has been answered.
_SEEN = "safetyplan.request_log"
#: In app.extensions: who is told of each answered request.
_LISTENERS = "safetyplan.request_listeners"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
#: Told of each answered request: its REQUEST_FIELDS, as far as they are known.
Listener = Callable[[dict[str, Any]], None]


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = type(error).__name__
            frames = traceback.extract_tb(error.__traceback__)[-12:]
            line["where"] = [f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno} {frame.name}" for frame in frames]
        return json.dumps(line, ensure_ascii=False, default=str)


def _message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if has_request_context() and request.path in message:
        # Flask's line for an unhandled error names the request's path, which holds record ids: name the route.
        message = message.replace(request.path, request.url_rule.rule if request.url_rule else "(no route)")
    return message


class RequestLog:
    """WSGI middleware, outermost: once a request is answered (after any run again when busy), what is known about
    it goes to each listener: the log line, the metrics."""

    def __init__(self, app: WSGIApp, listeners: list[Listener]) -> None:
        self.app = app
        self.listeners = listeners

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, Any] = {}
        environ[_SEEN] = seen  # shared with each run's copy of the environ (safetyplan/web/busy.py)
        status: list[str] = []

        def note_status(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            status[:] = [code]
            write: Callable[[bytes], Any] = start_response(code, headers, exc_info)
            return write

        result = self.app(environ, note_status)
        answered = {
            "method": environ.get("REQUEST_METHOD"),
            "status": int(status[0].split()[0]) if status else None,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            **seen,
        }
        for listener in self.listeners:
            try:
                listener(answered)
            except Exception:  # a log line or a count that failed must not fail the answer
                logging.getLogger(__name__).warning("A request listener failed", exc_info=True)
        return result


def _note_request() -> None:
    seen = request.environ.get(_SEEN)
    if seen is None:
        return
    seen["request_id"] = g.get("request_id")
    seen["route"] = request.url_rule.rule if request.url_rule else None
    user = g.get("_login_user")  # as Flask-Login loaded it, if it did: asking now could query the database
    if user is not None and user.is_authenticated:
        seen["actor_id"] = str(user.id)


def on_answered(app: Flask, listener: Listener) -> None:
    """Call ``listener`` with what is known about each request once it is answered (REQUEST_FIELDS)."""
    listeners: list[Listener] | None = app.extensions.get(_LISTENERS)
    if listeners is None:
        listeners = app.extensions[_LISTENERS] = []

        @app.teardown_request
        def note_request(_error: BaseException | None) -> None:
            _note_request()

        app.wsgi_app = RequestLog(app.wsgi_app, listeners)  # type: ignore[method-assign]
    listeners.append(listener)


def init_app(app: Flask, log_format: str) -> None:
    """With ``json``, the app's log lines go to standard error as JSON, with a line for each request."""
    if log_format != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False
    on_answered(app, lambda answered: app.logger.info("request", extra=answered))
