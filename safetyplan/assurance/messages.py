"""What each assurance rule says when it is not met: the one catalogue of DocumentProblem's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "empty": _l("The selected file is empty"),
    "too_large": _l("The selected file must be smaller than 2 MB"),
    "binary": _l("The selected file is not text. Upload a text, CSV or HTML export"),
    "encoding": _l("The selected file could not be read. Save it as UTF-8 text, then upload it again"),
    "csv": _l("The selected file is not a readable CSV file"),
    "kind": _l("The selected file must be a text (.txt), CSV (.csv) or HTML (.html) file"),
}
