"""Who may manage accounts and teams: an admin, or the command line (where no one is signed in, ``by`` is None)."""

from __future__ import annotations

from safetyplan.accounts.models import User
from safetyplan.audit.grounds import Grounds
from safetyplan.roles import Role


def admin_grounds(by: User | None) -> Grounds:
    """The grounds of an account or team change: an admin's role, or the command line when no one is signed in."""
    return Grounds.role(Role.ADMIN) if by else Grounds.COMMAND_LINE
