"""The auditor's view of the audit trail: whether the chain is whole, and recent events (metadata only)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from safetyplan.audit import services
from safetyplan.web.access import signed_in

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")

OUTCOMES = {"allowed": _l("Allowed"), "denied": _l("Refused"), "failed": _l("Failed")}
#: The kind of grounds, without the ids after the colon (a team's id means nothing to a reader here).
GROUNDS = {
    "team": _l("Team caseload"),
    "self": _l("Their own record"),
    "sharing": _l("Shared by the person"),
    "role": _l("Their role"),
    "command_line": _l("Command line"),
    "none": _l("None"),
}


def outcome_label(outcome: str) -> str:
    return str(OUTCOMES.get(outcome, outcome))


def grounds_label(grounds: str) -> str:
    kind = grounds.split(":")[0]
    return str(GROUNDS.get(kind, kind))


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"outcome_label": outcome_label, "grounds_label": grounds_label}


@bp.get("/")
@signed_in("auditor")
def overview() -> str:
    """Chain verification and the latest events: who did what, when, on what grounds; never content."""
    by = current_user._get_current_object()
    return render_template(
        "audit/overview.html", verification=services.verify(), events=services.recent_events(by=by, limit=50)
    )
