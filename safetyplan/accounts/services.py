"""Accounts: creating them, setting passwords, signing in and out, second factors, teams.

Services take the acting user as ``by=`` and record their audit event in the same transaction as the change.
They never commit: the request edge (or a command's ``transaction()``) does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from math import ceil

import pyotp
from sqlalchemy import delete, func, select, update

from safetyplan.accounts.messages import MESSAGES, throttled_message
from safetyplan.accounts.models import (
    ROLES,
    RecoveryCode,
    SetPasswordToken,
    SignInFailure,
    Team,
    TeamMembership,
    User,
    UserSession,
)
from safetyplan.accounts.passwords import check_new_password, hash_password, verify_password
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.crypto import vault
from safetyplan.db import session, take_write_lock, utcnow
from safetyplan.errors import DomainError
from safetyplan.outbox import Message, outbox
from safetyplan.roles import Role

SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
#: Staff reach many people's records, so their sessions end sooner when left alone.
IDLE_LIMITS: dict[str, int] = {Role.CLINICIAN: 15, Role.AUDITOR: 15, Role.ADMIN: 15, Role.PERSON: 30, Role.CARER: 30}
SET_PASSWORD_LIFETIME = timedelta(hours=72)
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
RECOVERY_CODES = 10
TOTP_ISSUER = "SafetyPlan"


class AccountError(DomainError):
    """A rule about accounts was not met; ``code`` names the message to show."""

    messages = MESSAGES


class SignInRefused(AccountError):
    """The email address and password (``field`` "email"), or the code (``field`` "code"), were not right."""

    def __init__(self, code: str = "refused", *, field: str = "email") -> None:
        super().__init__(code, field=field)


class Throttled(AccountError):
    def __init__(self, minutes: int) -> None:
        super().__init__("throttled")
        self.minutes = minutes

    @property
    def message(self) -> str:
        return throttled_message(self.minutes)


class NotAllowed(AccountError):
    def __init__(self) -> None:
        super().__init__("not_allowed")


def admin_grounds(by: User | None) -> Grounds:
    """The grounds of an account or team change: an admin's role, or the command line when no one is signed in."""
    return Grounds.role(Role.ADMIN) if by else Grounds.COMMAND_LINE


def token_hash(token: str) -> bytes:
    """How a secret token (a link's, a session's) is stored: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).digest()


# Finding accounts ----------------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def email_index(email: str) -> bytes:
    return vault().blind_index("email", normalise_email(email))


def find_user_by_email(email: str) -> User | None:
    return session.scalars(select(User).where(User.email_index == email_index(email))).one_or_none()


def get_user(user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def idle_limit_minutes(user: User) -> int:
    return IDLE_LIMITS[user.role]


# Creating accounts and setting passwords ---------------------------------------------------------------------


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


def issue_set_password_link(user: User, *, by: User | None, base_url: str) -> str:
    """Make a single-use link to set a password (72 hours), ending any earlier one; returns the link.

    The token sits in the URL fragment, which browsers never send to a server: it cannot reach access logs or a
    Referer header. The set-password page's script moves it into the form.
    """
    now = utcnow()
    session.execute(
        update(SetPasswordToken)
        .where(SetPasswordToken.user_id == user.id, SetPasswordToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SetPasswordToken(
            token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=now + SET_PASSWORD_LIFETIME
        )
    )
    record(
        "account.set_password_link_issued",
        by=by,
        grounds=admin_grounds(by),
        subject_user_id=user.id,
    )
    return f"{base_url}/set-password#{token}"


def send_set_password_link(*, by: User | None, user: User, link: str, subject: str, body: str) -> None:
    """Send the link by the outbox (the caller words the message in the user's language), for an admin."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    session.flush()  # write first: once a message has left, the request must not fail as busy and run again
    take_write_lock(session)
    outbox().send(Message(to=str(user.email), subject=subject, body=body.replace("{link}", link)))


def user_for_set_password_token(token: str) -> User | None:
    """The account a set-password token belongs to, if the token is unused and unexpired."""
    found = session.scalars(select(SetPasswordToken).where(SetPasswordToken.token_hash == token_hash(token))).first()
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    user = session.get(User, found.user_id)
    return user if user is not None and user.is_active else None


def set_password_with_token(token: str, password: str) -> User:
    """Set a password through a set-password link; the link then stops working. Raises AccountError or
    PasswordProblem."""
    user = user_for_set_password_token(token)
    if user is None:
        raise AccountError("link_invalid", field="token")
    check_new_password(password, email=str(user.email), name=str(user.display_name))
    session.execute(
        update(SetPasswordToken).where(SetPasswordToken.token_hash == token_hash(token)).values(used_at=utcnow())
    )
    _store_password(user, password)
    record("account.password_set", by=user, grounds=Grounds.SELF, subject_user_id=user.id)
    return user


def change_password(*, by: User, current: str, new: str) -> None:
    """Change a signed-in user's password; every session of theirs ends (the caller starts a new one)."""
    if not verify_password(by.password_hash, current):
        raise AccountError("current_password_wrong", field="current")
    check_new_password(new, email=str(by.email), name=str(by.display_name))
    _store_password(by, new)
    record("account.password_changed", by=by, grounds=Grounds.SELF, subject_user_id=by.id)


def _store_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, reason="password_changed")


def set_password_directly(user: User, password: str) -> None:
    """For the command line only (``users add --password-stdin``): the same rules as the set-password page."""
    check_new_password(password, email=str(user.email), name=str(user.display_name))
    _store_password(user, password)


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


# Signing in ------------------------------------------------------------------------------------------------------


def _failure_keys(email: str, address: str | None) -> tuple[bytes, bytes | None]:
    account = vault().blind_index("sign_in_account", normalise_email(email))
    return account, (vault().blind_index("sign_in_address", address) if address else None)


def check_throttle(email: str, address: str | None) -> None:
    """Raise Throttled if this account, or this address, has failed too often in the last 15 minutes."""
    now = utcnow()
    since = now - THROTTLE_WINDOW
    account_key, address_key = _failure_keys(email, address)
    for key, limit in ((account_key, ACCOUNT_FAILURE_LIMIT), (address_key, ADDRESS_FAILURE_LIMIT)):
        if key is None:
            continue
        failures = session.scalars(
            select(SignInFailure.failed_at)
            .where(SignInFailure.key == key, SignInFailure.failed_at > since)
            .order_by(SignInFailure.failed_at.desc())
            .limit(limit)
        ).all()
        if len(failures) >= limit:
            # Locked until the oldest of the last `limit` failures leaves the window.
            unlocks_at = failures[-1] + THROTTLE_WINDOW
            raise Throttled(max(1, ceil((unlocks_at - now).total_seconds() / 60)))


def _record_failure(email: str, address: str | None) -> None:
    now = utcnow()
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - THROTTLE_WINDOW))
    for key in _failure_keys(email, address):
        if key is not None:
            session.add(SignInFailure(key=key, failed_at=now))


def authenticate(email: str, password: str, *, address: str | None) -> User:
    """Check an email and password. The same work, message and status whether or not the account exists.

    Raises Throttled or SignInRefused. Success here is the first factor only: see ``needs_code``.
    """
    check_throttle(email, address)
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        _record_failure(email, address)
        record(
            "sign_in.failed",
            by=user,
            grounds=Grounds.NONE,
            outcome="failed",
        )
        raise SignInRefused()
    return user


def check_second_factor(*, by: User, code: str, address: str | None) -> None:
    """Accept a current authenticator code (once) or an unused recovery code; raises Throttled or SignInRefused."""
    email = str(by.email)
    check_throttle(email, address)
    if _accept_totp(by, code) or _accept_recovery_code(by, code):
        return
    _record_failure(email, address)
    record("sign_in.second_factor_failed", by=by, grounds=Grounds.SELF, outcome="failed")
    raise SignInRefused("code_wrong", field="code")


def _accept_totp(user: User, code: str) -> bool:
    digits = "".join(code.split())
    secret = user.totp_secret
    if not secret or not digits.isdigit() or len(digits) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (-1, 0, 1):  # allow for a clock a little out on the phone
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), digits):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # this code (or an earlier one) was already used
            user.totp_last_step = step
            return True
    return False


def _recovery_hash(code: str) -> bytes:
    normalised = "".join(code.split()).replace("-", "").casefold()
    return vault().blind_index("recovery_code", normalised)


def _accept_recovery_code(user: User, code: str) -> bool:
    found = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        return False
    found.used_at = utcnow()
    record("sign_in.recovery_code_used", by=user, grounds=Grounds.SELF)
    return True


def start_session(*, by: User, address: str | None) -> str:
    """Both factors passed: make a new server-side session and return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=token_hash(token), user_id=by.id, created_at=now, expires_at=now + SESSION_ABSOLUTE_LIMIT
        )
    )
    account_key, _ = _failure_keys(str(by.email), address)
    session.execute(delete(SignInFailure).where(SignInFailure.key == account_key))
    record("sign_in.succeeded", by=by, grounds=Grounds.SELF)
    by.session_token = token
    return token


def load_session(token: str) -> User | None:
    """The user of a live session (not ended, within 12 hours, account active), or None. One query: it runs on
    every request."""
    found = session.execute(
        select(User, UserSession.ended_at, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    user, ended_at, expires_at = found
    if ended_at is not None or expires_at <= utcnow() or not user.is_active:
        return None
    user.session_token = token
    return user


#: How long after a session lapsed a form sent with it may still have its words kept for that account.
LAPSED_SESSION_GRACE = timedelta(hours=12)
#: Sessions that ended by themselves. One ended on purpose (signed out, password changed) keeps nothing: a copy of
#: its cookie must not be able to put words in the account's editor.
_LAPSES = ("idle",)


def lapsed_session_user(token: str) -> User | None:
    """The account a session belonged to, if that session lapsed (left idle, or past its 12-hour limit) less than
    12 hours ago rather than being ended on purpose, and the account is still active; otherwise None.

    For keeping the words of a form sent just after the session lapsed, for the same account, and nothing else: the
    caller must not treat the request as signed in.
    """
    found = session.execute(
        select(User, UserSession.ended_at, UserSession.ended_reason, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    user, ended_at, ended_reason, expires_at = found
    now = utcnow()
    if ended_at is None:
        lapsed_at = expires_at if expires_at <= now else None
    else:
        lapsed_at = ended_at if ended_reason in _LAPSES else None
    if lapsed_at is None or now - lapsed_at > LAPSED_SESSION_GRACE or not user.is_active:
        return None
    return user


def end_session(*, by: User, reason: str) -> None:
    """Sign out this browser's session (``reason``: signed_out, idle)."""
    if by.session_token:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(by.session_token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason)
        )
    record("sign_out", by=by, grounds=Grounds.SELF)
    by.session_token = None


def end_all_sessions(user: User, *, reason: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


# Second factor ---------------------------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=str(user.email), issuer_name=TOTP_ISSUER)


def enable_totp(*, by: User, secret: str, code: str) -> list[str]:
    """Turn on the authenticator app once it shows the right code; returns new recovery codes (shown once)."""
    digits = "".join(code.split())
    if not pyotp.TOTP(secret).verify(digits, valid_window=1):
        raise AccountError("code_wrong", field="code")
    by.totp_secret = secret
    by.totp_enabled_at = utcnow()
    by.totp_last_step = pyotp.TOTP(secret).timecode(utcnow())
    codes = replace_recovery_codes(by)
    record("account.second_factor_enabled", by=by, grounds=Grounds.SELF, subject_user_id=by.id)
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back from paper
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def unused_recovery_codes(*, by: User) -> int:
    return (
        session.scalar(select(func.count()).where(RecoveryCode.user_id == by.id, RecoveryCode.used_at.is_(None))) or 0
    )


# Teams -----------------------------------------------------------------------------------------------------------


def create_team(*, by: User | None, name: str, phone: str | None = None) -> Team:
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    if session.scalars(select(Team).where(func.lower(Team.name) == name.strip().lower())).first() is not None:
        raise AccountError("team_name_taken", field="name")
    team = Team(id=uuid.uuid4(), name=name.strip(), phone=phone, created_at=utcnow())
    session.add(team)
    record(
        "team.created",
        by=by,
        grounds=admin_grounds(by),
        team_id=team.id,
    )
    return team


def find_team(name: str) -> Team | None:
    return session.scalars(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()


def get_team(*, by: User | None, team_id: uuid.UUID) -> Team | None:
    """A team, for an admin (or the command line)."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    return session.get(Team, team_id)


def add_team_member(*, by: User | None, team_id: uuid.UUID, user: User) -> None:
    """Put a clinician in a team, so that they reach the people on its caseload."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    if user.role != Role.CLINICIAN:
        raise AccountError("not_a_clinician", field="user")
    exists = session.scalars(
        select(TeamMembership).where(TeamMembership.team_id == team_id, TeamMembership.user_id == user.id)
    ).first()
    if exists is not None:
        raise AccountError("already_a_member", field="user")
    session.add(TeamMembership(team_id=team_id, user_id=user.id, added_at=utcnow()))
    record(
        "team.member_added",
        by=by,
        grounds=admin_grounds(by),
        team_id=team_id,
        subject_user_id=user.id,
    )


def team_ids_of(user: User) -> list[uuid.UUID]:
    return list(session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))


def teams_of(*, by: User) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .where(TeamMembership.user_id == by.id)
            .order_by(Team.name)
        )
    )


def team_members(*, by: User | None, team_id: uuid.UUID) -> list[User]:
    """A team's clinicians, by name, for an admin (or the command line)."""
    if by is not None and by.role != Role.ADMIN:
        raise NotAllowed()
    users = session.scalars(
        select(User).join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    )
    return sorted(users, key=lambda user: str(user.display_name).casefold())


def list_users(*, by: User) -> list[User]:
    """Every account, for an admin (names and emails are decrypted here; the list is sorted after)."""
    if by.role != Role.ADMIN:
        raise NotAllowed()
    record("account.list_viewed", by=by, grounds=Grounds.role(Role.ADMIN))
    return sorted(session.scalars(select(User)), key=lambda user: (user.role, str(user.display_name).casefold()))
