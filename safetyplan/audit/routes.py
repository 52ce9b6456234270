"""The auditor's view of the audit trail: whether the chain is whole, and recent events (metadata only)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
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
    "carer": _l("Shared by the person"),
    "invitation": _l("An invitation"),
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


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip()) if request.args.get(name, "").strip() else None
    except ValueError:
        return None


@bp.get("/")
@signed_in("auditor")
def overview() -> str:
    """Chain verification, and the events matching a search by user, person reference, action and date (the
    latest events when nothing is searched for): who did what, when, on what grounds; never content."""
    from safetyplan.assurance import services as assurance

    by = current_user._get_current_object()
    query = assurance.TrailQuery(
        email=request.args.get("email", "")[:254],
        reference=request.args.get("reference", "")[:40],
        action=request.args.get("action", "")[:64],
        since=_date("since"),
        until=_date("until"),
    )
    bad_dates = [name for name in ("since", "until") if request.args.get(name, "").strip() and _date(name) is None]
    return render_template(
        "audit/overview.html",
        verification=services.verify(),
        rows=assurance.search_trail(by=by, query=query, limit=200),
        query=query,
        actions=assurance.actions(),
        searched=any(request.args.get(name) for name in ("email", "reference", "action", "since", "until")),
        bad_dates=bad_dates,
    )
