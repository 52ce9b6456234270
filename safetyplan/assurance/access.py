"""Only auditors use the assurance workspace; auditors never read plan content."""

from __future__ import annotations

from safetyplan.accounts.models import User
from safetyplan.roles import Role


class NotAllowed(Exception):
    """Only auditors use the assurance workspace."""


def require_auditor(by: User) -> None:
    if by.role != Role.AUDITOR:
        raise NotAllowed()
