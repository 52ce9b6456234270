"""People on caseloads: recording them, their details, and which teams hold them.

Who may reach a person is decided in ``safetyplan.people.access``, for the person asked for: out of reach looks
exactly like not there (NotFound), and is audited as a denial.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from safetyplan.accounts.access import admin_grounds
from safetyplan.accounts.models import Team, TeamMembership, User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.crypto import vault
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError
from safetyplan.people import unchecked
from safetyplan.people.access import grounds_for, reach, refuse
from safetyplan.people.identifiers import normalise_nhs_number
from safetyplan.people.messages import MESSAGES
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.roles import Role


class PersonError(DomainError):
    messages = MESSAGES


def nhs_number_index(digits: str) -> bytes:
    return vault().blind_index("nhs_number", digits)


def get_person(*, by: User, person_id: uuid.UUID, action: str = "person.viewed") -> Person:
    """The person's record, if ``by`` may reach it; the read is audited. Raises NotFound otherwise."""
    grounds, person = reach(by, person_id, action=action, roles=tuple(Role))
    record(action, by=by, grounds=grounds, person_id=person_id)
    return person


def _may_add_to(by: User, team_id: uuid.UUID) -> bool:
    if by.role == Role.ADMIN:
        return True
    if by.role != Role.CLINICIAN:
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
        by=by,
        grounds=Grounds.team(team_id) if by and by.role == Role.CLINICIAN else admin_grounds(by),
        person_id=person.id,
        team_id=team_id,
    )
    return person


def add_to_caseload(*, by: User | None, person_id: uuid.UUID, team_id: uuid.UUID) -> None:
    """Put a person on another team's caseload too (for example on transfer)."""
    if by is not None and by.role != Role.ADMIN:
        raise PersonError("not_allowed")
    if session.scalars(
        select(CaseloadEntry.id).where(CaseloadEntry.team_id == team_id, CaseloadEntry.person_id == person_id)
    ).first():
        raise PersonError("already_on_caseload", field="person_id")
    session.add(CaseloadEntry(team_id=team_id, person_id=person_id, added_at=utcnow()))
    record("caseload.person_added", by=by, grounds=admin_grounds(by), person_id=person_id, team_id=team_id)


def teams_holding(*, by: User, person_id: uuid.UUID) -> list[Team]:
    """The teams whose caseloads hold this person, by name, for someone who may reach them (NotFound otherwise;
    a read of the person's record, audited by the caller's read of it)."""
    if grounds_for(by, person_id) is None:
        refuse(by, person_id, "person.viewed")
    return unchecked.teams_holding(person_id)


def find_person_by_nhs_number(*, by: User | None, nhs_number: str) -> Person | None:
    """The person with this NHS number, for an admin (or the command line); None when there is none."""
    if by is not None and by.role != Role.ADMIN:
        raise PersonError("not_allowed")
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


def list_teams(*, by: User | None) -> list[TeamSummary]:
    """Every team, by name, with how many clinicians and people it has: for an admin, an auditor (to choose a
    team's measures) or the command line."""
    if by is not None and by.role not in (Role.ADMIN, Role.AUDITOR):
        raise PersonError("not_allowed")
    members = select(TeamMembership.team_id, func.count().label("n")).group_by(TeamMembership.team_id).subquery()
    people = select(CaseloadEntry.team_id, func.count().label("n")).group_by(CaseloadEntry.team_id).subquery()
    rows = session.execute(
        select(Team, func.coalesce(members.c.n, 0), func.coalesce(people.c.n, 0))
        .outerjoin(members, members.c.team_id == Team.id)
        .outerjoin(people, people.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return [TeamSummary(team.id, team.name, team.phone, m, p) for team, m, p in rows]
