"""Reads of people that check no access, for services that have already checked it. Routes never import this
module (an import contract in pyproject.toml): they call the checked services."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import Team
from safetyplan.db import session
from safetyplan.people.models import CaseloadEntry


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
