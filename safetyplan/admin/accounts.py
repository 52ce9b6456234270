"""Making an account from the admin pages, as one call: the person's record found by NHS number (for a person's own
account), the account made (a clinician joining their team), and its set-password link sent in the new user's
language. Anything refused raises with the field it is about, and nothing is made or sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from safetyplan.accounts.credentials import send_set_password_link
from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import User
from safetyplan.accounts.users import create_user
from safetyplan.people.services import PersonError, find_person_by_nhs_number
from safetyplan.roles import Role


@dataclass(frozen=True)
class NewAccount:
    email: str
    display_name: str
    role: str
    language: str = "en"
    team_id: uuid.UUID | None = None  # the team a clinician joins
    person_nhs_number: str | None = None  # the record a person's own account opens


def add_account(*, by: User, account: NewAccount, base_url: str) -> User:
    """Make the account and email its set-password link. Raises PersonError or AccountError."""
    person_id = None
    if account.role == Role.PERSON:
        person = find_person_by_nhs_number(by=by, nhs_number=account.person_nhs_number or "")
        if person is None:
            raise PersonError("no_such_person", field="person_nhs_number")
        person_id = person.id
    try:
        user = create_user(
            by=by,
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            team_id=account.team_id if account.role == Role.CLINICIAN else None,
            person_id=person_id,
            preferred_language=account.language,
        )
    except AccountError as error:
        if error.field != "person_id":
            raise
        raise AccountError(error.code, field="person_nhs_number") from None
    send_set_password_link(by=by, user=user, base_url=base_url)
    return user
