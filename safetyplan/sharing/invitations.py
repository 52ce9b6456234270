"""Invitations and links: a single-use invitation for a carer to make an account (or use theirs),
and the person's confirmation of the link, without which a carer sees nothing."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import force_locale
from sqlalchemy import CursorResult, select, update

from safetyplan.accounts.credentials import set_password_directly
from safetyplan.accounts.models import User
from safetyplan.accounts.passwords import check_new_password
from safetyplan.accounts.tokens import token_hash
from safetyplan.accounts.users import create_user, find_user_by_email, normalise_email
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.config import current_settings
from safetyplan.db import session, take_write_lock, utcnow
from safetyplan.outbox import Message, outbox
from safetyplan.roles import Role
from safetyplan.sharing.access import reach_involved
from safetyplan.sharing.errors import SharingError
from safetyplan.sharing.messages import INVITATION_BODY, INVITATION_SUBJECT
from safetyplan.sharing.models import CarerInvitation, InvolvedPerson

INVITATION_LIFETIME = timedelta(days=7)


def end_invitations(involved_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(CarerInvitation)
        .where(CarerInvitation.involved_id == involved_id, CarerInvitation.ended_at.is_(None))
        .values(ended_at=now)
    )


def invite(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID, base_url: str) -> str:
    """Make a single-use link (7 days) for them to make a carer account, ending any earlier one, and email it to
    them in the inviter's language; returns the link.

    The token sits in the URL fragment, which browsers never send to a server: never in a log or a Referer."""
    grounds, involved = reach_involved(by, person_id, involved_id, "invitation.sent")
    if not involved.email:
        raise SharingError("no_email")
    if involved.user_id is not None:
        raise SharingError("already_linked")
    now = utcnow()
    end_invitations(involved.id, now)
    token = secrets.token_urlsafe(32)
    session.add(
        CarerInvitation(
            involved_id=involved.id,
            person_id=person_id,
            token_hash=token_hash(token),
            created_at=now,
            created_by=by.id,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    record("invitation.sent", by=by, grounds=grounds, person_id=person_id)
    link = f"{base_url}/invitation#{token}"
    session.flush()  # write first: once a message has left, the request must not fail as busy and run again
    take_write_lock(session)
    with force_locale(by.preferred_language):  # the language of whoever invites them
        subject, body = str(INVITATION_SUBJECT), str(INVITATION_BODY % {"name": involved.name})
    outbox().send(Message(to=str(involved.email), subject=subject, body=body.replace("{link}", link)))
    return link


def invitation_waiting(involved_id: uuid.UUID) -> CarerInvitation | None:
    return session.scalars(
        select(CarerInvitation).where(
            CarerInvitation.involved_id == involved_id,
            CarerInvitation.ended_at.is_(None),
            CarerInvitation.expires_at > utcnow(),
        )
    ).first()


def _usable_invitation(token: str) -> tuple[CarerInvitation, InvolvedPerson] | None:
    if not token or len(token) > 100:
        return None
    found = session.scalars(select(CarerInvitation).where(CarerInvitation.token_hash == token_hash(token))).first()
    if found is None or found.ended_at is not None or found.expires_at <= utcnow():
        return None
    involved = session.get(InvolvedPerson, found.involved_id)
    if involved is None or involved.removed_at is not None or involved.user_id is not None:
        return None
    return found, involved


def check_invitation(token: str) -> None:
    """Raise SharingError("invitation_invalid") for an unknown, tampered, used or expired invitation (audited)."""
    if _usable_invitation(token) is None:
        record("invitation.refused", by=None, grounds=Grounds.INVITATION, outcome="denied")
        raise SharingError("invitation_invalid")


def refuse_wrong_account(*, by: User) -> None:
    """Someone signed in to an account that is not a carer's opened an invitation page: audited, nothing else."""
    record("invitation.refused", by=by, grounds=Grounds.INVITATION, outcome="denied")


def accept_invitation(*, token: str, by: User) -> InvolvedPerson:
    """Link a carer account to the person through an invitation, which then stops working. The link shows
    nothing until the person (or a clinician, where the person cannot) confirms it.

    Raises SharingError("invitation_invalid" | "wrong_account" | "already_linked")."""
    usable = _usable_invitation(token)
    if usable is None:
        record("invitation.refused", by=by, grounds=Grounds.INVITATION, outcome="denied")
        raise SharingError("invitation_invalid")
    invitation, involved = usable
    if by.role != Role.CARER:
        record(
            "invitation.refused",
            by=by,
            grounds=Grounds.INVITATION,
            outcome="denied",
            person_id=involved.person_id,
        )
        raise SharingError("wrong_account")
    if session.scalars(
        select(InvolvedPerson.id).where(
            InvolvedPerson.person_id == involved.person_id,
            InvolvedPerson.user_id == by.id,
            InvolvedPerson.removed_at.is_(None),
        )
    ).first():
        raise SharingError("already_linked")
    now = utcnow()
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(CarerInvitation)
            .where(CarerInvitation.id == invitation.id, CarerInvitation.ended_at.is_(None))
            .values(ended_at=now, used_by=by.id)
            .execution_options(synchronize_session=False)
        ),
    )
    if moved.rowcount != 1:  # used by a second tab at the same moment
        raise SharingError("invitation_invalid")
    involved.user_id, involved.linked_at = by.id, now
    record(
        "invitation.accepted",
        by=by,
        grounds=Grounds.INVITATION,
        person_id=involved.person_id,
        subject_user_id=by.id,
    )
    return involved


def create_carer_account(*, token: str, email: str, name: str, password: str, language: str) -> User:
    """Make a carer account through an invitation and link it. Raises SharingError("invitation_invalid"),
    SharingError("email_taken" | "use_nhs_login") or PasswordProblem, and then keeps nothing: every check is made
    before the account is written, and the writing happens in a savepoint that a late refusal (a second tab using
    the same invitation a moment earlier) rolls back."""
    check_invitation(token)
    if not current_settings().password_sign_in_allowed(Role.CARER):
        # In production with NHS login, a carer's account is made through NHS login only (identity/services).
        record("invitation.refused", by=None, grounds=Grounds.INVITATION, outcome="denied")
        raise SharingError("use_nhs_login")
    check_new_password(password, email=normalise_email(email), name=name.strip())
    if find_user_by_email(email) is not None:
        raise SharingError("email_taken", field="email")
    with session.begin_nested():
        user = create_user(
            by=None,
            email=email,
            display_name=name,
            role=Role.CARER,
            preferred_language=language,
            grounds=Grounds.INVITATION,
        )
        set_password_directly(user, password)
        accept_invitation(token=token, by=user)
    return user


def confirm_link(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> None:
    """The person (or a clinician, where the person cannot) confirms the account is the one they meant."""
    grounds, involved = reach_involved(by, person_id, involved_id, "carer_link.confirmed")
    if involved.user_id is None or involved.confirmed_at is not None:
        raise SharingError("nothing_to_confirm")
    involved.confirmed_at, involved.confirmed_by = utcnow(), by.id
    record(
        "carer_link.confirmed",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=involved.user_id,
    )


def unlink(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> None:
    """The account that accepted the invitation is not who the person meant: undo the link (they see nothing);
    a new invitation can then be sent. The person stays involved and their sharing choices are kept."""
    grounds, involved = reach_involved(by, person_id, involved_id, "carer_link.undone")
    if involved.user_id is None:
        raise SharingError("nothing_to_confirm")
    former = involved.user_id
    involved.user_id, involved.linked_at, involved.confirmed_at, involved.confirmed_by = None, None, None, None
    record(
        "carer_link.undone",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=former,
    )


def linked_account(involved: InvolvedPerson) -> User | None:
    return session.get(User, involved.user_id) if involved.user_id else None
