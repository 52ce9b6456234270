"""Signing in: the email address and password, then the second factor, with failures counted per
account and per address so that guessing is slowed, and the same answer whether or not an account exists."""

from __future__ import annotations

from datetime import timedelta
from math import ceil

from sqlalchemy import delete, select

from safetyplan.accounts.errors import SignInRefused, Throttled
from safetyplan.accounts.models import (
    SignInFailure,
    User,
)
from safetyplan.accounts.passwords import verify_password
from safetyplan.accounts.second_factor import accept_recovery_code, accept_totp
from safetyplan.accounts.users import find_user_by_email, normalise_email
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.config import current_settings
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow

THROTTLE_WINDOW = timedelta(minutes=15)


ACCOUNT_FAILURE_LIMIT = 5


ADDRESS_FAILURE_LIMIT = 20


def failure_keys(email: str, address: str | None) -> tuple[bytes, bytes | None]:
    account = vault().blind_index("sign_in_account", normalise_email(email))
    return account, (vault().blind_index("sign_in_address", address) if address else None)


def check_throttle(email: str, address: str | None) -> None:
    """Raise Throttled if this account, or this address, has failed too often in the last 15 minutes."""
    now = utcnow()
    since = now - THROTTLE_WINDOW
    account_key, address_key = failure_keys(email, address)
    for key, limit in ((account_key, ACCOUNT_FAILURE_LIMIT), (address_key, ADDRESS_FAILURE_LIMIT)):
        if key is None:
            continue
        failures = session.scalars(
            select(SignInFailure.failed_at)
            .where(SignInFailure.key == key, SignInFailure.failed_at > since)
            .order_by(SignInFailure.failed_at.desc())
            .limit(limit)
        ).all()
        if len(failures) >= limit:
            # Locked until the oldest of the last `limit` failures leaves the window.
            unlocks_at = failures[-1] + THROTTLE_WINDOW
            raise Throttled(max(1, ceil((unlocks_at - now).total_seconds() / 60)))


def record_failure(email: str, address: str | None) -> None:
    now = utcnow()
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - THROTTLE_WINDOW))
    for key in failure_keys(email, address):
        if key is not None:
            session.add(SignInFailure(key=key, failed_at=now))


def authenticate(email: str, password: str, *, address: str | None) -> User:
    """Check an email and password. The same work, message and status whether or not the account exists.

    Raises Throttled or SignInRefused. Success here is the first factor only: see ``needs_code``.
    """
    check_throttle(email, address)
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        record_failure(email, address)
        record(
            "sign_in.failed",
            by=user,
            grounds=Grounds.NONE,
            outcome="failed",
        )
        raise SignInRefused()
    service = current_settings().identity_service_for(user.role)
    if service is not None and not current_settings().password_sign_in_allowed(user.role):
        # The password was right, so saying how this account signs in tells nothing to someone who did not know it.
        record("sign_in.failed", by=user, grounds=Grounds.identity(service.name, refused="password"), outcome="denied")
        raise SignInRefused(f"use_{service.name}")
    return user


def check_second_factor(*, by: User, code: str, address: str | None) -> None:
    """Accept a current authenticator code (once) or an unused recovery code; raises Throttled or SignInRefused."""
    email = str(by.email)
    check_throttle(email, address)
    if accept_totp(by, code) or accept_recovery_code(by, code):
        return
    record_failure(email, address)
    record("sign_in.second_factor_failed", by=by, grounds=Grounds.SELF, outcome="failed")
    raise SignInRefused("code_wrong", field="code")
