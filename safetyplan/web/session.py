"""Session lifetime: an idle limit checked on the server at every request (15 minutes for staff, 30 for people
and carers), on top of the 12-hour absolute limit that the server-side session row carries."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from safetyplan.web.security import CACHEABLE_ENDPOINTS

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
        end_session(current_user, reason="idle")
        logout_user()
        session.clear()
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.sign_in", timed_out=1, next=target))
    session[LAST_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    app.before_request(end_idle_session)
