"""What each rule about people says when it is not met: the one catalogue of PersonError's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

NHS_NUMBER_INVALID = _l("Enter a valid 10-digit NHS number")
NO_SUCH_PERSON = _l("No one with this NHS number is recorded. Add them to a caseload first")

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "nhs_number_invalid": NHS_NUMBER_INVALID,
    "nhs_number_taken": _l("A person with this NHS number is already recorded. Search for them on your caseload"),
    "no_such_person": NO_SUCH_PERSON,
    "already_on_caseload": _l("This person is already on this team's caseload"),
    "sort": _l("Sorry, there is a problem with your request"),
}
