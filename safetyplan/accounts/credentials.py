"""Setting a password: the single-use set-password link an admin sends, changing a password when
signed in, and the command line's direct setting, all under the same rules (``passwords``)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select, update

from safetyplan.accounts.access import admin_grounds
from safetyplan.accounts.errors import AccountError, NotAllowed
from safetyplan.accounts.messages import SET_PASSWORD_BODY, SET_PASSWORD_SUBJECT
from safetyplan.accounts.models import (
    SetPasswordToken,
    User,
)
from safetyplan.accounts.passwords import check_new_password, hash_password, verify_password
from safetyplan.accounts.sessions import end_all_sessions
from safetyplan.accounts.tokens import token_hash
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.config import current_settings
from safetyplan.db import session, take_write_lock, utcnow
from safetyplan.outbox import Message, outbox
from safetyplan.roles import Role

SET_PASSWORD_LIFETIME = timedelta(hours=72)


def issue_set_password_link(user: User, *, by: User | None, base_url: str) -> str:
    """Make a single-use link to set a password (72 hours), ending any earlier one; returns the link.

    The token sits in the URL fragment, which browsers never send to a server: it cannot reach access logs or a
    Referer header. The set-password page's script moves it into the form.
    """
    now = utcnow()
    session.execute(
        update(SetPasswordToken)
        .where(SetPasswordToken.user_id == user.id, SetPasswordToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SetPasswordToken(
            token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=now + SET_PASSWORD_LIFETIME
        )
    )
    record(
        "account.set_password_link_issued",
        by=by,
        grounds=admin_grounds(by),
        subject_user_id=user.id,
    )
    return f"{base_url}/set-password#{token}"


def send_set_password_link(*, by: User | None, user: User, base_url: str) -> None:
    """Make a new set-password link for ``user`` and email it to them, worded in their language, for an admin."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    link = issue_set_password_link(user, by=by, base_url=base_url)
    with force_locale(user.preferred_language):
        subject = str(SET_PASSWORD_SUBJECT)
        body = str(SET_PASSWORD_BODY) % {"name": user.display_name}
    session.flush()  # write first: once a message has left, the request must not fail as busy and run again
    take_write_lock(session)
    outbox().send(Message(to=str(user.email), subject=subject, body=body.replace("{link}", link)))


def use_set_password_token(token: str) -> None:
    """A set-password link was used another way (to connect NHS login or CIS2): it stops working."""
    session.execute(
        update(SetPasswordToken).where(SetPasswordToken.token_hash == token_hash(token)).values(used_at=utcnow())
    )


def user_for_set_password_token(token: str) -> User | None:
    """The account a set-password token belongs to, if the token is unused and unexpired."""
    found = session.scalars(select(SetPasswordToken).where(SetPasswordToken.token_hash == token_hash(token))).first()
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    user = session.get(User, found.user_id)
    return user if user is not None and user.is_active else None


def set_password_with_token(token: str, password: str) -> User:
    """Set a password through a set-password link; the link then stops working. Raises AccountError or
    PasswordProblem."""
    user = user_for_set_password_token(token)
    if user is None:
        raise AccountError("link_invalid", field="token")
    service = current_settings().identity_service_for(user.role)
    if service is not None and not current_settings().password_sign_in_allowed(user.role):
        raise AccountError(f"connect_{service.name}")  # in production this account signs in through the service
    check_new_password(password, email=str(user.email), name=str(user.display_name))
    session.execute(
        update(SetPasswordToken).where(SetPasswordToken.token_hash == token_hash(token)).values(used_at=utcnow())
    )
    store_password(user, password)
    record("account.password_set", by=user, grounds=Grounds.SELF, subject_user_id=user.id)
    return user


def change_password(*, by: User, current: str, new: str) -> None:
    """Change a signed-in user's password; every session of theirs ends (the caller starts a new one)."""
    if not verify_password(by.password_hash, current):
        raise AccountError("current_password_wrong", field="current")
    check_new_password(new, email=str(by.email), name=str(by.display_name))
    store_password(by, new)
    record("account.password_changed", by=by, grounds=Grounds.SELF, subject_user_id=by.id)


def store_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, reason="password_changed")


def set_password_directly(user: User, password: str) -> None:
    """For the command line only (``users add --password-stdin``): the same rules as the set-password page."""
    check_new_password(password, email=str(user.email), name=str(user.display_name))
    store_password(user, password)
