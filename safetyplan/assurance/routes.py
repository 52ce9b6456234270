"""The auditor's workspace: the assurance report, the quality measures as run charts, the document scan, and the
audit trail (whether its chain is whole, and its events: metadata only)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms.validators import InputRequired

from safetyplan.accounts.models import User
from safetyplan.assurance import documents, measures
from safetyplan.assurance.documents import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_FINDINGS, DocumentProblem
from safetyplan.assurance.report import build_report, record_measures_viewed
from safetyplan.assurance.runchart import describe, svg
from safetyplan.assurance.trail import TrailQuery, actions, search_trail, verify_trail
from safetyplan.audit.actions import action_label
from safetyplan.people.services import TeamSummary, list_teams
from safetyplan.roles import Role
from safetyplan.web.access import signed_in
from safetyplan.web.forms import BaseForm, show_error

bp = Blueprint("assurance", __name__, url_prefix="/assurance")

MONTHS = 12


class ScanForm(BaseForm):
    document = FileField(validators=[InputRequired(_l("Select a file to scan"))])


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/")
@signed_in(Role.AUDITOR)
def report() -> str:
    """Stratification language found in plans, by team, month, category and author; the schema check."""
    found = build_report(by=_me(), months=MONTHS)
    return render_template(
        "assurance/report.html",
        report=found,
        trend_chart=svg(
            found.trend,
            title=_l("Findings each month"),
            value_label=_l("Findings"),
            percent=False,
            chart_id="findings-trend",
        ),
        trend_words=describe(found.trend, percent=False),
    )


def _team_choice() -> tuple[uuid.UUID | None, list[TeamSummary]]:
    teams = list_teams(by=_me())
    wanted = request.args.get("team", "")
    if not wanted:
        return None, teams
    try:
        team_id = uuid.UUID(wanted)
    except ValueError:
        abort(404)
    if team_id not in {team.id for team in teams}:
        abort(404)
    return team_id, teams


@bp.get("/measures")
@signed_in(Role.AUDITOR)
def quality_measures() -> str:
    """Each quality measure for a team (or all teams) by month, as a run chart with a data table beside it."""
    team_id, teams = _team_choice()
    months = measures.month_range(date.today(), MONTHS)
    found = measures.series(team_id=team_id, months=months)
    record_measures_viewed(by=_me(), team_id=team_id)
    charts = {
        key: (
            svg(
                one.points,
                title=str(measures.MEASURES[key]),
                value_label=str(measures.MEASURES[key]),
                percent=key != "declined",
                chart_id=f"chart-{key}",
            ),
            describe(one.points, percent=key != "declined"),
        )
        for key, one in found.items()
    }
    return render_template(
        "assurance/measures.html", series=found, charts=charts, teams=teams, team_id=team_id, titles=measures.MEASURES
    )


@bp.get("/measures.csv")
@signed_in(Role.AUDITOR)
def measures_csv() -> Response:
    """The measures as CSV: one row per team, measure and month."""
    team_id, teams = _team_choice()
    months = measures.month_range(date.today(), MONTHS)
    chosen = [team for team in teams if team_id is None or team.id == team_id]
    every = [one for team in chosen for one in measures.series(team_id=team.id, months=months).values()]
    if team_id is None:  # the page's figures for every team together, then each team's
        every = [*measures.series(team_id=None, months=months).values(), *every]
    record_measures_viewed(by=_me(), team_id=team_id, download=True)
    return Response(
        measures.to_csv(every),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="quality-measures.csv"'},
    )


@bp.route("/scan", methods=["GET", "POST"])
@signed_in(Role.AUDITOR)
def scan() -> ResponseReturnValue:
    """Scan an export from another record system for risk-stratification language. Nothing is kept."""
    form = ScanForm()
    results = None
    file_name = ""
    status = 200
    if form.validate_on_submit():
        upload = form.document.data
        file_name = _shown_name(upload.filename or "")
        kind = documents.kind_of(upload.filename or "")
        try:
            data = upload.stream.read(MAX_DOCUMENT_BYTES + 1)
        finally:
            upload.close()  # the upload is read once, here, and kept nowhere
        try:
            if kind is None:
                raise DocumentProblem("kind")
            results = documents.scan_document(by=_me(), data=data, kind=kind)
        except DocumentProblem as problem:
            show_error(form, problem)
            status = 400
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "assurance/scan.html",
            form=form,
            results=results,
            file_name=file_name,
            max_findings=MAX_DOCUMENT_FINDINGS,
        ),
        status,
    )


def _shown_name(uploaded: str) -> str:
    """The file's own name (no folders a browser may send), short enough for a heading. Shown, never kept."""
    name = uploaded.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name if len(name) <= 100 else f"{name[:97]}..."


# The audit trail ----------------------------------------------------------------------------------------------

trail = Blueprint("audit_trail", __name__, url_prefix="/audit")

OUTCOMES = {"allowed": _l("Allowed"), "denied": _l("Refused"), "failed": _l("Failed")}
#: The kind of grounds, without the ids after the colon (a team's id means nothing to a reader here).
GROUNDS = {
    "team": _l("Team caseload"),
    "self": _l("Their own record"),
    "sharing": _l("Shared by the person"),
    "carer": _l("Shared by the person"),
    "invitation": _l("An invitation"),
    "identity": _l("Signed in with an NHS identity service"),
    "role": _l("Their role"),
    "command_line": _l("Command line"),
    "none": _l("None"),
}


def outcome_label(outcome: str) -> str:
    return str(OUTCOMES.get(outcome, outcome))


def grounds_label(grounds: str) -> str:
    kind, _, ref = grounds.partition(":")
    label = str(GROUNDS.get(kind, kind))
    # What the service said of the sign-in (its own codes: acr, amr, or why it was refused) is the point here.
    return f"{label} ({ref})" if kind == "identity" and ref else label


@trail.app_context_processor
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


@trail.route("/", methods=["GET", "POST"])
@signed_in(Role.AUDITOR)
def overview() -> str:
    """Chain verification, and the events matching a search by user, person reference, action and date (the
    latest events when nothing is searched for), 50 to a page: who did what, when, on what grounds; never content.

    A search is sent as a form (POST), never in the address: a user's email address in a URL would reach access logs
    and browser history. Opening the page (GET) shows the latest events, and pages back through them.
    """
    by = current_user._get_current_object()
    sent = request.form if request.method == "POST" else {}
    query = TrailQuery(
        email=sent.get("email", "")[:254],
        reference=sent.get("reference", "")[:40],
        action=sent.get("action", "")[:64],
        since=_date(sent.get("since", "")),
        until=_date(sent.get("until", "")),
    )
    older_than = _older_than(sent.get("older_than") if sent else request.args.get("older_than"))
    bad_dates = [name for name in ("since", "until") if sent.get(name, "").strip() and _date(sent[name]) is None]
    found = search_trail(by=by, query=query, older_than=older_than)
    return render_template(
        "audit/overview.html",
        verification=verify_trail(by=by),
        rows=found.rows,
        next_page=found.older_than,
        paged=older_than is not None,
        query=query,
        raw_dates={name: sent.get(name, "") for name in ("since", "until")},
        actions=actions(by=by),
        searched=any(sent.get(name) for name in ("email", "reference", "action", "since", "until")),
        bad_dates=bad_dates,
    )
