"""The auditor's view of the audit trail: whether the chain is whole, and recent events (metadata only)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from safetyplan.audit import services
from safetyplan.audit.actions import action_label
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
    return {"outcome_label": outcome_label, "grounds_label": grounds_label, "action_label": action_label}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _older_than(value: str | None) -> int | None:
    """Where a page of the trail starts (an event's position in the chain), or None for the newest."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@bp.route("/", methods=["GET", "POST"])
@signed_in("auditor")
def overview() -> str:
    """Chain verification, and the events matching a search by user, person reference, action and date (the
    latest events when nothing is searched for), 50 to a page: who did what, when, on what grounds; never content.

    A search is sent as a form (POST), never in the address: a user's email address in a URL would reach access logs
    and browser history. Opening the page (GET) shows the latest events, and pages back through them.
    """
    from safetyplan.assurance import services as assurance

    by = current_user._get_current_object()
    sent = request.form if request.method == "POST" else {}
    query = assurance.TrailQuery(
        email=sent.get("email", "")[:254],
        reference=sent.get("reference", "")[:40],
        action=sent.get("action", "")[:64],
        since=_date(sent.get("since", "")),
        until=_date(sent.get("until", "")),
    )
    older_than = _older_than(sent.get("older_than") if sent else request.args.get("older_than"))
    bad_dates = [name for name in ("since", "until") if sent.get(name, "").strip() and _date(sent[name]) is None]
    found = assurance.search_trail(by=by, query=query, older_than=older_than)
    return render_template(
        "audit/overview.html",
        verification=services.verify(),
        rows=found.rows,
        next_page=found.older_than,
        paged=older_than is not None,
        query=query,
        raw_dates={name: sent.get(name, "") for name in ("since", "until")},
        actions=assurance.actions(),
        searched=any(sent.get(name) for name in ("email", "reference", "action", "since", "until")),
        bad_dates=bad_dates,
    )
