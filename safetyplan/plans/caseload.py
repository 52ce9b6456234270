"""A clinician's caseload: the people on their teams, with when each plan is next due for review.

It lives with plans, not people, because it shows each person's plan; the people it lists and the access rule
(the clinician's own teams) are people's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from safetyplan.accounts.models import Team, TeamMembership, User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session
from safetyplan.people.identifiers import format_nhs_number, normalise_nhs_number
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.people.services import PersonError, nhs_number_index
from safetyplan.plans.models import Plan
from safetyplan.roles import Role


@dataclass(frozen=True)
class CaseloadRow:
    """One person as the caseload page lists them."""

    person_id: uuid.UUID
    name: str
    preferred_name: str | None
    nhs_number: str | None
    date_of_birth: date | None
    teams: tuple[str, ...]
    next_review_on: date | None = None


#: The only orders a caseload can have: by name, or by when each plan is next due for review.
SORTS = ("name", "review")


def caseload(*, by: User, search: str = "", sort: str = "name") -> list[CaseloadRow]:
    """The people on the clinician's teams' caseloads, by name or by next review date, optionally searched.

    A search of 10 digits (spaces allowed) finds an NHS number exactly, through its blind index; anything else
    matches the name or preferred name. Names are sealed, so matching and ordering happen here, after decryption.
    """
    if by.role != Role.CLINICIAN:
        raise PersonError("not_allowed")
    if sort not in SORTS:
        raise PersonError("sort", field="sort")
    memberships = select(TeamMembership.team_id).where(TeamMembership.user_id == by.id)
    # Bare columns rather than Person records: a caseload is hundreds of people, and building a record for each
    # costs more than opening its four sealed values.
    query = (
        select(
            Person.id,
            Person.name_sealed,
            Person.preferred_name_sealed,
            Person.nhs_number_sealed,
            Person.date_of_birth_sealed,
            Team.name,
            Team.id,
            Plan.next_review_on,
        )
        .join(CaseloadEntry, CaseloadEntry.person_id == Person.id)
        .join(Team, Team.id == CaseloadEntry.team_id)
        .outerjoin(Plan, Plan.person_id == Person.id)
        .where(CaseloadEntry.team_id.in_(memberships))
    )
    search = search.strip()
    digits = normalise_nhs_number(search) if search else None
    if digits:
        query = query.where(Person.nhs_number_index == nhs_number_index(digits))
    people: dict[uuid.UUID, tuple[tuple[Any, ...], list[str]]] = {}
    team_ids: set[uuid.UUID] = set()
    for person_id, *sealed, team_name, team_id, review_on in session.execute(query):
        people.setdefault(person_id, ((person_id, *sealed, review_on), []))[1].append(team_name)
        team_ids.add(team_id)
    rows = []
    for (person_id, name_sealed, preferred_sealed, nhs_sealed, born_sealed, review_on), teams in people.values():
        opened = Person.open_selected(
            record_id=person_id,
            owner_id=person_id,  # a person's values are sealed with their own key
            name=name_sealed,
            preferred_name=preferred_sealed,
            nhs_number=nhs_sealed,
            date_of_birth=born_sealed,
        )
        rows.append(
            CaseloadRow(
                person_id=person_id,
                name=str(opened["name"]),
                preferred_name=opened["preferred_name"],
                nhs_number=format_nhs_number(opened["nhs_number"]) if opened["nhs_number"] else None,
                date_of_birth=opened["date_of_birth"],
                teams=tuple(sorted(teams)),
                next_review_on=review_on,
            )
        )
    if search and not digits:
        wanted = search.casefold()
        rows = [row for row in rows if wanted in row.name.casefold() or wanted in (row.preferred_name or "").casefold()]
    rows.sort(key=lambda row: (row.name.casefold(), str(row.person_id)))
    if sort == "review":  # soonest (or most overdue) first; no date last; by name within a date
        rows.sort(key=lambda row: (row.next_review_on is None, row.next_review_on or date.max))
    audited_teams: list[uuid.UUID | None] = [*sorted(team_ids)] or [None]
    for audited_team in audited_teams:
        record(
            "caseload.viewed",
            by=by,
            grounds=Grounds.team(audited_team) if audited_team else Grounds.NONE,
            team_id=audited_team,
        )
    return rows
