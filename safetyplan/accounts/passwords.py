"""Password hashing (argon2id) and what makes a password acceptable: long, not common, not your own name.

No composition rules (NCSC and NIST advice): length and refusing the obvious do more than forced symbols.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from safetyplan.accounts.messages import MESSAGES
from safetyplan.config import Settings
from safetyplan.errors import DomainError

MINIMUM_LENGTH = 12
MAXIMUM_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


class PasswordProblem(DomainError):
    """Why a new password is refused; ``code`` names the message the form shows."""

    messages = MESSAGES

    def __init__(self, code: str, *, field: str | None = "password") -> None:
        super().__init__(code, field=field)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text().splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def check_new_password(password: str, *, email: str, name: str) -> None:
    """Raise PasswordProblem if ``password`` is too short, too long, common, or contains the email or name."""
    if len(password) < MINIMUM_LENGTH:
        raise PasswordProblem("too_short")
    if len(password) > MAXIMUM_LENGTH:
        raise PasswordProblem("too_long")
    folded = password.casefold()
    squeezed = re.sub(r"[\W_]+", "", folded)
    if folded in common_passwords() or squeezed in common_passwords() or len(set(folded)) <= 2:
        raise PasswordProblem("common")
    personal = [email.casefold(), email.split("@")[0].casefold(), *name.casefold().split()]
    if any(len(part) >= 4 and part in folded for part in personal):
        raise PasswordProblem("personal")


def hasher() -> PasswordHasher:
    return cast(PasswordHasher, current_app.extensions["safetyplan.password_hasher"])


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; for an unknown account (no hash) do the same work and fail, so timing reveals nothing."""
    stand_in = current_app.extensions["safetyplan.stand_in_password_hash"]
    try:
        matched = hasher().verify(password_hash or stand_in, password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(matched) and password_hash is not None


def hash_password(password: str) -> str:
    return hasher().hash(password)


def init_app(app: Flask, settings: Settings) -> None:
    cost = settings.password_hashing
    the_hasher = PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_cost_kib, parallelism=cost.parallelism
    )
    app.extensions["safetyplan.password_hasher"] = the_hasher
    # Verified against when no account matches, so that an unknown email costs the same work as a known one.
    app.extensions["safetyplan.stand_in_password_hash"] = the_hasher.hash("stand-in: no account has this hash")
