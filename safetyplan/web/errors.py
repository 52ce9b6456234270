"""Error pages in the service's layout and the user's language, for every status the app can answer with."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from safetyplan import db
from safetyplan.audit.spool import SpoolError
from safetyplan.web.access import policy_of
from safetyplan.web.busy import mark_busy, mark_read_only
from safetyplan.web.forms import typed_words
from safetyplan.web.session import end_idle_session

ERROR_PAGES = {
    400: (
        _l("Sorry, there is a problem with your request"),
        _l("Go back and try again. If it keeps happening, contact your care team or service."),
    ),
    403: (
        _l("You cannot see this page"),
        _l("Your account does not give you access to this page. If you think it should, ask your team's admin."),
    ),
    404: (
        _l("Page not found"),
        _l("If you typed the web address, check it is correct. If you pasted it, check you copied all of it."),
    ),
    405: (
        _l("Sorry, this page cannot do that"),
        _l("Go back to the previous page and use the buttons on it."),
    ),
    409: (
        _l("Someone else changed this at the same time"),
        _l("Nothing you sent was saved. Go back, reload the page to see their change, then try again."),
    ),
    413: (
        _l("What you sent is too large"),
        _l("Nothing was saved. Go back and send something smaller."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Wait a few minutes, then try again."),
    ),
    500: (
        _l("Sorry, there is a problem with the service"),
        _l("Try again later. What you were doing may not have been saved."),
    ),
    503: (
        _l("Sorry, the service is busy"),
        _l("Nothing was saved. Try again in a minute."),
    ),
}
#: For a 413 whose body was too large to read: the words cannot be shown back, but the browser still has them.
TOO_LARGE_TO_READ = _l(
    "Nothing was saved, and what you sent was too large for us to show it back here. Use your browser's back button: "
    "what you typed should still be on the page. Copy any long text somewhere safe, shorten it, then send it again."
)
#: Seconds a client is asked to wait before trying a 503 again.
RETRY_AFTER = 5

CSRF_PAGE = (
    _l("This page was open for too long"),
    _l("For your security, nothing was saved. Go back, reload the page and try again."),
)


def render_error(status: int, title: object, message: object, kept_text: list[str] | None = None) -> Response:
    """The styled error page, with whatever the user typed into the form that led here (so that it can be copied
    back), falling back to plain text, words included, if the layout itself cannot be rendered."""
    kept = typed_words() if kept_text is None else kept_text
    try:
        body = render_template("errors/error.html", title=title, message=message, kept_text=kept)
    except Exception:  # the error may be in the templates or the database the layout needs
        current_app.logger.exception("The error page could not be rendered")
        words = "".join(f"<pre>{escape(text)}</pre>" for text in kept)
        body = f"<!DOCTYPE html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>{words}"
    return make_response(body, status)


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    title, message = ERROR_PAGES.get(status, ERROR_PAGES[400 if status < 500 else 500])
    kept = typed_words()
    if status == 413 and not kept and request.method not in ("GET", "HEAD"):
        message = TOO_LARGE_TO_READ
    response = render_error(status, title, message, kept)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_database_unavailable(error: SQLAlchemyError) -> Response:
    """The database is down, busy, full or read-only: 503 and "try again", with the words typed, never a 500.

    A busy database is marked so that the request is run again (safetyplan/web/busy.py); this page is what the
    user sees only when it stayed busy. A write that failed for another reason counts against the health check.
    """
    read = request.method in ("GET", "HEAD")
    again = db.is_busy(error) or (db.lost_connection(error) and read)
    if again:
        mark_busy()
    else:
        db.database().writes.failed(error)
    replica = db.database().replica is not None and not db.is_busy(error)  # the database is down: the replica reads
    if read and (db.cannot_write(error) or replica) and not request.environ.get(db.READ_ONLY_RUN):
        # The page could be read; only its audit event could not be written. Run it again, spooling the event.
        db.database().refused_writes()
        mark_read_only()
        again = True
    # A busy database is ordinary under load, and the request will most likely go through when run again.
    current_app.logger.log(
        logging.INFO if again else logging.WARNING,
        "Database unavailable on %s %s (request %s): %s",
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
        g.get("request_id", "-"),
        db.failure_summary(error),
    )
    title, message = ERROR_PAGES[503]
    response = render_error(503, title, message)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def handle_spool_error(error: SpoolError) -> Response:
    """Neither the database nor this server's spool could keep a read's audit event: the page is not shown."""
    current_app.logger.error("Audit spool unavailable (request %s): %s", g.get("request_id", "-"), error)
    title, message = ERROR_PAGES[503]
    response = render_error(503, title, message)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def handle_csrf_error(error: CSRFError) -> Response:
    """Show a form page again with its text when the page supports it; otherwise, show what was typed."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "redisplays_on_refused_token", False):
        policy = policy_of(request.endpoint or "")
        if policy is not None:
            # CSRFProtect refused the request before the idle check and the access policy ran: run them now.
            g.csrf_token_refused = True  # so that nothing is kept for the account on a request we cannot trust
            try:
                refused = end_idle_session() or policy.enforce()
                if refused is not None:
                    return make_response(refused)
                # The view checks access for the object asked for, as on any request: its refusal (a 404 for a
                # person the user may not reach, with the denial audited) is answered as Flask would answer it.
                response = make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
            except HTTPException as refusal:
                return handle_http_error(refusal)
            response.status_code = 400
            return response
    title, message = CSRF_PAGE
    return render_error(400, title, message)


def handle_server_error(error: InternalServerError) -> Response:
    original = error.original_exception
    if isinstance(original, SQLAlchemyError) and db.is_unavailable(original):
        return handle_database_unavailable(original)  # raised where no view could catch it: the commit at the edge
    if isinstance(original, SpoolError):
        return handle_spool_error(original)
    current_app.logger.error(
        "Unhandled error on %s %s (request %s)",
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
        g.get("request_id", "-"),
        exc_info=error.original_exception or error,
    )
    title, message = ERROR_PAGES[500]
    return render_error(500, title, message)


def _unavailable_or_raise(error: SQLAlchemyError) -> Response:
    if db.is_unavailable(error):
        return handle_database_unavailable(error)
    raise error  # any other database error is a bug: the 500 page (and, in tests, the traceback)


def init_app(app: Flask) -> None:
    for kind in (OperationalError, InterfaceError, InternalError, PoolTimeout):
        app.register_error_handler(kind, _unavailable_or_raise)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
