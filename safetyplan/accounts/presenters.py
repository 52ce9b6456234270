"""Small pieces of account pages and of every page's layout."""

from __future__ import annotations

from flask_login import current_user

from safetyplan.accounts.forms import ROLE_CHOICES
from safetyplan.accounts.sessions import idle_limit_minutes


def role_label(role: str) -> str:
    """A role as people read it ("Clinician", "Carer or family member")."""
    return str(dict(ROLE_CHOICES)[role])


def idle_seconds() -> int:
    """How long this user may leave the app alone before being signed out (for the page's warning)."""
    return idle_limit_minutes(current_user) * 60


GLOBALS = {"role_label": role_label, "idle_seconds": idle_seconds}
