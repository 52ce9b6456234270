"""Every model of every domain, imported in one place so that the metadata (and Alembic) sees all the tables."""

from safetyplan.accounts.models import (
    RecoveryCode,
    SetPasswordToken,
    SignInFailure,
    Team,
    TeamMembership,
    User,
    UserSession,
)
from safetyplan.audit.models import AuditChainHead, AuditEvent
from safetyplan.crypto.models import DataKey
from safetyplan.people.models import CaseloadEntry, Person

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CaseloadEntry",
    "DataKey",
    "Person",
    "RecoveryCode",
    "SetPasswordToken",
    "SignInFailure",
    "Team",
    "TeamMembership",
    "User",
    "UserSession",
]
