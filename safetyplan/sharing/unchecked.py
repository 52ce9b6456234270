"""Reads of sharing that check no access, for services that have already checked it (the exports in
``safetyplan.exchange``). Routes never import this module (an import contract in pyproject.toml)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.db import session
from safetyplan.sharing.models import InvolvedPerson


def involved_of(person_id: uuid.UUID) -> list[InvolvedPerson]:
    """The people this person has involved and not removed, by name."""
    found = session.scalars(
        select(InvolvedPerson).where(InvolvedPerson.person_id == person_id, InvolvedPerson.removed_at.is_(None))
    )
    return sorted(found, key=lambda involved: (str(involved.name).casefold(), str(involved.id)))
