"""Every model of every domain, imported in one place so that the metadata (and Alembic) sees all the tables."""

from safetyplan.accounts.models import (
    IdentityLink,
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
from safetyplan.exchange.models import Delivery
from safetyplan.health import WriteCheck
from safetyplan.offline.models import OfflineDevice
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.plans.models import (
    CrisisContact,
    Plan,
    PlanDisagreement,
    PlanDraft,
    PlanRevision,
    StratificationFinding,
    Suggestion,
)
from safetyplan.sharing.models import (
    CarerInvitation,
    CrisisViewChoice,
    InvolvedPerson,
    InvolvementConversation,
    SharingChoice,
)

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CarerInvitation",
    "CaseloadEntry",
    "CrisisContact",
    "CrisisViewChoice",
    "DataKey",
    "Delivery",
    "IdentityLink",
    "InvolvedPerson",
    "InvolvementConversation",
    "OfflineDevice",
    "Person",
    "Plan",
    "PlanDisagreement",
    "PlanDraft",
    "PlanRevision",
    "RecoveryCode",
    "SetPasswordToken",
    "SharingChoice",
    "SignInFailure",
    "StratificationFinding",
    "Suggestion",
    "Team",
    "TeamMembership",
    "User",
    "UserSession",
    "WriteCheck",
]
