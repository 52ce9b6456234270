"""Reads of people that check no access, for services that have already checked it. Routes never import this
module (an import contract in pyproject.toml): they call the checked services."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import Team
from safetyplan.crypto import vault
from safetyplan.db import session
from safetyplan.people.models import CaseloadEntry, Person


def teams_holding(person_id: uuid.UUID) -> list[Team]:
    """The teams whose caseloads hold this person, by name."""
    return list(
        session.scalars(
            select(Team)
            .join(CaseloadEntry, CaseloadEntry.team_id == Team.id)
            .where(CaseloadEntry.person_id == person_id)
            .order_by(Team.name)
        )
    )


def person_with_nhs_number(digits: str) -> Person | None:
    """The person with this NHS number (ten digits, already checked), or None."""
    index = vault().blind_index("nhs_number", digits)
    return session.scalars(select(Person).where(Person.nhs_number_index == index)).first()


def on_caseload(person_id: uuid.UUID, team_id: uuid.UUID) -> bool:
    found = select(CaseloadEntry.id).where(CaseloadEntry.person_id == person_id, CaseloadEntry.team_id == team_id)
    return session.scalars(found).first() is not None
