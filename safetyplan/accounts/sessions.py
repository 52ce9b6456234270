"""Signed-in sessions as the server keeps them: made when both factors pass, found from the cookie's token on every
request, ended on sign-out (or everywhere, when the password changes), with limits on idle and absolute time.

The cookie holds only a random token; the database keeps its SHA-256 (``tokens``). How the login manager and each
request use these is in ``login`` and ``safetyplan.web.session``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update

from safetyplan.accounts.models import (
    SignInFailure,
    User,
    UserSession,
)
from safetyplan.accounts.signin import failure_keys
from safetyplan.accounts.tokens import token_hash
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.roles import Role

SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)


#: Staff reach many people's records, so their sessions end sooner when left alone.
IDLE_LIMITS: dict[str, int] = {Role.CLINICIAN: 15, Role.AUDITOR: 15, Role.ADMIN: 15, Role.PERSON: 30, Role.CARER: 30}


def idle_limit_minutes(user: User) -> int:
    return IDLE_LIMITS[user.role]


def start_session(*, by: User, address: str | None, grounds: Grounds | None = None) -> str:
    """Both factors passed (or an identity service vouched for the account: ``grounds`` says which, and how): make
    a new server-side session and return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=token_hash(token), user_id=by.id, created_at=now, expires_at=now + SESSION_ABSOLUTE_LIMIT
        )
    )
    account_key, _ = failure_keys(str(by.email), address)
    session.execute(delete(SignInFailure).where(SignInFailure.key == account_key))
    record("sign_in.succeeded", by=by, grounds=grounds or Grounds.SELF)
    by.session_token = token
    return token


#: Built once: it runs on every signed-in request, and building it cost as much as running it.
_SESSION_AND_USER = (
    select(User, UserSession.ended_at, UserSession.expires_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def load_session(token: str) -> User | None:
    """The user of a live session (not ended, within 12 hours, account active), or None. One query: it runs on
    every request."""
    found = session.execute(_SESSION_AND_USER, {"token_hash": token_hash(token)}).one_or_none()
    if found is None:
        return None
    user, ended_at, expires_at = found
    if ended_at is not None or expires_at <= utcnow() or not user.is_active:
        return None
    user.session_token = token
    return user


#: How long after a session lapsed a form sent with it may still have its words kept for that account.
LAPSED_SESSION_GRACE = timedelta(hours=12)


#: Sessions that ended by themselves. One ended on purpose (signed out, password changed) keeps nothing: a copy of
#: its cookie must not be able to put words in the account's editor.
_LAPSES = ("idle",)


def lapsed_session_user(token: str) -> User | None:
    """The account a session belonged to, if that session lapsed (left idle, or past its 12-hour limit) less than
    12 hours ago rather than being ended on purpose, and the account is still active; otherwise None.

    For keeping the words of a form sent just after the session lapsed, for the same account, and nothing else: the
    caller must not treat the request as signed in.
    """
    found = session.execute(
        select(User, UserSession.ended_at, UserSession.ended_reason, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    user, ended_at, ended_reason, expires_at = found
    now = utcnow()
    if ended_at is None:
        lapsed_at = expires_at if expires_at <= now else None
    else:
        lapsed_at = ended_at if ended_reason in _LAPSES else None
    if lapsed_at is None or now - lapsed_at > LAPSED_SESSION_GRACE or not user.is_active:
        return None
    return user


def end_session(*, by: User, reason: str) -> None:
    """Sign out this browser's session (``reason``: signed_out, idle)."""
    if by.session_token:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(by.session_token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason)
        )
    record("sign_out", by=by, grounds=Grounds.SELF)
    by.session_token = None


def end_all_sessions(user: User, *, reason: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
