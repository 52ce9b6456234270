"""Sharing led by the person's consent.

The person (or a clinician of their team, recording the person's decision) says who is involved and which plan
sections each carer sees. A carer reaches a person only through a link that they accepted by invitation and that
the person (or, where the person cannot, a clinician) confirmed, and sees only the sections of the newest
revision the person agreed with that the newest decision shares. Every check is made here, on every request, so
a change of mind takes effect on the carer's very next one. Out of reach looks exactly like not there, and is
audited as a denial.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import CursorResult, select, update

from safetyplan.accounts.models import User
from safetyplan.accounts.passwords import check_new_password
from safetyplan.accounts.services import (
    create_user,
    find_user_by_email,
    normalise_email,
    set_password_directly,
    token_hash,
)
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, take_write_lock, utcnow
from safetyplan.errors import DomainError, NotFound
from safetyplan.outbox import Message, outbox
from safetyplan.people.access import PLAN_ROLES, reach, refuse
from safetyplan.people.models import Person
from safetyplan.people.unchecked import teams_holding
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.models import Plan, PlanRevision, Suggestion
from safetyplan.plans.sections import CURRENT_VERSION, section, sections
from safetyplan.roles import Role
from safetyplan.sharing.messages import INVITATION_BODY, INVITATION_SUBJECT, MESSAGES
from safetyplan.sharing.models import KINDS, CarerInvitation, InvolvedPerson, InvolvementConversation, SharingChoice

INVITATION_LIFETIME = timedelta(days=7)
#: The section carers add to themselves ("What I will do to help"), whether or not the person shares it back.
CARERS_SECTION = "carers_will_do"


class SharingError(DomainError):
    """A rule about sharing was not met; ``code`` names the message to show."""

    messages = MESSAGES


def _manager_grounds(by: User, person_id: uuid.UUID, action: str) -> Grounds:
    """The person themself, or a clinician of a team holding them: the people who record sharing decisions."""
    return reach(by, person_id, action=action, roles=PLAN_ROLES)[0]


def _involved(person_id: uuid.UUID, involved_id: uuid.UUID) -> InvolvedPerson | None:
    found = session.get(InvolvedPerson, involved_id)
    if found is None or found.person_id != person_id or found.removed_at is not None:
        return None
    return found


def _reach_involved(
    by: User, person_id: uuid.UUID, involved_id: uuid.UUID, action: str
) -> tuple[Grounds, InvolvedPerson]:
    grounds = _manager_grounds(by, person_id, action)
    found = _involved(person_id, involved_id)
    if found is None:
        record(action, by=by, grounds=grounds, outcome="failed", person_id=person_id)
        raise NotFound()
    return grounds, found


# Who is involved ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvolvedDetails:
    name: str
    kind: str
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None


def managed_person(*, by: User, person_id: uuid.UUID) -> Person:
    """The person's record, for someone who records their sharing decisions (one access check, audited)."""
    grounds = _manager_grounds(by, person_id, "involvement.viewed")
    record("involvement.viewed", by=by, grounds=grounds, person_id=person_id)
    person = session.get(Person, person_id)
    assert person is not None  # _manager_grounds found it
    return person


def involved_people(*, by: User, person_id: uuid.UUID) -> list[InvolvedPerson]:
    """The people this person wants involved, by name; the read is audited."""
    grounds = _manager_grounds(by, person_id, "involvement.viewed")
    found = list(
        session.scalars(
            select(InvolvedPerson).where(InvolvedPerson.person_id == person_id, InvolvedPerson.removed_at.is_(None))
        )
    )
    record("involvement.viewed", by=by, grounds=grounds, person_id=person_id)
    return sorted(found, key=lambda involved: (str(involved.name).casefold(), str(involved.id)))


def get_involved(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> InvolvedPerson:
    _grounds, found = _reach_involved(by, person_id, involved_id, "involvement.viewed")
    return found


def add_involved(*, by: User, person_id: uuid.UUID, details: InvolvedDetails) -> InvolvedPerson:
    """Record someone the person wants involved. Nothing is shared with them until the person says so."""
    if details.kind not in KINDS:
        raise SharingError("kind", field="kind")
    grounds = _manager_grounds(by, person_id, "involvement.person_added")
    involved = InvolvedPerson(
        person_id=person_id,
        kind=details.kind,
        added_at=utcnow(),
        added_by=by.id,
        name=details.name.strip(),
        relationship=(details.relationship or "").strip() or None,
        phone=(details.phone or "").strip() or None,
        email=(details.email or "").strip() or None,
    )
    session.add(involved)
    session.flush()
    record("involvement.person_added", by=by, grounds=grounds, person_id=person_id)
    return involved


def remove_involved(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> None:
    """The person no longer wants them involved: their link, invitations and every share end now."""
    grounds, involved = _reach_involved(by, person_id, involved_id, "involvement.person_removed")
    now = utcnow()
    involved.removed_at = now
    _end_invitations(involved.id, now)
    former = involved.user_id
    if shared_sections(involved):
        _add_choice(by, involved, frozenset(), date.today())
    record(
        "involvement.person_removed",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=former,
    )


def record_conversation(
    *, by: User, person_id: uuid.UUID, held_on: date, agreed: str, own_words: bool
) -> InvolvementConversation:
    """What the person and the clinician agreed about involving others and the limits of confidentiality."""
    if by.role != Role.CLINICIAN:
        raise SharingError("not_allowed")
    if held_on > date.today():
        raise SharingError("future_date", field="held_on")
    grounds = _manager_grounds(by, person_id, "involvement.conversation_recorded")
    conversation = InvolvementConversation(
        person_id=person_id,
        held_on=held_on,
        recorded_at=utcnow(),
        recorded_by=by.id,
        own_words=own_words,
        agreed=agreed.strip(),
    )
    session.add(conversation)
    session.flush()
    record("involvement.conversation_recorded", by=by, grounds=grounds, person_id=person_id)
    return conversation


def conversations(*, by: User, person_id: uuid.UUID) -> list[InvolvementConversation]:
    """Conversations about involvement, newest first (the caller has checked access with involved_people)."""
    _manager_grounds(by, person_id, "involvement.viewed")
    return list(
        session.scalars(
            select(InvolvementConversation)
            .where(InvolvementConversation.person_id == person_id)
            .order_by(InvolvementConversation.held_on.desc(), InvolvementConversation.recorded_at.desc())
        )
    )


# What each carer sees ------------------------------------------------------------------------------------------


def _current_choice(involved_id: uuid.UUID) -> SharingChoice | None:
    return session.scalars(
        select(SharingChoice)
        .where(SharingChoice.involved_id == involved_id)
        .order_by(SharingChoice.recorded_at.desc(), SharingChoice.id)
        .limit(1)
    ).first()


def shared_sections(involved: InvolvedPerson) -> frozenset[str]:
    """The section keys the newest decision shares with them: none for someone no longer involved."""
    if involved.removed_at is not None:
        return frozenset()
    choice = _current_choice(involved.id)
    return choice.section_keys if choice else frozenset()


def current_choice(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> SharingChoice | None:
    """The newest decision about what this person sees, or None before the first."""
    _grounds, involved = _reach_involved(by, person_id, involved_id, "involvement.viewed")
    return _current_choice(involved.id)


def suggested_sections() -> frozenset[str]:
    """The sections offered as a starting point when the person first chooses (nothing is shared until they do)."""
    return frozenset(part.key for part in sections(CURRENT_VERSION) if part.suggested_for_carers)


def _add_choice(by: User, involved: InvolvedPerson, keys: frozenset[str], decided_on: date) -> SharingChoice:
    choice = SharingChoice(
        involved_id=involved.id,
        person_id=involved.person_id,
        sections=" ".join(part.key for part in sections(CURRENT_VERSION) if part.key in keys),
        decided_on=decided_on,
        recorded_at=utcnow(),
        recorded_by=by.id,
        recorded_by_role=by.role,
    )
    session.add(choice)
    session.flush()
    return choice


def choose_sections(
    *,
    by: User,
    person_id: uuid.UUID,
    involved_id: uuid.UUID,
    keys: set[str] | frozenset[str],
    decided_on: date | None = None,
) -> SharingChoice:
    """Record the person's decision about which sections this person sees (none withdraws sharing). A clinician
    records it with the date the person decided; the person's own decision is dated today."""
    grounds, involved = _reach_involved(by, person_id, involved_id, "sharing.changed")
    known = {part.key for part in sections(CURRENT_VERSION)}
    if not set(keys) <= known:
        raise SharingError("section", field="keys")
    if by.role == Role.PERSON or decided_on is None:
        decided_on = date.today()
    if decided_on > date.today():
        raise SharingError("future_date", field="decided_on")
    choice = _add_choice(by, involved, frozenset(keys), decided_on)
    record(
        "sharing.changed" if keys else "sharing.withdrawn",
        by=by,
        grounds=grounds,
        person_id=person_id,
        subject_user_id=involved.user_id,
        section=",".join(sorted(keys))[:64] or None,
    )
    return choice


def choices_for(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID) -> list[SharingChoice]:
    """Every decision about this person, newest first: the history of consent."""
    _grounds, involved = _reach_involved(by, person_id, involved_id, "involvement.viewed")
    return list(
        session.scalars(
            select(SharingChoice)
            .where(SharingChoice.involved_id == involved.id)
            .order_by(SharingChoice.recorded_at.desc())
        )
    )


# Invitations and links -----------------------------------------------------------------------------------------


def _end_invitations(involved_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(CarerInvitation)
        .where(CarerInvitation.involved_id == involved_id, CarerInvitation.ended_at.is_(None))
        .values(ended_at=now)
    )


def invite(*, by: User, person_id: uuid.UUID, involved_id: uuid.UUID, base_url: str) -> str:
    """Make a single-use link (7 days) for them to make a carer account, ending any earlier one, and email it to
    them in the inviter's language; returns the link.

    The token sits in the URL fragment, which browsers never send to a server: never in a log or a Referer."""
    grounds, involved = _reach_involved(by, person_id, involved_id, "invitation.sent")
    if not involved.email:
        raise SharingError("no_email")
    if involved.user_id is not None:
        raise SharingError("already_linked")
    now = utcnow()
    _end_invitations(involved.id, now)
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
    SharingError("email_taken") or PasswordProblem, and then keeps nothing: every check is made before the
    account is written, and the writing happens in a savepoint that a late refusal (a second tab using the same
    invitation a moment earlier) rolls back."""
    check_invitation(token)
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
    grounds, involved = _reach_involved(by, person_id, involved_id, "carer_link.confirmed")
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
    grounds, involved = _reach_involved(by, person_id, involved_id, "carer_link.undone")
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


# The carer's side ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarerLink:
    """A person a carer is linked to. Until the link is confirmed the carer learns nothing about them."""

    person_id: uuid.UUID
    name: str | None
    confirmed: bool
    shares_anything: bool


def carer_links(*, by: User) -> list[CarerLink]:
    if by.role != Role.CARER:
        raise NotFound()
    rows = session.execute(
        select(InvolvedPerson, Person)
        .join(Person, Person.id == InvolvedPerson.person_id)
        .where(InvolvedPerson.user_id == by.id, InvolvedPerson.removed_at.is_(None))
    )
    links = [
        CarerLink(
            person.id,
            person.known_as if involved.confirmed_at else None,
            involved.confirmed_at is not None,
            bool(shared_sections(involved)),
        )
        for involved, person in rows
    ]
    record("shared_plans.listed", by=by, grounds=Grounds.SELF)
    return sorted(links, key=lambda link: (not link.confirmed, (link.name or "").casefold(), str(link.person_id)))


def _carer_link(by: User, person_id: uuid.UUID, action: str) -> InvolvedPerson:
    found = None
    if by.role == Role.CARER:
        found = session.scalars(
            select(InvolvedPerson).where(
                InvolvedPerson.person_id == person_id,
                InvolvedPerson.user_id == by.id,
                InvolvedPerson.removed_at.is_(None),
            )
        ).first()
    if found is None or not found.active:
        refuse(by, person_id, action)
    return found


@dataclass(frozen=True)
class SharedRevision:
    """The part of a revision a carer may see: only the shared sections' content is ever copied in."""

    number: int
    created_at: datetime
    sections_version: int
    content: dict[str, Any]


@dataclass(frozen=True)
class CarerView:
    person_id: uuid.UUID
    name: str
    shared: frozenset[str]
    revision: SharedRevision | None
    #: The person's teams' phone numbers, when the services part is shared; otherwise none.
    team_phones: list[tuple[str, str]]


def _agreed_revision(person_id: uuid.UUID) -> PlanRevision | None:
    """The newest revision the person agreed with: what carers see (never drafts, suggestions or history)."""
    return session.scalars(
        select(PlanRevision)
        .join(Plan, Plan.id == PlanRevision.plan_id)
        .where(Plan.person_id == person_id, PlanRevision.person_agrees.is_(True), PlanRevision.declined.is_(False))
        .order_by(PlanRevision.number.desc())
        .limit(1)
    ).first()


def carer_view(*, by: User, person_id: uuid.UUID, action: str = "plan.viewed") -> CarerView:
    """What the person shares with this carer, from the newest revision they agreed with; audited."""
    involved = _carer_link(by, person_id, action)
    keys = shared_sections(involved)
    person = session.get(Person, person_id)
    assert person is not None
    revision = _agreed_revision(person_id) if keys else None
    shared = None
    if revision is not None:
        available = {part.key for part in sections(revision.sections_version)}
        content = {key: value for key, value in (revision.content or {}).items() if key in keys and key in available}
        shared = SharedRevision(revision.number, revision.created_at, revision.sections_version, content)
    record(
        action,
        by=by,
        grounds=Grounds.carer(involved.id),
        person_id=person_id,
        revision_id=revision.id if revision is not None else None,
        section=",".join(sorted(keys))[:64] or None,
    )
    phones = unchecked_plans.team_phones(person_id) if "services" in keys else []
    return CarerView(person_id, person.known_as, keys, shared, phones)


def carer_may_suggest_in(involved: InvolvedPerson) -> list[str]:
    """Sections a carer may suggest changes to: those shared with them, and what they will do themselves."""
    keys = shared_sections(involved) | {CARERS_SECTION}
    return [part.key for part in sections(CURRENT_VERSION) if part.key in keys]


def carer_sections(*, by: User, person_id: uuid.UUID) -> list[str]:
    return carer_may_suggest_in(_carer_link(by, person_id, "plan.suggestion_opened"))


def carer_suggest(*, by: User, person_id: uuid.UUID, section_key: str, text: str) -> Suggestion:
    """A carer adds what they will do, or suggests a change to a shared section; the person decides."""
    involved = _carer_link(by, person_id, "plan.suggestion_made")
    if section_key not in carer_may_suggest_in(involved):
        raise SharingError("section", field="keys")
    section(section_key)
    plan = session.scalars(select(Plan).where(Plan.person_id == person_id)).one_or_none()
    if plan is None or plan.current_number == 0:
        raise SharingError("no_plan")
    suggestion = Suggestion(
        plan_id=plan.id,
        person_id=person_id,
        author_id=by.id,
        author_role=Role.CARER,
        section_key=section_key,
        base_number=plan.current_number,
        created_at=utcnow(),
        status="waiting",
        text=text.strip(),
    )
    session.add(suggestion)
    session.flush()
    record(
        "plan.suggestion_made",
        by=by,
        grounds=Grounds.carer(involved.id),
        person_id=person_id,
        plan_id=plan.id,
        section=section_key,
    )
    return suggestion


def carer_suggestions(*, by: User, person_id: uuid.UUID) -> list[Suggestion]:
    """This carer's own suggestions about the person, newest first (never anyone else's)."""
    _carer_link(by, person_id, "plan.suggestion_opened")
    return list(
        session.scalars(
            select(Suggestion)
            .where(Suggestion.person_id == person_id, Suggestion.author_id == by.id)
            .order_by(Suggestion.created_at.desc())
        )
    )


# Transparency for the person -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Someone who can see some or all of the plan."""

    involved: InvolvedPerson
    account: User | None
    shared: frozenset[str]
    invitation: CarerInvitation | None


@dataclass(frozen=True)
class Visibility:
    teams: list[str]
    viewers: list[Viewer]


def who_can_see(*, by: User, person_id: uuid.UUID) -> Visibility:
    """Every team whose clinicians can see the whole plan, and each person involved with what they can see."""
    people = involved_people(by=by, person_id=person_id)
    return Visibility(
        teams=[team.name for team in teams_holding(person_id)],
        viewers=[
            Viewer(involved, linked_account(involved), shared_sections(involved), invitation_waiting(involved.id))
            for involved in people
        ],
    )


#: Audit actions that are someone looking at (or printing) the plan or the record.
LOOK_ACTIONS = (
    "plan.viewed",
    "plan.printed",
    "plan.history_viewed",
    "plan.revision_viewed",
    "plan.compared",
    "plan.editor_opened",
    "person.viewed",
)


@dataclass(frozen=True)
class Look:
    at: datetime
    action: str


@dataclass(frozen=True)
class LooksOnADay:
    """Everything one person did with the plan on one day: a row, rather than one row per page they opened."""

    day: date
    name: str
    role: str | None
    looks: list[Look]  # newest first

    @property
    def actions(self) -> list[str]:
        """What they did, each once, in the order they first did it that day."""
        return list(dict.fromkeys(look.action for look in reversed(self.looks)))


#: Days are the person's days: midnight in the UK, not in UTC.
LOOK_DAY_ZONE = ZoneInfo("Europe/London")


def who_has_looked(*, by: User, person_id: uuid.UUID, limit: int = 1000) -> list[LooksOnADay]:
    """Who looked at the person's plan or record, by person and day, newest first, from the audit trail (the
    person's own looks left out; the latest ``limit`` looks). Only the person asks this here; it is audited too."""
    if by.role != Role.PERSON or by.person_id != person_id:
        record(
            "plan.lookups_viewed",
            by=by,
            grounds=Grounds.NONE,
            outcome="denied",
            person_id=person_id,
        )
        raise NotFound()
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.person_id == person_id,
            AuditEvent.action.in_(LOOK_ACTIONS),
            AuditEvent.outcome == "allowed",
            AuditEvent.actor_id.is_not(None),
            AuditEvent.actor_id != by.id,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    ).all()
    names: dict[uuid.UUID, str] = {}
    for actor_id in {event.actor_id for event in events if event.actor_id}:
        user = session.get(User, actor_id)
        names[actor_id] = str(user.display_name) if user is not None else ""
    record("plan.lookups_viewed", by=by, grounds=Grounds.SELF, person_id=person_id)
    days: dict[tuple[date, uuid.UUID], LooksOnADay] = {}
    for event in events:  # newest first, so the days are too
        assert event.actor_id is not None
        key = (event.occurred_at.astimezone(LOOK_DAY_ZONE).date(), event.actor_id)
        if key not in days:
            days[key] = LooksOnADay(key[0], names.get(event.actor_id, ""), event.actor_role, [])
        days[key].looks.append(Look(event.occurred_at, event.action))
    return list(days.values())
