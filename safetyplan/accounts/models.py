"""Accounts, their sessions and second factors, set-password tokens, sign-in throttling, teams and members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime
from safetyplan.roles import STAFF_ROLES, Role

ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class User(EncryptedRecord, Base):
    """An account. Its email and name are personal data, sealed with the account's own data key."""

    __tablename__ = "users"
    __record_kind__ = "user"
    __encryption_owner__ = "id"

    role: Mapped[str] = mapped_column(String(16))
    #: Blind index of the normalised email address: how an account is found at sign-in.
    email_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    email_sealed: Mapped[bytes | None] = mapped_column("email", LargeBinary)
    display_name_sealed: Mapped[bytes | None] = mapped_column("display_name", LargeBinary)
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    #: When that language was chosen (by the account's user, or by whoever made the account): at sign-in, a choice
    #: made later in the browser wins and is saved here.
    language_chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret_sealed: Mapped[bytes | None] = mapped_column("totp_secret", LargeBinary)
    #: The last time step whose code was accepted, so that a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a person's own account: the person record it belongs to.
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    email = encrypted("email_sealed")
    display_name = encrypted("display_name_sealed")
    totp_secret = encrypted("totp_secret_sealed")

    __table_args__ = (
        CheckConstraint("role IN ('clinician', 'person', 'carer', 'auditor', 'admin')", name="role"),
        CheckConstraint("preferred_language IN ('en', 'cy')", name="preferred_language"),
    )

    # Flask-Login: the id it keeps in the session cookie is the server-side session's token (set at sign-in and
    # when a session is loaded), so that ending the session on the server ends every copy of the cookie.
    # Not a column: a plain attribute SQLAlchemy leaves alone (it would read an annotation as a column: mypy only).
    if TYPE_CHECKING:
        session_token: str | None
    else:
        session_token = None
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return self.session_token is not None

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def needs_second_factor(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None


class UserSession(Base):
    """A signed-in session, kept on the server so that sign-out ends it everywhere. The cookie holds its token."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))


class RecoveryCode(Base):
    """A one-time code for signing in without the authenticator app; only its keyed hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SetPasswordToken(Base):
    """A single-use, expiring link to set a password; only a hash of the token is kept."""

    __tablename__ = "set_password_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """A failed sign-in, counted per account and per address to slow down guessing (shared by every worker)."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: Keyed hash of "account:<email>" or "address:<ip>": neither is stored readable.
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sign_in_failures_key_failed_at", "key", "failed_at"),)


class Team(Base):
    """A clinical team. A clinician reaches a person only through a team whose caseload holds them."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: The team's own phone number, shown in people's plans as the first service to contact.
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_memberships_team_id_user_id"),)


class IdentityLink(Base):
    """An account's identity at an NHS identity service (NHS login, CIS2): the service's subject, as a blind index.

    Made on the first sign-in through the service (or by an admin who knows a CIS2 user id); an account has at most
    one identity per service, and an identity belongs to one account."""

    __tablename__ = "identity_links"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service: Mapped[str] = mapped_column(String(16))
    #: Keyed hash of the service's ``sub`` for this person: neither readable nor guessable from the database.
    subject_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("service IN ('nhs_login', 'cis2')", name="service"),
        UniqueConstraint("service", "subject_index", name="uq_identity_links_service_subject_index"),
        UniqueConstraint("service", "user_id", name="uq_identity_links_service_user_id"),
    )
