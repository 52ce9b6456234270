"""Transparency for the person: who can see their plan, and who has looked at it, day by day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session
from safetyplan.errors import NotFound
from safetyplan.people.unchecked import teams_holding
from safetyplan.roles import Role
from safetyplan.sharing.consent import shared_sections
from safetyplan.sharing.invitations import invitation_waiting, linked_account
from safetyplan.sharing.involvement import involved_people
from safetyplan.sharing.models import CarerInvitation, InvolvedPerson


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
    "plan.send_opened",
    "plan.sent",
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
    record("plan.lookups_viewed", by=by, grounds=Grounds.SELF, person_id=person_id)
    return looks_by_day(person_id, excluding=by.id, limit=limit)


def looks_by_day(person_id: uuid.UUID, *, excluding: uuid.UUID | None, limit: int = 1000) -> list[LooksOnADay]:
    """The looks ``who_has_looked`` lists (leaving out ``excluding``'s, the person's own). Checks no access: for
    ``who_has_looked`` and the person's own copy of everything (``safetyplan.exchange.everything``)."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.person_id == person_id,
            AuditEvent.action.in_(LOOK_ACTIONS),
            AuditEvent.outcome == "allowed",
            AuditEvent.actor_id.is_not(None),
            *([AuditEvent.actor_id != excluding] if excluding else []),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    ).all()
    names: dict[uuid.UUID, str] = {}
    for actor_id in {event.actor_id for event in events if event.actor_id}:
        user = session.get(User, actor_id)
        names[actor_id] = str(user.display_name) if user is not None else ""
    days: dict[tuple[date, uuid.UUID], LooksOnADay] = {}
    for event in events:  # newest first, so the days are too
        assert event.actor_id is not None
        key = (event.occurred_at.astimezone(LOOK_DAY_ZONE).date(), event.actor_id)
        if key not in days:
            days[key] = LooksOnADay(key[0], names.get(event.actor_id, ""), event.actor_role, [])
        days[key].looks.append(Look(event.occurred_at, event.action))
    return list(days.values())
