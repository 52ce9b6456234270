"""Session lifetime: an idle limit checked on the server at every request (15 minutes for staff, 30 for people
and carers), on top of the 12-hour absolute limit that the server-side session row carries; and what a request
that arrives after its session ended gets.

A page (GET) is sent to sign in and brought back. A form sent after the session ended gets a page of ours, never a
bare 401: it says what happened, shows back what was typed so that it can be copied, and links to sign in. Where
the form's view can keep its words for the account (``keeps_words_when_signed_out``; the plan editor keeps them as
the clinician's draft), and the session lapsed rather than being ended on purpose, they are kept and offered back
once the same account signs in again (docs/adr/0010-words-kept-after-sign-out.md).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from safetyplan.extensions import login_manager
from safetyplan.web.forms import typed_words
from safetyplan.web.security import CACHEABLE_ENDPOINTS

if TYPE_CHECKING:
    from safetyplan.accounts.models import User

LAST_SEEN = "seen"


def safe_next(target: str | None, default: str) -> str:
    """A path on this site to go to after signing in; anything else (another host, a scheme) is refused."""
    if not target or any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return default  # no control characters: a line break in a Location header breaks the response
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def end_idle_session() -> ResponseReturnValue | None:
    """Sign out a session left alone past its idle limit (a redirect to sign in), or note this request's activity.

    Runs before every request's access policy, and again when a CSRF refusal re-shows a form."""
    if request.endpoint in CACHEABLE_ENDPOINTS or request.endpoint in ("web.healthz", "web.livez"):
        return None  # files and health checks neither need nor extend a session
    if not current_user.is_authenticated:
        return None
    from safetyplan.accounts.services import end_session, idle_limit_minutes

    now = int(time.time())
    seen = session.get(LAST_SEEN)
    limit = idle_limit_minutes(current_user) * 60
    if seen is not None and now - int(seen) > limit:
        owner = current_user._get_current_object()
        kept = _keep_words(owner) if not _is_read() else False
        end_session(owner, reason="idle")
        logout_user()
        session.clear()
        if _is_read():
            return redirect(url_for("accounts.sign_in", timed_out=1, next=request.full_path.rstrip("?")))
        return signed_out_page(kept)
    session[LAST_SEEN] = now
    return None


def _is_read() -> bool:
    return request.method in ("GET", "HEAD")


def ask_to_sign_in() -> ResponseReturnValue:
    """Flask-Login's answer to a request that needs a session and has none (never one, or it ended)."""
    if _is_read():
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    from safetyplan.accounts.services import lapsed_session_user

    token = session.get("_user_id")
    owner = lapsed_session_user(token) if isinstance(token, str) and not g.get("csrf_token_refused") else None
    return signed_out_page(_keep_words(owner) if owner is not None else False)


def _keep_words(owner: User) -> bool:
    """Let the form's view keep what was typed for the account whose session this was; whether it kept them."""
    view = current_app.view_functions.get(request.endpoint or "")
    keeper = getattr(view, "keeps_words_when_signed_out", None)
    if keeper is None or g.get("csrf_token_refused"):
        return False
    return bool(keeper(owner, **(request.view_args or {})))


def signed_out_page(kept: bool) -> Response:
    """401, with our own page: what happened, what was typed (to copy), and a link to sign in and come back."""
    back = request.path if _accepts_get() else None
    response = make_response(
        render_template(
            "errors/signed_out.html",
            kept=kept,
            kept_text=typed_words(),
            sign_in=url_for("accounts.sign_in", timed_out=1, next=back),
        ),
        401,
    )
    return response


def _accepts_get() -> bool:
    """The form's address is a page too (so that signing in can come back to it)."""
    rule = request.url_rule
    return rule is not None and rule.methods is not None and "GET" in rule.methods


def init_app(app: Flask) -> None:
    app.before_request(end_idle_session)
    login_manager.unauthorized_handler(ask_to_sign_in)
