"""``safetyplan users`` and ``safetyplan teams``: make accounts and teams from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from safetyplan.accounts import credentials
from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import ROLES
from safetyplan.accounts.passwords import PasswordProblem
from safetyplan.accounts.teams import create_team, find_team
from safetyplan.accounts.users import create_user, normalise_email
from safetyplan.config import current_settings
from safetyplan.db import transaction
from safetyplan.people.services import find_person_by_nhs_number
from safetyplan.roles import Role


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="The display name (default: the part of the email before the @).")
@click.option("--team", default=None, help="The team a clinician joins (by name).")
@click.option("--person", "person_nhs_number", default=None, help="For a person's own account: their NHS number.")
@click.option("--language", type=click.Choice(["en", "cy"]), default="en", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of printing a link."
)
@with_appcontext
def users_add(
    email: str,
    role: str,
    name: str | None,
    team: str | None,
    person_nhs_number: str | None,
    language: str,
    password_stdin: bool,
) -> None:
    """Add an account, and print its set-password link (or set the password read from standard input)."""
    with transaction():
        person_id = None
        if role == Role.PERSON:
            person = find_person_by_nhs_number(by=None, nhs_number=person_nhs_number or "")
            if person is None:
                raise click.ClickException("a person's account needs --person with the NHS number of their record")
            person_id = person.id
        team_id = None
        if team:
            found = find_team(team)
            if found is None:
                raise click.ClickException(f"there is no team called {team!r}; add it with 'safetyplan teams add'")
            team_id = found.id
        try:
            user = create_user(
                by=None,
                email=email,
                display_name=name or email.split("@")[0],
                role=role,
                team_id=team_id,
                person_id=person_id,
                preferred_language=language,
            )
            if password_stdin:
                credentials.set_password_directly(user, sys.stdin.readline().rstrip("\n"))
                link = None
            else:
                link = credentials.issue_set_password_link(user, by=None, base_url=current_settings().base_url)
        except AccountError as error:
            messages = {
                "email_taken": "an account with this email address already exists",
                "person_has_account": "this person already has an account",
            }
            raise click.ClickException(messages.get(error.code, error.code)) from None
        except PasswordProblem as problem:
            raise click.ClickException(f"the password was refused ({problem.code.replace('_', ' ')})") from None
    click.echo(f"Added {role} {normalise_email(email)}.")
    if link:
        click.echo(f"Set-password link (works once, for 72 hours): {link}")


@click.group()
def teams() -> None:
    """Manage teams."""


@teams.command("add")
@click.argument("name")
@click.option("--phone", default=None, help="The team's phone number, shown in plans.")
@with_appcontext
def teams_add(name: str, phone: str | None) -> None:
    """Add a team."""
    try:
        with transaction():
            create_team(by=None, name=name, phone=phone)
    except AccountError:
        raise click.ClickException(f"a team called {name!r} already exists") from None
    click.echo(f"Added team {name}.")
