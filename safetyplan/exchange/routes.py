"""Plans leaving and arriving: a plan as a FHIR document or a PDF, the Questionnaire each registry version answers,
the page where a clinician imports a plan received on transfer, and the page that sends one to the GP practice or
the team taking over, at discharge or on transfer."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired

from safetyplan.accounts.models import User
from safetyplan.accounts.teams import teams_of
from safetyplan.errors import NotFound
from safetyplan.exchange.crisis import crisis_view_page
from safetyplan.exchange.deliveries import not_yet_sent
from safetyplan.exchange.everything import everything_for_me
from safetyplan.exchange.export import export_fhir
from safetyplan.exchange.imports import import_fhir
from safetyplan.exchange.messages import REFUSALS
from safetyplan.exchange.pdf import Pdf, carer_pdf, plan_pdf
from safetyplan.exchange.questionnaires import questionnaire
from safetyplan.exchange.reading import MAX_BYTES, ImportRefused
from safetyplan.exchange.sending import (
    MAX_NAME,
    OFFERED_REASONS,
    RECIPIENT_KINDS,
    Queued,
    Recipient,
    SendingError,
    SendPage,
)
from safetyplan.exchange.sending import send_page as sending_page
from safetyplan.exchange.sending import send_plan as queue_plan
from safetyplan.plans.sections import CURRENT_VERSION, section, sections
from safetyplan.roles import Role
from safetyplan.sharing.crisis_view import SUGGESTED, choose_crisis_view
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.forms import RecordedSectionsForm, SectionsForm
from safetyplan.web.access import public, signed_in
from safetyplan.web.forms import BaseForm, limit, options, redisplays_on_refused_token, show_error
from safetyplan.web.uploads import takes_files_up_to

bp = Blueprint("exchange", __name__)

FHIR_JSON = "application/fhir+json"
#: The form around a file of the largest size allowed (its other fields and the multipart framing).
FORM_OVERHEAD = 64 * 1024
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


class ImportForm(BaseForm):
    team = SelectField(validate_choice=True, validators=[InputRequired(_l("Select the team receiving the plan"))])
    file = FileField(validators=[InputRequired(_l("Select a file to import"))])


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/plans/import", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
@takes_files_up_to(MAX_BYTES + FORM_OVERHEAD)
def import_plan() -> ResponseReturnValue:
    """Import a plan received on transfer (a FHIR document): the report says what was taken and what refused."""
    form = ImportForm()
    form.team.choices = [(str(team.id), team.name) for team in teams_of(by=_me())]
    report, status = None, 200
    details: tuple[str, ...] = ()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.stream.read(MAX_BYTES + 1)
        finally:
            upload.close()  # read once, here: only what the import stores is kept
        try:
            report = import_fhir(by=_me(), team_id=uuid.UUID(form.team.data), data=data)
        except ImportRefused as refused:
            if refused.code == "not_allowed":
                abort(403)
            show_error(form, refused)
            details, status = refused.details, 400
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "exchange/import.html",
            form=form,
            report=report,
            details=details,
            refusals=REFUSALS,
            section=section,
        ),
        status,
    )


@bp.route("/people/<uuid:person_id>/crisis-view", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN, Role.PERSON)
@redisplays_on_refused_token
def crisis_view(person_id: uuid.UUID) -> ResponseReturnValue:
    """Choose what urgent care can see. A clinician records the conversation first; then the person may change it."""
    try:
        page = crisis_view_page(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)
    own = _me().role == Role.PERSON
    keys = [part.key for part in sections(CURRENT_VERSION)]
    form = SectionsForm(keys=keys) if own else RecordedSectionsForm(keys=keys)
    latest = page.choices[0] if page.choices else None
    if request.method == "GET":
        form.sections.data = sorted(latest.section_keys if latest else SUGGESTED)
    status = 200
    if (not own or page.talked) and form.validate_on_submit():
        chosen = set(form.sections.data or [])
        try:
            choose_crisis_view(
                by=_me(), person_id=person_id, keys=chosen, decided_on=None if own else form.decided_on.data
            )
        except SharingError as error:
            show_error(form, error)
            status = 400
        else:
            if chosen:
                flash(_("Saved. Urgent care can see the parts chosen, from the newest plan agreed."))
            else:
                flash(_("Saved. Urgent care cannot see any of the plan now."))
            return redirect(url_for("exchange.crisis_view", person_id=person_id))
    elif request.method == "POST":
        status = 400
    return render_template("exchange/crisis_view.html", page=page, form=form, own=own), status


class SendForm(BaseForm):
    kind = RadioField(validators=[InputRequired(_l("Select who you are sending the plan to"))])
    name = StringField(validators=[InputRequired(_l("Enter the name of the GP practice or team")), limit(MAX_NAME)])
    ods_code = StringField(validators=[InputRequired(_l("Enter the organisation's ODS code")), limit(20)])
    number = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = options(list(RECIPIENT_KINDS.items()))


@bp.route("/people/<uuid:person_id>/plan/send", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
@redisplays_on_refused_token
def send_plan(person_id: uuid.UUID) -> ResponseReturnValue:
    """Send the plan (PDF and FHIR) to the person's GP practice or the team taking over: offered after a review
    recorded at discharge or on transfer, and open from the plan page at any time."""
    try:
        page = sending_page(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)
    if page.revision is None:
        abort(404)  # no plan yet: nothing to send
    newest = page.revision.number
    form = SendForm()
    if request.method == "GET":
        form.number.data = str(newest)
        form.kind.data = "gp" if page.revision.reason == "discharge" else None
    number = form.number.data or ""
    if not (number.isascii() and number.isdigit() and 0 < int(number) <= MAX_NUMBER):
        abort(400)
    status = 200
    if form.validate_on_submit():
        try:
            recipient = Recipient(form.kind.data or "", form.name.data or "", form.ods_code.data or "")
            queued = queue_plan(by=_me(), person_id=person_id, number=int(number), recipient=recipient)
        except SendingError as error:
            show_error(form, error)
            status = 400
            if error.code == "newer":
                # Saved in another tab since this page opened: nothing sent until the clinician has looked at it.
                form.number.data, status = str(newest), 409
        except NotFound:
            abort(404)
        else:
            flash(_sent_message(queued))
            return redirect(url_for("plans.plan", person_id=person_id))
    elif request.method == "POST":
        status = 400
    return _send_page(page, form, status=status)


def _sent_message(queued: Queued) -> str:
    sent, name = queued.sent, queued.sent.recipient.name
    if not queued.already:
        return str(
            _(
                "Revision %(number)d is on its way to %(name)s. It usually goes within a few minutes.",
                number=sent.revision_number,
                name=name,
            )
        )
    if sent.sent_at is None:
        return str(
            _("Revision %(number)d is already waiting to go to %(name)s.", number=sent.revision_number, name=name)
        )
    return str(
        _(
            "Revision %(number)d was already sent to %(name)s on %(date)s.",
            number=sent.revision_number,
            name=name,
            date=format_date(sent.sent_at, "d MMMM yyyy"),
        )
    )


def _send_page(page: SendPage, form: SendForm, *, status: int) -> ResponseReturnValue:
    assert page.revision is not None
    return (
        render_template(
            "exchange/send.html",
            page=page,
            form=form,
            offered=page.revision.reason in OFFERED_REASONS,
            kinds=RECIPIENT_KINDS,
        ),
        status,
    )


@bp.get("/admin/deliveries")
@signed_in(Role.ADMIN)
def deliveries() -> str:
    """Documents waiting to leave (crisis-view pointers): what is stuck, and why, without anyone's details."""
    return render_template("exchange/deliveries.html", rows=not_yet_sent(by=_me()))


@bp.get("/my-plan/everything.zip")
@signed_in(Role.PERSON)
def everything() -> Response:
    """Everything held about me, as one zip file (the right of access)."""
    try:
        made = everything_for_me(by=_me())
    except NotFound:
        abort(404)
    response = Response(made.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response
