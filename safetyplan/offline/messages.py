"""What the offline copy's pages say when something is refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "name_too_long": _l("The name must be 60 characters or fewer"),
}
