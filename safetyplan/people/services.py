"""People on caseloads, and who may reach them.

A clinician reaches a person only through a team whose caseload holds them (a legitimate relationship); a
person reaches their own record; an admin reaches identifiers to manage caseloads. Every check is made here, for
the person asked for, and fails closed: out of reach looks exactly like not there (PersonNotFound), and is
audited as a denial.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from safetyplan.accounts.models import Team, TeamMembership, User
from safetyplan.accounts.services import acted_by
from safetyplan.audit import record
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError
from safetyplan.people.identifiers import normalise_nhs_number
from safetyplan.people.messages import MESSAGES
from safetyplan.people.models import CaseloadEntry, Person


class PersonNotFound(Exception):
    """No such person, or none this user may reach: the two look the same from outside."""


class PersonError(DomainError):
    messages = MESSAGES


def nhs_number_index(digits: str) -> bytes:
    return vault().blind_index("nhs_number", digits)


def grounds_for(user: User, person_id: uuid.UUID) -> str | None:
    """Why ``user`` may reach this person's record ("team:<id>", "self", "role:admin"), or None."""
    if user.role == "clinician":
        team_id = session.scalars(
            select(CaseloadEntry.team_id)
            .join(TeamMembership, TeamMembership.team_id == CaseloadEntry.team_id)
            .where(CaseloadEntry.person_id == person_id, TeamMembership.user_id == user.id)
            .order_by(CaseloadEntry.team_id)
            .limit(1)
        ).first()
        return f"team:{team_id}" if team_id else None
    if user.role == "person":
        return "self" if user.person_id == person_id else None
    if user.role == "admin":
        return "role:admin"
    return None  # carers reach a person only through what the person shares (see sharing/); auditors never


def get_person(*, by: User, person_id: uuid.UUID, action: str = "person.viewed") -> Person:
    """The person's record, if ``by`` may reach it; the read is audited. Raises PersonNotFound otherwise."""
    grounds = grounds_for(by, person_id)
    person = session.get(Person, person_id) if grounds else None
    if person is None:
        record(action, actor_id=by.id, actor_role=by.role, grounds="none", outcome="denied", person_id=person_id)
        raise PersonNotFound()
    record(action, actor_id=by.id, actor_role=by.role, grounds=grounds or "none", person_id=person_id)
    return person


def _may_add_to(by: User, team_id: uuid.UUID) -> bool:
    if by.role == "admin":
        return True
    if by.role != "clinician":
        return False
    return (
        session.scalars(
            select(TeamMembership.id).where(TeamMembership.team_id == team_id, TeamMembership.user_id == by.id)
        ).first()
        is not None
    )


@dataclass(frozen=True)
class PersonDetails:
    name: str
    date_of_birth: date
    nhs_number: str | None = None
    preferred_name: str | None = None
    pronouns: str | None = None
    phone: str | None = None
    address: str | None = None


def create_person(*, by: User | None, team_id: uuid.UUID, details: PersonDetails) -> Person:
    """Record a new person on a team's caseload (a clinician of that team, an admin, or the command line).

    Raises PersonError("nhs_number_invalid" | "nhs_number_taken" | "not_allowed").
    """
    if by is not None and not _may_add_to(by, team_id):
        raise PersonError("not_allowed")
    digits = None
    if details.nhs_number:
        digits = normalise_nhs_number(details.nhs_number)
        if digits is None:
            raise PersonError("nhs_number_invalid", field="nhs_number")
        if session.scalars(select(Person.id).where(Person.nhs_number_index == nhs_number_index(digits))).first():
            raise PersonError("nhs_number_taken", field="nhs_number")
    person = Person(
        name=details.name.strip(),
        preferred_name=(details.preferred_name or "").strip() or None,
        pronouns=(details.pronouns or "").strip() or None,
        date_of_birth=details.date_of_birth,
        nhs_number=digits,
        nhs_number_index=nhs_number_index(digits) if digits else None,
        phone=(details.phone or "").strip() or None,
        address=(details.address or "").strip() or None,
        created_at=utcnow(),
    )
    session.add(person)
    session.flush()
    session.add(CaseloadEntry(team_id=team_id, person_id=person.id, added_at=utcnow()))
    record(
        "person.created",
        actor_id=by.id if by else None,
        actor_role=by.role if by else None,
        grounds=f"team:{team_id}" if by and by.role == "clinician" else ("role:admin" if by else "command_line"),
        person_id=person.id,
        team_id=team_id,
    )
    return person


def add_to_caseload(*, by: User | None, person_id: uuid.UUID, team_id: uuid.UUID) -> None:
    """Put a person on another team's caseload too (for example on transfer)."""
    if by is not None and by.role != "admin":
        raise PersonError("not_allowed")
    if session.scalars(
        select(CaseloadEntry.id).where(CaseloadEntry.team_id == team_id, CaseloadEntry.person_id == person_id)
    ).first():
        raise PersonError("already_on_caseload", field="person_id")
    session.add(CaseloadEntry(team_id=team_id, person_id=person_id, added_at=utcnow()))
    record("caseload.person_added", **acted_by(by), person_id=person_id, team_id=team_id)


def teams_holding(person_id: uuid.UUID) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(CaseloadEntry, CaseloadEntry.team_id == Team.id)
            .where(CaseloadEntry.person_id == person_id)
            .order_by(Team.name)
        )
    )


def find_person_by_nhs_number(nhs_number: str) -> Person | None:
    digits = normalise_nhs_number(nhs_number)
    if digits is None:
        return None
    return session.scalars(select(Person).where(Person.nhs_number_index == nhs_number_index(digits))).first()


@dataclass(frozen=True)
class TeamSummary:
    """A team as the admin pages list it."""

    id: uuid.UUID
    name: str
    phone: str | None
    members: int
    people: int


def list_teams() -> list[TeamSummary]:
    """Every team, by name, with how many clinicians and people it has."""
    members = select(TeamMembership.team_id, func.count().label("n")).group_by(TeamMembership.team_id).subquery()
    people = select(CaseloadEntry.team_id, func.count().label("n")).group_by(CaseloadEntry.team_id).subquery()
    rows = session.execute(
        select(Team, func.coalesce(members.c.n, 0), func.coalesce(people.c.n, 0))
        .outerjoin(members, members.c.team_id == Team.id)
        .outerjoin(people, people.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return [TeamSummary(team.id, team.name, team.phone, m, p) for team, m, p in rows]
