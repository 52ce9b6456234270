"""Pages and files that belong to no domain: the start page, the health check and static files."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    send_from_directory,
)

from safetyplan import health, metrics
from safetyplan.config import current_settings
from safetyplan.web.access import public
from safetyplan.web.templating import NHSUK_ASSETS_DIR, STATIC_DIR, nhsuk_vendor_file

bp = Blueprint("web", __name__)

ONE_YEAR = 365 * 24 * 60 * 60
ONE_DAY = 24 * 60 * 60


@bp.get("/")
@public
def index() -> str:
    """The start page: what SafetyPlan is."""
    return render_template("index.html")


@bp.get("/livez")
@public
def livez() -> tuple[Response, int]:
    """The process is up and answering (no database): for liveness checks, and the baseline of bench/load.py."""
    return jsonify(status="ok"), 200


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """For load balancers and monitoring: the database answers, its schema is the newest, and it can be written."""
    found = health.check()
    if not found.ok:
        current_app.logger.warning("Health check failed: %s (%s)", found.to_json(), found.problem or "no detail")
    return jsonify(found.to_json()), 200 if found.ok else 503


@bp.get("/metrics")
@public
def metrics_page() -> Response:
    """For Prometheus: counts and timings, never anything about a person. Only with the bearer token set in
    SAFETYPLAN_METRICS_TOKEN; without one set, there is no such page."""
    token = current_settings().metrics_token
    if token is None:
        abort(404)
    if not metrics.token_matches(token, request.headers.get("Authorization")):
        return Response("A metrics token is needed.\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = metrics.exposition(current_app.extensions[metrics.READINGS])
    return Response(body, content_type=content_type)


@bp.get("/static/<path:filename>")
@public
def static(filename: str) -> Response:
    """The app's own CSS and JavaScript; URLs carry a fingerprint, so browsers may keep them."""
    return send_from_directory(STATIC_DIR, filename, max_age=ONE_YEAR)


@bp.get("/assets/<path:filename>")
@public
def assets(filename: str) -> Response:
    """The NHS.UK frontend's images and icons, at the path its stylesheet refers to."""
    return send_from_directory(NHSUK_ASSETS_DIR, filename, max_age=ONE_DAY)


@bp.get("/vendor/nhsuk-frontend.<kind>")
@public
def vendor(kind: str) -> Response:
    """The NHS.UK frontend's built stylesheet and script, from the pinned npm package."""
    if kind not in ("css", "js"):
        abort(404)
    return send_file(nhsuk_vendor_file(kind), max_age=ONE_DAY)
