"""Session lifetime: an idle limit checked on the server at every request (15 minutes for staff, 30 for people
and carers), on top of the 12-hour absolute limit that the server-side session row carries; and what a request
that arrives after its session ended gets.

A page (GET) is sent to sign in and brought back. A form sent after the session ended gets a page of ours, never a
bare 401: it says what happened, shows back what was typed so that it can be copied, and links to sign in. Where
the form's view can keep its words for the account (``keeps_words_when_signed_out``; the plan editor keeps them as
the clinician's draft), and the session lapsed rather than being ended on purpose, they are kept and offered back
once the same account signs in again (docs/adr/0010-words-kept-after-sign-out.md).

What a session is (its limits, how it ends, whose a lapsed one was) belongs to accounts, a layer above this one;
the app factory hands those rules in as ``SessionRules``, so that this module never imports accounts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from safetyplan.extensions import login_manager
from safetyplan.web.forms import typed_words
from safetyplan.web.security import CACHEABLE_ENDPOINTS

LAST_SEEN = "seen"
#: A page (GET or HEAD) moves the idle clock kept in the cookie only once it is this many seconds old: moving it
#: re-signs and re-sends the cookie, which cost a signed-in page more than loading its session did. A form sent, a
#: kept draft and "Stay signed in" always move it, and each page is told the time really left (``idle_seconds_left``),
#: so that its warning comes when the server will sign the user out, never after.
SEEN_STEP_SECONDS = 60
_RULES = "safetyplan.session_rules"


@dataclass(frozen=True)
class SessionRules:
    """What accounts decides about a signed-in session, for the checks made here at every request."""

    #: How long the user may leave the app alone, in minutes.
    idle_limit_minutes: Callable[[Any], int]
    #: End the user's server-side session, giving the reason (for example "idle").
    end_session: Callable[..., None]
    #: The account whose session, named by the cookie's token, lapsed recently rather than being ended on purpose.
    lapsed_session_user: Callable[[str], Any | None]


def _rules() -> SessionRules:
    return current_app.extensions[_RULES]  # type: ignore[no-any-return]


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
    if request.endpoint in CACHEABLE_ENDPOINTS or request.endpoint in ("web.healthz", "web.livez", "web.metrics_page"):
        return None  # files and health checks neither need nor extend a session
    if not current_user.is_authenticated:
        return None
    rules = _rules()
    now = int(time.time())
    seen = session.get(LAST_SEEN)
    limit = rules.idle_limit_minutes(current_user) * 60
    if seen is not None and now - int(seen) >= limit:  # at the limit: the page's own timer arrives then
        owner = current_user._get_current_object()
        kept = _keep_words(owner) if not _is_read() else False
        rules.end_session(by=owner, reason="idle")
        logout_user()
        session.clear()
        if _is_read():
            return redirect(url_for("accounts.sign_in", timed_out=1, next=request.full_path.rstrip("?")))
        return signed_out_page(kept)
    if seen is None or not _is_read() or now - int(seen) >= SEEN_STEP_SECONDS:
        session[LAST_SEEN] = now
    return None


def idle_seconds_left(limit_seconds: int) -> int:
    """How long, from now, before this session is signed out for being left alone (its limit less the time since
    the idle clock last moved)."""
    seen = session.get(LAST_SEEN)
    if seen is None:
        return limit_seconds
    return max(limit_seconds - (int(time.time()) - int(seen)), 0)


def _is_read() -> bool:
    return request.method in ("GET", "HEAD")


def ask_to_sign_in() -> ResponseReturnValue:
    """Flask-Login's answer to a request that needs a session and has none (never one, or it ended)."""
    if _is_read():
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    token = session.get("_user_id")
    owner = _rules().lapsed_session_user(token) if isinstance(token, str) and not g.get("csrf_token_refused") else None
    return signed_out_page(_keep_words(owner) if owner is not None else False)


def _keep_words(owner: Any) -> bool:
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


def init_app(app: Flask, rules: SessionRules) -> None:
    app.extensions[_RULES] = rules
    app.before_request(end_idle_session)
    login_manager.unauthorized_handler(ask_to_sign_in)
