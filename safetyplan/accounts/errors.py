"""What the account services raise when a rule is not met, or a sign-in is refused."""

from __future__ import annotations

from safetyplan.accounts.messages import MESSAGES, throttled_message
from safetyplan.errors import DomainError


class AccountError(DomainError):
    """A rule about accounts was not met; ``code`` names the message to show."""

    messages = MESSAGES


class SignInRefused(AccountError):
    """The email address and password (``field`` "email"), or the code (``field`` "code"), were not right."""

    def __init__(self, code: str = "refused", *, field: str = "email") -> None:
        super().__init__(code, field=field)


class Throttled(AccountError):
    def __init__(self, minutes: int) -> None:
        super().__init__("throttled")
        self.minutes = minutes

    @property
    def message(self) -> str:
        return throttled_message(self.minutes)


class NotAllowed(AccountError):
    def __init__(self) -> None:
        super().__init__("not_allowed")
