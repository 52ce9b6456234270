"""Adding a person, and a person's record."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from safetyplan.accounts.teams import get_team, teams_of
from safetyplan.errors import NotFound
from safetyplan.people import services
from safetyplan.people.forms import PersonForm
from safetyplan.people.identifiers import format_nhs_number, normalise_phone
from safetyplan.roles import Role
from safetyplan.web.access import signed_in
from safetyplan.web.forms import redisplays_on_refused_token, show_error

bp = Blueprint("people", __name__)


@bp.route("/people/new", methods=["GET", "POST"])
@signed_in(Role.CLINICIAN, Role.ADMIN)
@redisplays_on_refused_token
def add_person() -> ResponseReturnValue:
    """Record a person on one of the clinician's teams' caseloads (an admin may choose any team)."""
    by = current_user._get_current_object()
    teams = (
        teams_of(by=by)
        if by.role == Role.CLINICIAN
        else [get_team(by=by, team_id=t.id) for t in services.list_teams(by=by)]
    )
    form = PersonForm(team_choices=[(str(team.id), team.name) for team in teams if team is not None])
    if form.validate_on_submit():
        details = services.PersonDetails(
            name=form.name.data or "",
            preferred_name=form.preferred_name.data,
            pronouns=form.pronouns.data,
            date_of_birth=form.date_of_birth.data,
            nhs_number=form.nhs_number.data,
            phone=normalise_phone(form.phone.data) if form.phone.data else None,
            address=form.address.data,
        )
        try:
            person = services.create_person(by=by, team_id=uuid.UUID(form.team.data), details=details)
        except services.PersonError as error:
            if error.code == "not_allowed":
                abort(403)
            show_error(form, error)
        else:
            flash(_("%(name)s added to the caseload.", name=person.name))
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/add_person.html", form=form)


@bp.get("/people/<uuid:person_id>")
@signed_in(Role.CLINICIAN, Role.ADMIN)
def person(person_id: uuid.UUID) -> str:
    """A person's identifiers and teams (for the teams that hold them, and admins)."""
    try:
        found = services.get_person(by=current_user._get_current_object(), person_id=person_id)
    except NotFound:
        abort(404)
    return render_template(
        "people/person.html",
        person=found,
        nhs_number=format_nhs_number(found.nhs_number) if found.nhs_number else None,
        teams=services.teams_holding(by=current_user._get_current_object(), person_id=person_id),
    )
