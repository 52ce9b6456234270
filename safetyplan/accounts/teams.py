"""Teams: an admin makes them and puts clinicians in them; a clinician reaches the people on their teams'
caseloads (``safetyplan.people``)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from safetyplan.accounts.access import admin_grounds
from safetyplan.accounts.errors import AccountError, NotAllowed
from safetyplan.accounts.models import (
    Team,
    TeamMembership,
    User,
)
from safetyplan.audit import record
from safetyplan.db import session, utcnow
from safetyplan.roles import Role


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
