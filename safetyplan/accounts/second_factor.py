"""The second factor: an authenticator app (TOTP, each code accepted once) and single-use recovery
codes, kept only as blind indexes."""

from __future__ import annotations

import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, select

from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import (
    RecoveryCode,
    User,
)
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow

RECOVERY_CODES = 10


TOTP_ISSUER = "SafetyPlan"


def accept_totp(user: User, code: str) -> bool:
    digits = "".join(code.split())
    secret = user.totp_secret
    if not secret or not digits.isdigit() or len(digits) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (-1, 0, 1):  # allow for a clock a little out on the phone
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), digits):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # this code (or an earlier one) was already used
            user.totp_last_step = step
            return True
    return False


def _recovery_hash(code: str) -> bytes:
    normalised = "".join(code.split()).replace("-", "").casefold()
    return vault().blind_index("recovery_code", normalised)


def accept_recovery_code(user: User, code: str) -> bool:
    found = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        return False
    found.used_at = utcnow()
    record("sign_in.recovery_code_used", by=user, grounds=Grounds.SELF)
    return True


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=str(user.email), issuer_name=TOTP_ISSUER)


def enable_totp(*, by: User, secret: str, code: str) -> list[str]:
    """Turn on the authenticator app once it shows the right code; returns new recovery codes (shown once)."""
    digits = "".join(code.split())
    if not pyotp.TOTP(secret).verify(digits, valid_window=1):
        raise AccountError("code_wrong", field="code")
    by.totp_secret = secret
    by.totp_enabled_at = utcnow()
    by.totp_last_step = pyotp.TOTP(secret).timecode(utcnow())
    codes = replace_recovery_codes(by)
    record("account.second_factor_enabled", by=by, grounds=Grounds.SELF, subject_user_id=by.id)
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back from paper
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def unused_recovery_codes(*, by: User) -> int:
    return (
        session.scalar(select(func.count()).where(RecoveryCode.user_id == by.id, RecoveryCode.used_at.is_(None))) or 0
    )
