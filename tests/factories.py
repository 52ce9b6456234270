"""Test data made through the real services (so it is encrypted and audited like anything else)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pyotp

from safetyplan.accounts import credentials, second_factor, teams, users
from safetyplan.accounts.models import Team, User
from safetyplan.db import transaction
from safetyplan.people import services as people
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans

PASSWORD = "violet kettle orchard sunrise"


@dataclass
class Account:
    """An account made for a test, with what is needed to sign in as it."""

    id: uuid.UUID
    email: str
    role: str
    totp_secret: str | None
    password: str = PASSWORD


def create_team(name: str = "Test Team", phone: str | None = None) -> Team:
    with transaction():
        return teams.create_team(by=None, name=name, phone=phone)


def create_person(team: Team, name: str = "Test Person", nhs_number: str | None = None, **extra: object) -> Person:
    with transaction():
        return people.create_person(
            by=None,
            team_id=team.id,
            details=people.PersonDetails(
                name=name,
                date_of_birth=extra.pop("date_of_birth", date(1990, 3, 27)),
                nhs_number=nhs_number,
                **extra,  # type: ignore[arg-type]
            ),
        )


def create_account(
    role: str,
    *,
    email: str | None = None,
    name: str | None = None,
    team: Team | None = None,
    person: Person | None = None,
    with_app: bool | None = None,
    language: str = "en",
) -> Account:
    """An account with a password set; staff get an authenticator app unless ``with_app`` is False."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with transaction():
        user = users.create_user(
            by=None,
            email=email,
            display_name=name or f"Test {role.title()}",
            role=role,
            team_id=team.id if team else None,
            person_id=person.id if person else None,
            preferred_language=language,
        )
        credentials.set_password_directly(user, PASSWORD)
        secret = None
        if with_app if with_app is not None else user.needs_second_factor:
            secret = pyotp.random_base32()
            second_factor.enable_totp(by=user, secret=secret, code=pyotp.TOTP(secret).now())
            user.totp_last_step = None
    return Account(id=user.id, email=email, role=role, totp_secret=secret)


def get_user(account: Account) -> User:
    from safetyplan.db import session

    user = session.get(User, account.id, populate_existing=True)
    assert user is not None
    return user


def write_plan(person: Person, clinician: Account, words: str = "Walk by the river", **changes: object) -> int:
    """A plan revision written by ``clinician`` with the person; returns its number."""
    from datetime import timedelta

    from safetyplan.plans import revisions
    from safetyplan.plans.revisions import RevisionInput

    with transaction():
        user = get_user(clinician)
        revision = revisions.save_revision(
            by=user,
            person_id=person.id,
            base_number=unchecked_plans.current_number(person.id),
            revision=RevisionInput(
                **{  # type: ignore[arg-type]
                    "content": {
                        "reasons": {"items": [words]},
                        "people_to_ask": {
                            "contacts": [{"name": "Jo", "relationship": "sister", "phone": "07700 900 123"}]
                        },
                    },
                    "reason": "first_plan",
                    "person_took_part": True,
                    "person_agrees": True,
                    "next_review_on": date.today() + timedelta(days=28),
                    **changes,
                },
            ),
        )
        return revision.number


def link_carer(
    person: Person, carer: Account, *, sections: set[str] | frozenset[str] = frozenset(), by: Account | None = None
) -> uuid.UUID:
    """Involve a carer account with the person through a real invitation, confirmed by the person's clinician
    (``by``), sharing ``sections``; returns the involved person's id."""
    from safetyplan.sharing import consent, invitations, involvement
    from safetyplan.sharing.involvement import InvolvedDetails

    assert by is not None, "a clinician of the person's team confirms the link"
    with transaction():
        clinician = get_user(by)
        involved = involvement.add_involved(
            by=clinician,
            person_id=person.id,
            details=InvolvedDetails(
                name=f"Carer of {person.id.hex[:6]}", kind="carer", email=f"c-{uuid.uuid4().hex[:6]}@example.com"
            ),
        )
        link = invitations.invite(
            by=clinician, person_id=person.id, involved_id=involved.id, base_url="http://localhost"
        )
        invitations.accept_invitation(token=link.split("#", 1)[1], by=get_user(carer))
        invitations.confirm_link(by=clinician, person_id=person.id, involved_id=involved.id)
        if sections:
            consent.choose_sections(
                by=clinician, person_id=person.id, involved_id=involved.id, keys=set(sections), decided_on=date.today()
            )
        return involved.id
