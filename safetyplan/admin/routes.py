"""The admin pages: every account and team, making them, and putting people on a team's caseload."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import User
from safetyplan.accounts.teams import add_team_member, create_team, get_team, team_members
from safetyplan.accounts.users import list_users
from safetyplan.admin.accounts import NewAccount, add_account
from safetyplan.admin.forms import AddMemberForm, AddTeamForm, AddToCaseloadForm, AddUserForm
from safetyplan.config import current_settings
from safetyplan.people import services as people
from safetyplan.people.messages import NO_SUCH_PERSON
from safetyplan.people.services import PersonError
from safetyplan.roles import Role
from safetyplan.web.access import signed_in
from safetyplan.web.forms import add_error, options, redisplays_on_refused_token, show_error

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/users")
@signed_in(Role.ADMIN)
def users() -> str:
    """Every account, with its role."""
    return render_template("admin/users.html", users=list_users(by=current_user._get_current_object()))


@bp.route("/users/new", methods=["GET", "POST"])
@signed_in(Role.ADMIN)
@redisplays_on_refused_token
def add_user() -> ResponseReturnValue:
    """Make an account and send its set-password link."""
    by = current_user._get_current_object()
    teams = people.list_teams(by=_me())
    form = AddUserForm(team_choices=[(str(team.id), team.name) for team in teams])
    if form.validate_on_submit():
        account = NewAccount(
            email=form.email.data or "",
            display_name=form.display_name.data or "",
            role=form.role.data or "",
            language=form.language.data or "en",
            team_id=uuid.UUID(form.team.data) if form.team.data else None,
            person_nhs_number=form.person_nhs_number.data,
        )
        try:
            user = add_account(by=by, account=account, base_url=current_settings().base_url)
        except (AccountError, PersonError) as error:
            show_error(form, error)
        else:
            flash(_("Account made. We have sent a link to set a password to %(email)s.", email=user.email))
            return redirect(url_for("admin.users"))
    return render_template("admin/add_user.html", form=form)


@bp.get("/teams")
@signed_in(Role.ADMIN)
def teams() -> str:
    """Every team, with how many clinicians and people it has."""
    return render_template("admin/teams.html", teams=people.list_teams(by=_me()))


@bp.route("/teams/new", methods=["GET", "POST"])
@signed_in(Role.ADMIN)
@redisplays_on_refused_token
def add_team() -> ResponseReturnValue:
    form = AddTeamForm()
    if form.validate_on_submit():
        try:
            team = create_team(
                by=current_user._get_current_object(), name=form.name.data or "", phone=form.phone.data or None
            )
        except AccountError as error:
            show_error(form, error)
        else:
            flash(_("Team %(name)s made.", name=team.name))
            return redirect(url_for("admin.team", team_id=team.id))
    return render_template("admin/add_team.html", form=form)


def _team_page(team_id: uuid.UUID, member_form: AddMemberForm, caseload_form: AddToCaseloadForm) -> str:
    found = get_team(by=_me(), team_id=team_id)
    if found is None:
        abort(404)
    summary = next(t for t in people.list_teams(by=_me()) if t.id == team_id)
    return render_template(
        "admin/team.html",
        team=found,
        summary=summary,
        members=team_members(by=_me(), team_id=team_id),
        form=member_form,
        caseload_form=caseload_form,
    )


def _clinicians_to_add(by: User, team_id: uuid.UUID) -> list[User]:
    members = {member.id for member in team_members(by=_me(), team_id=team_id)}
    return [user for user in list_users(by=by) if user.role == Role.CLINICIAN and user.id not in members]


@bp.route("/teams/<uuid:team_id>", methods=["GET", "POST"])
@signed_in(Role.ADMIN)
@redisplays_on_refused_token
def team(team_id: uuid.UUID) -> ResponseReturnValue:
    """A team: its clinicians (add one here), and its caseload (add a person already recorded)."""
    by = current_user._get_current_object()
    if get_team(by=_me(), team_id=team_id) is None:
        abort(404)
    candidates = _clinicians_to_add(by, team_id)
    form = AddMemberForm()
    form.clinician.choices = options(
        [("", _("Select a clinician"))] + [(str(u.id), str(u.display_name)) for u in candidates]
    )
    if form.validate_on_submit():
        chosen = next((u for u in candidates if str(u.id) == form.clinician.data), None)
        if chosen is None:
            add_error(form, _("Select a clinician from the list"), field="clinician")
        else:
            try:
                add_team_member(by=by, team_id=team_id, user=chosen)
            except AccountError as error:
                show_error(form, error, fields={"user": "clinician"})
            else:
                flash(_("%(name)s added to the team.", name=chosen.display_name))
                return redirect(url_for("admin.team", team_id=team_id))
    return _team_page(team_id, form, AddToCaseloadForm(formdata=None))


@bp.post("/teams/<uuid:team_id>/caseload")
@signed_in(Role.ADMIN)
@redisplays_on_refused_token
def add_to_caseload(team_id: uuid.UUID) -> ResponseReturnValue:
    """Put a person who is already recorded on this team's caseload too (for example on transfer)."""
    by = current_user._get_current_object()
    if get_team(by=_me(), team_id=team_id) is None:
        abort(404)
    form = AddToCaseloadForm()
    if form.validate_on_submit():
        person = people.find_person_by_nhs_number(by=_me(), nhs_number=form.nhs_number.data or "")
        if person is None:
            add_error(form, str(NO_SUCH_PERSON), field="nhs_number")
        else:
            try:
                people.add_to_caseload(by=by, person_id=person.id, team_id=team_id)
            except people.PersonError as error:
                show_error(form, error, fields={"person_id": "nhs_number"})
            else:
                flash(_("%(name)s added to the caseload.", name=person.name))
                return redirect(url_for("admin.team", team_id=team_id))
    member_form = AddMemberForm(formdata=None)
    member_form.clinician.choices = options(
        [("", _("Select a clinician"))] + [(str(u.id), str(u.display_name)) for u in _clinicians_to_add(by, team_id)]
    )
    return _team_page(team_id, member_form, form)
