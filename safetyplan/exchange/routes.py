"""FHIR pages: a plan as a FHIR document for its clinicians, and the Questionnaire each registry version answers."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from safetyplan.errors import NotFound
from safetyplan.exchange.export import export_fhir
from safetyplan.exchange.pdf import Pdf, carer_pdf, plan_pdf
from safetyplan.exchange.questionnaires import questionnaire
from safetyplan.roles import Role
from safetyplan.web.access import public, signed_in

bp = Blueprint("exchange", __name__)

FHIR_JSON = "application/fhir+json"
#: Revision numbers are small; anything outside this is not one.
MAX_NUMBER = 2**31 - 1


def _fhir(resource: object, *, filename: str | None = None) -> Response:
    response = Response(json.dumps(resource, ensure_ascii=False, indent=2), mimetype=FHIR_JSON)
    if filename:
        # No personal data in the name: the file says what it is, not whose it is.
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/people/<uuid:person_id>/plan/fhir")
@signed_in(Role.CLINICIAN)
def plan_fhir(person_id: uuid.UUID) -> Response:
    """The plan (its newest revision, or ``?revision=N``) as a FHIR R4 document, to send to another service."""
    wanted = request.args.get("revision")
    if wanted is not None and not (wanted.isascii() and wanted.isdigit() and 0 < int(wanted) <= MAX_NUMBER):
        abort(400)
    try:
        exported = export_fhir(
            by=current_user._get_current_object(), person_id=person_id, number=int(wanted) if wanted else None
        )
    except NotFound:
        abort(404)
    return _fhir(exported.bundle, filename=f"safety-plan-revision-{exported.revision_number}.fhir.json")


@bp.get("/people/<uuid:person_id>/plan.pdf")
@signed_in(Role.CLINICIAN, Role.PERSON)
def plan_as_pdf(person_id: uuid.UUID) -> Response:
    """The current plan as a PDF: for the person's clinicians, and for the person to keep."""
    try:
        made = plan_pdf(by=current_user._get_current_object(), person_id=person_id)
    except NotFound:
        abort(404)
    return _pdf(made)


@bp.get("/shared/<uuid:person_id>/plan.pdf")
@signed_in(Role.CARER)
def shared_plan_as_pdf(person_id: uuid.UUID) -> Response:
    """The parts of the plan the person shares with you, as a PDF."""
    try:
        made = carer_pdf(by=current_user._get_current_object(), person_id=person_id)
    except NotFound:
        abort(404)
    return _pdf(made)


def _pdf(made: Pdf) -> Response:
    response = Response(made.data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@bp.get("/fhir/Questionnaire/safety-plan-v<int:version>")
@public
def plan_questionnaire(version: int) -> Response:
    """The questions a plan of registry ``version`` answers: public, as it holds no one's data."""
    try:
        return _fhir(questionnaire(version))
    except KeyError:
        abort(404)
