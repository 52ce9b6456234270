"""What each plan rule says when it is not met: the one catalogue of PlanError's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "reason": _l("Select why the plan is being written or reviewed"),
    "review_date_past": _l("Enter a review date in the future"),
    "already_decided": _l("This suggestion was already answered."),
    "withdrawn": _l("You had already taken that back."),
    "no_plan": _l("There is no plan to add to yet. You can add to it once it is written."),
    "section": _l("Select the part of your plan you want to change"),
    "words": _l("Write what you disagree with, in your own words"),
    "base": _l("Sorry, there is a problem with your request"),
}
