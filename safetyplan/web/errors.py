"""Error pages in the service's layout and the user's language, for every status the app can answer with."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from safetyplan.web.access import policy_of
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
    413: (
        _l("What you sent is too large"),
        _l("Go back and send something smaller."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Wait a few minutes, then try again."),
    ),
    500: (
        _l("Sorry, there is a problem with the service"),
        _l("Try again later. What you were doing may not have been saved."),
    ),
}

CSRF_PAGE = (
    _l("This page was open for too long"),
    _l("For your security, nothing was saved. Go back, reload the page and try again."),
)

# Never repeat these back to the user on a page, even their own: a screen may be seen by someone else.
_SECRET_FIELD_HINTS = ("password", "token", "code", "secret")


def render_error(status: int, title: object, message: object, kept_text: list[str] | None = None) -> Response:
    """The styled error page, falling back to plain text if the layout itself cannot be rendered."""
    try:
        body = render_template("errors/error.html", title=title, message=message, kept_text=kept_text or [])
    except Exception:  # the error may be in the templates or the database the layout needs
        current_app.logger.exception("The error page could not be rendered")
        body = f"<!DOCTYPE html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return make_response(body, status)


def _typed_text() -> list[str]:
    """What the user typed into a refused form, so that they can copy it back."""
    return [
        value
        for key, value in request.form.items(multi=True)
        if value.strip() and not any(hint in key.lower() for hint in _SECRET_FIELD_HINTS)
    ]


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    title, message = ERROR_PAGES.get(status, ERROR_PAGES[400 if status < 500 else 500])
    response = render_error(status, title, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_csrf_error(error: CSRFError) -> Response:
    """Show a form page again with its text when the page supports it; otherwise, show what was typed."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "redisplays_on_refused_token", False):
        policy = policy_of(request.endpoint or "")
        if policy is not None:
            # CSRFProtect refused the request before the idle check and the access policy ran: run them now.
            try:
                refused = end_idle_session() or policy.enforce()
            except HTTPException as refusal:
                return handle_http_error(refusal)
            if refused is not None:
                return make_response(refused)
            g.csrf_token_refused = True
            response = make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
            response.status_code = 400
            return response
    title, message = CSRF_PAGE
    return render_error(400, title, message, kept_text=_typed_text())


def handle_server_error(error: InternalServerError) -> Response:
    current_app.logger.error(
        "Unhandled error on %s %s (request %s)",
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
        g.get("request_id", "-"),
        exc_info=error.original_exception or error,
    )
    title, message = ERROR_PAGES[500]
    return render_error(500, title, message)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
