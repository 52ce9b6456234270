"""What the sharing services raise when a rule about sharing is not met."""

from __future__ import annotations

from safetyplan.errors import DomainError
from safetyplan.sharing.messages import MESSAGES


class SharingError(DomainError):
    """A rule about sharing was not met; ``code`` names the message to show."""

    messages = MESSAGES
