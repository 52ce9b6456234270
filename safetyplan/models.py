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
from safetyplan.plans.models import CrisisContact, Plan, PlanDraft, PlanRevision, Suggestion

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CaseloadEntry",
    "CrisisContact",
    "DataKey",
    "Person",
    "Plan",
    "PlanDraft",
    "PlanRevision",
    "RecoveryCode",
    "SetPasswordToken",
    "SignInFailure",
    "Suggestion",
    "Team",
    "TeamMembership",
    "User",
    "UserSession",
]
