"""Signing in to the web app: how the login manager finds a session's user, and the moment a sign-in completes.

The session itself lives in the database (``UserSession``, see services): it ends on sign-out everywhere, and
web/session.py checks its idle limit at every request with the rules this package hands it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask, g, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from safetyplan.accounts import passwords, sessions, users
from safetyplan.accounts.models import User
from safetyplan.audit.grounds import Grounds
from safetyplan.config import Settings
from safetyplan.extensions import login_manager
from safetyplan.web.locale import remember_choice, remembered_choice
from safetyplan.web.session import LAST_SEEN, SessionRules, safe_next

PENDING = "pending_sign_in"  # the first factor passed; waiting for the second
#: The identity service this browser signed in through (its path: "nhs-login", "cis2"), for signing out of it too.
SIGNED_IN_WITH = "signed_in_with"

#: What web/session.py checks at every request, decided here.
RULES = SessionRules(
    idle_limit_minutes=sessions.idle_limit_minutes,
    end_session=sessions.end_session,
    lapsed_session_user=sessions.lapsed_session_user,
)


def complete_sign_in(*, by: User, grounds: Grounds | None = None, next_url: str | None = None) -> None:
    """Both factors passed, or an identity service vouched for ``by`` (``grounds``): a fresh cookie (the old session
    id is dropped) tied to a new server-side session."""
    next_url = next_url or session.get(PENDING, {}).get("next")
    session.clear()
    sessions.start_session(by=by, address=request.remote_addr, grounds=grounds)
    login_user(by)
    session[LAST_SEEN] = int(time.time())
    remembered = remembered_choice()
    browser_choice = (remembered[0], datetime.fromtimestamp(remembered[1], UTC)) if remembered else None
    language, chosen_at = users.settle_language(by, browser_choice)  # the later explicit choice wins
    remember_choice(language, int(chosen_at.timestamp()) if chosen_at else 0)
    g.after_sign_in = safe_next(next_url, url_for("accounts.home"))


def init_app(app: Flask, settings: Settings) -> None:
    passwords.init_app(app, settings)
    login_manager.init_app(app)
    # The server-side session is the protection: it ends on sign-out everywhere. Tying a session to an IP
    # address would sign people out whenever their phone changes network.
    login_manager.session_protection = None
    login_manager.login_message = _l("Sign in to see this page")
    login_manager.user_loader(sessions.load_session)
    # What a request without a session gets is decided by web.session (a page, and the words kept).
