"""The one shape of a domain rule not met, for every package.

A service raises its package's error with a ``code`` and, when the rule is about one input, the ``field``: the
name of the service's parameter (which the form field shares). The package's ``messages.py`` is the one catalogue of
what each code says, in English and Welsh; a route puts the message onto its form with
``safetyplan.web.forms.show_error``. ``tests/unit/test_errors.py`` checks that every code raised has a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

#: What every package says when the account may not do a thing (a route usually answers 403 instead).
SHARED_MESSAGES: Mapping[str, Any] = {
    "not_allowed": _l(
        "Your account does not give you access to this page. If you think it should, ask your team's admin."
    ),
}


class DomainError(Exception):
    #: code -> message (lazily translated). Each package's error class sets its own catalogue.
    messages: ClassVar[Mapping[str, Any]] = SHARED_MESSAGES

    def __init__(self, code: str, *, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field

    @property
    def message(self) -> str:
        """What to tell the user, in the language of the request."""
        return str(self.messages[self.code])


class NotFound(Exception):
    """No such record, or none this user may reach: from outside the two look the same. Every service raises this
    one error for both, after auditing the refusal; a route answers 404."""
