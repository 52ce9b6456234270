"""Sharing pages: who is involved and what each sees (for the person and their clinicians), invitations, the
carer's view and contributions, and who has looked at a plan."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts.login import SIGNED_IN_WITH, complete_sign_in
from safetyplan.accounts.models import User
from safetyplan.accounts.passwords import PasswordProblem
from safetyplan.config import current_settings
from safetyplan.errors import NotFound
from safetyplan.people.models import Person
from safetyplan.plans import contacts
from safetyplan.plans.sections import CURRENT_VERSION, sections
from safetyplan.roles import Role
from safetyplan.sharing import carers, consent, invitations, involvement, transparency
from safetyplan.sharing.carers import CARERS_SECTION, CarerView
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.forms import (
    ActionForm,
    CarerSuggestionForm,
    ConversationForm,
    InvitationAccountForm,
    InvitationForm,
    InvolvedForm,
    RecordedSectionsForm,
    SectionsForm,
)
from safetyplan.sharing.involvement import InvolvedDetails
from safetyplan.sharing.models import InvolvedPerson
from safetyplan.web.access import public, signed_in
from safetyplan.web.forms import redisplays_on_refused_token, show_error
from safetyplan.web.locale import current_language

bp = Blueprint("sharing", __name__)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _person(person_id: uuid.UUID) -> Person:
    """The person's record, for someone who manages their sharing (the person, or a clinician of their team)."""
    try:
        return involvement.managed_person(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)


def _involved(person_id: uuid.UUID, involved_id: uuid.UUID) -> InvolvedPerson:
    try:
        return involvement.get_involved(by=_me(), person_id=person_id, involved_id=involved_id)
    except NotFound:
        abort(404)


def _overview(person_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for("sharing.overview", person_id=person_id))


@bp.get("/people/<uuid:person_id>/sharing")
@signed_in(Role.CLINICIAN, Role.PERSON)
def overview(person_id: uuid.UUID) -> str:
    """Who can see the plan: the care teams, and each person involved with what they see."""
    person = _person(person_id)
    return render_template(
        "sharing/overview.html",
        person=person,
        visibility=transparency.who_can_see(by=_me(), person_id=person_id),
        conversations=involvement.conversations(by=_me(), person_id=person_id),
        action_form=ActionForm(formdata=None),
        own=_me().role == Role.PERSON,
    )


@bp.route("/people/<uuid:person_id>/involved/new", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN, Role.PERSON)
@redisplays_on_refused_token
def add_involved(person_id: uuid.UUID) -> ResponseReturnValue:
    """Add someone the person wants involved: family, a friend, a carer or an advocate."""
    person = _person(person_id)
    form = InvolvedForm()
    if form.validate_on_submit():
        involvement.add_involved(
            by=_me(),
            person_id=person_id,
            details=InvolvedDetails(
                name=form.name.data or "",
                kind=form.kind.data or "",
                relationship=form.relationship.data,
                phone=form.phone.data,
                email=form.email.data,
            ),
        )
        flash(_("%(name)s added. Nothing is shared with them until you choose what they can see.", name=form.name.data))
        return _overview(person_id)
    return render_template("sharing/add_involved.html", person=person, form=form, own=_me().role == Role.PERSON)


@bp.route("/people/<uuid:person_id>/involved/<uuid:involved_id>/sections", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN, Role.PERSON)
@redisplays_on_refused_token
def choose_sections(person_id: uuid.UUID, involved_id: uuid.UUID) -> ResponseReturnValue:
    """Choose which parts of the plan they see. A clinician records the person's decision and its date."""
    person = _person(person_id)
    involved = _involved(person_id, involved_id)
    own = _me().role == Role.PERSON
    keys = [part.key for part in sections(CURRENT_VERSION)]
    form_class = SectionsForm if own else RecordedSectionsForm
    form = form_class(keys=keys)
    choice = consent.current_choice(by=_me(), person_id=person_id, involved_id=involved_id)
    first_time = choice is None
    if request.method == "GET":
        form.sections.data = sorted(consent.suggested_sections() if first_time else choice.section_keys)  # type: ignore[union-attr]
    if form.validate_on_submit():
        chosen = set(form.sections.data or [])
        consent.choose_sections(
            by=_me(),
            person_id=person_id,
            involved_id=involved_id,
            keys=chosen,
            decided_on=None if own else form.decided_on.data,
        )
        if chosen:
            flash(_("Saved. %(name)s can see the parts you chose from their next visit.", name=involved.name))
        else:
            flash(_("Saved. %(name)s cannot see any of the plan now.", name=involved.name))
        return _overview(person_id)
    return render_template(
        "sharing/sections.html",
        person=person,
        involved=involved,
        form=form,
        own=own,
        first_time=first_time,
        history=consent.choices_for(by=_me(), person_id=person_id, involved_id=involved_id),
    )


@bp.post("/people/<uuid:person_id>/involved/<uuid:involved_id>/invite")
@signed_in(Role.CLINICIAN, Role.PERSON)
def invite(person_id: uuid.UUID, involved_id: uuid.UUID) -> ResponseReturnValue:
    """Send them a single-use link to create a carer account."""
    if not ActionForm().validate_on_submit():
        abort(400)
    involved = _involved(person_id, involved_id)
    try:
        invitations.invite(by=_me(), person_id=person_id, involved_id=involved_id, base_url=current_settings().base_url)
    except SharingError as error:
        flash(error.message)
        return _overview(person_id)
    flash(_("Invitation sent to %(email)s. It works once, for 7 days.", email=involved.email))
    return _overview(person_id)


@bp.post("/people/<uuid:person_id>/involved/<uuid:involved_id>/confirm")
@signed_in(Role.CLINICIAN, Role.PERSON)
def confirm(person_id: uuid.UUID, involved_id: uuid.UUID) -> ResponseReturnValue:
    """Confirm that the account that accepted the invitation is the one meant."""
    if not ActionForm().validate_on_submit():
        abort(400)
    involved = _involved(person_id, involved_id)
    try:
        invitations.confirm_link(by=_me(), person_id=person_id, involved_id=involved_id)
    except SharingError as error:
        flash(error.message)
        return _overview(person_id)
    flash(_("Confirmed. %(name)s can now see the parts of the plan chosen for them.", name=involved.name))
    return _overview(person_id)


@bp.post("/people/<uuid:person_id>/involved/<uuid:involved_id>/unlink")
@signed_in(Role.CLINICIAN, Role.PERSON)
def unlink(person_id: uuid.UUID, involved_id: uuid.UUID) -> ResponseReturnValue:
    """The account that accepted the invitation is not who was meant: undo the link."""
    if not ActionForm().validate_on_submit():
        abort(400)
    involved = _involved(person_id, involved_id)
    try:
        invitations.unlink(by=_me(), person_id=person_id, involved_id=involved_id)
    except SharingError as error:
        flash(error.message)
        return _overview(person_id)
    flash(_("Done. That account cannot see anything. You can send %(name)s a new invitation.", name=involved.name))
    return _overview(person_id)


@bp.route("/people/<uuid:person_id>/involved/<uuid:involved_id>/remove", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN, Role.PERSON)
def remove(person_id: uuid.UUID, involved_id: uuid.UUID) -> ResponseReturnValue:
    """Stop involving someone: they lose sight of the plan at once."""
    person = _person(person_id)
    involved = _involved(person_id, involved_id)
    form = ActionForm()
    if form.validate_on_submit():
        involvement.remove_involved(by=_me(), person_id=person_id, involved_id=involved_id)
        flash(_("%(name)s is no longer involved and cannot see any of the plan.", name=involved.name))
        return _overview(person_id)
    return render_template(
        "sharing/remove.html", person=person, involved=involved, form=form, own=_me().role == Role.PERSON
    )


@bp.route("/people/<uuid:person_id>/involvement-conversations/new", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN)
@redisplays_on_refused_token
def record_conversation(person_id: uuid.UUID) -> ResponseReturnValue:
    """Record a conversation about who the person wants involved and the limits of confidentiality."""
    person = _person(person_id)
    form = ConversationForm()
    if form.validate_on_submit():
        involvement.record_conversation(
            by=_me(),
            person_id=person_id,
            held_on=form.held_on.data,
            agreed=form.agreed.data or "",
            own_words=bool(form.own_words.data),
        )
        flash(_("Conversation recorded."))
        return _overview(person_id)
    return render_template("sharing/conversation.html", person=person, form=form)


@bp.get("/my-plan/who-has-looked")
@signed_in(Role.PERSON)
def who_has_looked() -> str:
    """Who has looked at your plan and your record, from the audit trail."""
    me = _me()
    if me.person_id is None:
        abort(404)
    return render_template("sharing/looked.html", days=transparency.who_has_looked(by=me, person_id=me.person_id))


# Invitations -----------------------------------------------------------------------------------------------------


@bp.route("/invitation", methods=["GET", "POST"])
@public
@redisplays_on_refused_token
def invitation() -> ResponseReturnValue:
    """Accept an invitation: make a carer account (or use the one you are signed in to)."""
    me = _me() if current_user.is_authenticated else None
    if me is not None and me.role != Role.CARER:
        invitations.refuse_wrong_account(by=me)
        return render_template("sharing/invitation_wrong_account.html"), 403
    form = InvitationForm() if me is not None else InvitationAccountForm()
    if form.validate_on_submit():
        token = (form.token.data or "").strip()
        try:
            if me is not None:
                invitations.accept_invitation(token=token, by=me)
            else:
                assert isinstance(form, InvitationAccountForm)
                user = invitations.create_carer_account(
                    token=token,
                    email=form.email.data or "",
                    name=form.name.data or "",
                    password=form.password.data or "",
                    language=current_language(),
                )
                complete_sign_in(by=user)
        except SharingError as error:
            if error.code == "invitation_invalid":
                return render_template("sharing/invitation_invalid.html"), 410
            if error.code == "already_linked":
                flash(_("You are already linked to this person."))
                return redirect(url_for("sharing.shared_home"))
            if error.code == "wrong_account":
                return render_template("sharing/invitation_wrong_account.html"), 403
            show_error(form, error)
        except PasswordProblem as problem:
            show_error(form, problem)
        else:
            flash(_("Invitation accepted. You will see what is shared with you once the link is confirmed."))
            return redirect(url_for("sharing.shared_home", welcome=1))
    return render_template("sharing/invitation.html", form=form, signed_in_as=me)


# The carer's side ------------------------------------------------------------------------------------------------


@bp.get("/shared")
@signed_in(Role.CARER)
def shared_home() -> str:
    """The people who share parts of their plan with you."""
    return render_template(
        "sharing/carer_home.html",
        links=carers.carer_links(by=_me()),
        welcome=request.args.get("welcome") == "1",
        # Signed in through NHS login, whose own sign-in stands in for the authenticator app: none is offered.
        has_second_factor=_me().has_second_factor or session.get(SIGNED_IN_WITH) is not None,
    )


def _carer_view(person_id: uuid.UUID, action: str = "plan.viewed") -> CarerView:
    try:
        return carers.carer_view(by=_me(), person_id=person_id, action=action)
    except NotFound:
        abort(404)


def _carer_context(view: CarerView) -> dict[str, object]:
    return {
        "view": view,
        "revision": view.revision,
        "crisis_contacts": contacts.crisis_contacts(by=_me()),
        "team_phones": view.team_phones,
    }


@bp.get("/shared/<uuid:person_id>")
@signed_in(Role.CARER)
def shared_plan(person_id: uuid.UUID) -> str:
    """The sections the person shares with you, from the plan they agreed with."""
    view = _carer_view(person_id)
    return render_template(
        "sharing/carer_plan.html",
        **_carer_context(view),
        suggestions=carers.carer_suggestions(by=_me(), person_id=person_id),
    )


@bp.get("/shared/<uuid:person_id>/print")
@signed_in(Role.CARER)
def shared_print(person_id: uuid.UUID) -> str:
    view = _carer_view(person_id, action="plan.printed")
    if view.revision is None:
        abort(404)
    return render_template("sharing/carer_print.html", **_carer_context(view))


@bp.route("/shared/<uuid:person_id>/suggest", methods=["GET", "POST"])
@signed_in(Role.CARER)
@redisplays_on_refused_token
def shared_suggest(person_id: uuid.UUID) -> ResponseReturnValue:
    """Add what you will do to help, or suggest a change to a part shared with you; the person decides."""
    try:
        keys = carers.carer_sections(by=_me(), person_id=person_id)
    except NotFound:
        abort(404)
    view = _carer_view(person_id, action="plan.suggestion_opened")
    form = CarerSuggestionForm(keys=keys, section=request.args.get("section") or CARERS_SECTION)
    if form.validate_on_submit():
        try:
            carers.carer_suggest(
                by=_me(), person_id=person_id, section_key=form.section.data or "", text=form.text.data or ""
            )
        except SharingError as error:
            if error.code != "no_plan":
                abort(400)
            show_error(form, error)
        else:
            flash(_("Thank you. %(name)s will see what you wrote and decide whether to add it.", name=view.name))
            return redirect(url_for("sharing.shared_plan", person_id=person_id))
    return render_template("sharing/carer_suggest.html", form=form, view=view)


@bp.get("/shared/crisis")
@signed_in(Role.CARER)
def crisis_help() -> str:
    """How to help someone in a crisis, in plain words, with the numbers to call."""
    return render_template("sharing/crisis_help.html", crisis_contacts=contacts.crisis_contacts(by=_me()))
