"""Who may reach a person's record, and why: the one check every package makes before it reads or changes
anything of a person's.

A clinician reaches a person only through a team whose caseload holds them (a legitimate relationship); a person
reaches their own record; an admin reaches identifiers to manage caseloads. Carers reach only what the person
shares, through their confirmed link (``safetyplan.sharing``, which refuses through ``refuse`` here too); auditors
reach no one. Out of reach looks exactly like not there (``NotFound``), and is audited as a denial.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import NoReturn

from sqlalchemy import bindparam, select

from safetyplan.accounts.models import TeamMembership, User
from safetyplan.audit import Grounds, record
from safetyplan.db import session
from safetyplan.errors import NotFound
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.roles import Role

#: Who reads and writes a plan with the person: the person themself and their team's clinicians.
PLAN_ROLES: frozenset[Role] = frozenset({Role.CLINICIAN, Role.PERSON})


#: The first team (by id) through which a clinician reaches a person; built once, as every page of a person's runs it.
_CLINICIANS_TEAM = (
    select(CaseloadEntry.team_id)
    .join(TeamMembership, TeamMembership.team_id == CaseloadEntry.team_id)
    .where(CaseloadEntry.person_id == bindparam("person_id"), TeamMembership.user_id == bindparam("user_id"))
    .order_by(CaseloadEntry.team_id)
    .limit(1)
)


def grounds_for(user: User, person_id: uuid.UUID, *, roles: Collection[Role] = tuple(Role)) -> Grounds | None:
    """Why ``user``, acting in one of ``roles``, may reach this person's record, or None."""
    if user.role not in roles:
        return None
    if user.role == Role.CLINICIAN:
        team_id = session.scalars(_CLINICIANS_TEAM, {"person_id": person_id, "user_id": user.id}).first()
        return Grounds.team(team_id) if team_id else None
    if user.role == Role.PERSON:
        return Grounds.SELF if user.person_id == person_id else None
    if user.role == Role.ADMIN:
        return Grounds.role(Role.ADMIN)
    return None  # carers reach a person only through what the person shares (see sharing/); auditors never


def reach(by: User, person_id: uuid.UUID, *, action: str, roles: Collection[Role]) -> tuple[Grounds, Person]:
    """The person's record and the grounds on which ``by`` reaches it for ``action``, acting in one of ``roles``.

    Audits nothing when allowed (the caller records what it then does, with these grounds); a refusal is audited
    as ``action`` denied and raises NotFound."""
    grounds = grounds_for(by, person_id, roles=roles)
    person = session.get(Person, person_id) if grounds else None
    if person is None or grounds is None:
        refuse(by, person_id, action)
    return grounds, person


def refuse(by: User, person_id: uuid.UUID, action: str) -> NoReturn:
    """Audit ``action`` on this person as denied to ``by``, and raise NotFound."""
    record(action, by=by, grounds=Grounds.NONE, outcome="denied", person_id=person_id)
    raise NotFound()
