"""The audit trail for an auditor: searching it by person reference, user, action and month, and verifying
its hash chain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.accounts.users import find_user_by_email
from safetyplan.assurance.access import require_auditor
from safetyplan.assurance.pseudonyms import PREFIX, person_reference
from safetyplan.audit import Verification, record, verify
from safetyplan.audit.grounds import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, utcnow
from safetyplan.people.models import Person
from safetyplan.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class TrailQuery:
    email: str = ""
    reference: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    actor: str
    reference: str


def actions(*, by: User) -> list[str]:
    """Every action the trail holds, for the search form's list."""
    require_auditor(by)
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def verify_trail(*, by: User) -> Verification:
    """The whole trail checked link by link, for the auditor's overview."""
    require_auditor(by)
    return verify()


def _person_for_reference(reference: str) -> uuid.UUID | None:
    """The person behind a pseudonymous reference, found by computing each person's reference (it cannot be
    reversed); None if no one has it."""
    wanted = reference.strip().upper()
    if not wanted.startswith(PREFIX):
        wanted = PREFIX + wanted
    for person_id in session.scalars(select(Person.id)):
        if person_reference(person_id) == wanted:
            return person_id
    return None


@dataclass(frozen=True)
class TrailPage:
    """A page of the trail, newest first, and where the next (older) page starts, if there is one."""

    rows: list[TrailRow]
    older_than: int | None


def search_trail(*, by: User, query: TrailQuery, older_than: int | None = None, limit: int = 50) -> TrailPage:
    """Audit events matching every filter given, newest first, ``limit`` to a page, from before the event
    ``older_than`` when given (paging by position in the chain, so that a page costs the same however far back it
    is); the search is audited."""
    require_auditor(by)
    statement = select(AuditEvent)
    if older_than is not None:
        statement = statement.where(AuditEvent.seq < older_than)
    if query.email.strip():
        # Staff only: finding a person's or a carer's own account by email would tie their reference to them.
        user = find_user_by_email(query.email)
        actor = user.id if user is not None and user.role in STAFF_ROLES else uuid.UUID(int=0)
        statement = statement.where(AuditEvent.actor_id == actor)
    if query.reference.strip():
        person_id = _person_for_reference(query.reference)
        statement = statement.where(AuditEvent.person_id == (person_id or uuid.UUID(int=0)))
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.since:
        statement = statement.where(
            AuditEvent.occurred_at >= datetime.combine(query.since, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        )
    if query.until and query.until < date.max:
        end = datetime.combine(query.until + timedelta(days=1), datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        statement = statement.where(AuditEvent.occurred_at < end)
    events = list(session.scalars(statement.order_by(AuditEvent.seq.desc()).limit(limit + 1)))
    more, events = len(events) > limit, events[:limit]
    # Staff are named; people and carers are not, or the person's reference would no longer be pseudonymous.
    names: dict[uuid.UUID, str] = {}
    for actor_id in {event.actor_id for event in events if event.actor_id and event.actor_role in STAFF_ROLES}:
        user = session.get(User, actor_id)
        names[actor_id] = str(user.display_name) if user is not None else ""
    references = {person_id: person_reference(person_id) for person_id in {e.person_id for e in events if e.person_id}}
    record("audit_trail.searched", by=by, grounds=Grounds.role(Role.AUDITOR))
    rows = [
        TrailRow(
            event,
            names.get(event.actor_id, "") if event.actor_id else "",
            references.get(event.person_id, "") if event.person_id else "",
        )
        for event in events
    ]
    return TrailPage(rows, events[-1].seq if more else None)
