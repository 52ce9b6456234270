"""What the plan services raise when a rule is not met, or when someone saved first."""

from __future__ import annotations

from safetyplan.errors import DomainError
from safetyplan.plans.messages import MESSAGES
from safetyplan.plans.models import PlanRevision


class PlanError(DomainError):
    messages = MESSAGES


class Conflict(Exception):
    """Someone else saved since this edit began; ``current`` is their revision. Nothing was saved."""

    def __init__(self, current: PlanRevision) -> None:
        super().__init__("conflict")
        self.current = current
