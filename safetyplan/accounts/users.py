"""Accounts: finding them by email address (through a blind index: the address is sealed), making them,
listing them for an admin, and each account's language.

Services take the acting user as ``by=`` (None for the command line) and record their audit event in the same
transaction as the change. They never commit: the request edge (or a command's ``transaction()``) does."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from safetyplan.accounts.access import admin_grounds
from safetyplan.accounts.errors import AccountError, NotAllowed
from safetyplan.accounts.models import (
    ROLES,
    IdentityLink,
    User,
)
from safetyplan.accounts.teams import add_team_member
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow
from safetyplan.roles import Role


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def email_index(email: str) -> bytes:
    return vault().blind_index("email", normalise_email(email))


def find_user_by_email(email: str) -> User | None:
    return session.scalars(select(User).where(User.email_index == email_index(email))).one_or_none()


def get_user(user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def create_user(
    *,
    by: User | None,
    email: str,
    display_name: str,
    role: str,
    team_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    preferred_language: str = "en",
    grounds: Grounds | None = None,
) -> User:
    """Create an account (an admin, or the command line when ``by`` is None; ``grounds`` names another way in,
    such as a carer's invitation). Raises AccountError("email_taken")."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken", field="email")
    if person_id is not None and session.scalars(select(User.id).where(User.person_id == person_id)).first():
        raise AccountError("person_has_account", field="person_id")
    user = User(
        role=role,
        email_index=email_index(email),
        email=normalise_email(email),
        display_name=display_name.strip(),
        preferred_language=preferred_language,
        language_chosen_at=utcnow(),
        person_id=person_id,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    if team_id is not None:
        add_team_member(by=by, team_id=team_id, user=user)
    record(
        "account.created",
        by=by,
        grounds=grounds or admin_grounds(by),
        subject_user_id=user.id,
        person_id=person_id,
    )
    return user


def linked_services(*, by: User) -> frozenset[str]:
    """The NHS identity services ("nhs_login", "cis2") this account signs in through."""
    return frozenset(session.scalars(select(IdentityLink.service).where(IdentityLink.user_id == by.id)))


def set_language(*, by: User, language: str, chosen_at: datetime) -> None:
    """The user chose ``language`` at ``chosen_at``: their pages and their messages are in it from now on."""
    if language != by.preferred_language:
        record("account.language_changed", by=by, grounds=Grounds.SELF, subject_user_id=by.id)
    by.preferred_language = language
    by.language_chosen_at = chosen_at


def settle_language(user: User, browser_choice: tuple[str, datetime] | None) -> tuple[str, datetime | None]:
    """At sign-in: the language to use, and when it was chosen. The later explicit choice wins: the one made in this
    browser (before signing in, or on an earlier visit), or the account's own; a later browser choice is saved."""
    saved_at = user.language_chosen_at
    # The browser keeps whole seconds: a choice in the same second as the account's counts as the later one.
    if browser_choice is not None and (saved_at is None or browser_choice[1] >= saved_at.replace(microsecond=0)):
        set_language(by=user, language=browser_choice[0], chosen_at=browser_choice[1])
    return user.preferred_language, user.language_chosen_at


def list_users(*, by: User) -> list[User]:
    """Every account, for an admin (names and emails are decrypted here; the list is sorted after)."""
    if by.role != Role.ADMIN:
        raise NotAllowed()
    record("account.list_viewed", by=by, grounds=Grounds.role(Role.ADMIN))
    return sorted(session.scalars(select(User)), key=lambda user: (user.role, str(user.display_name).casefold()))
