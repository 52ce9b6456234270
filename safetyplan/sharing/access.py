"""Who records the person's sharing decisions: the person themself, or a clinician of a team holding them
(recording the person's decision). Out of reach looks exactly like not there, and is audited as a denial.

A carer's own way in, through a confirmed link, is in ``carers``."""

from __future__ import annotations

import uuid

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session
from safetyplan.errors import NotFound
from safetyplan.people.access import PLAN_ROLES, reach
from safetyplan.sharing.models import InvolvedPerson


def manager_grounds(by: User, person_id: uuid.UUID, action: str) -> Grounds:
    """The person themself, or a clinician of a team holding them: the people who record sharing decisions."""
    return reach(by, person_id, action=action, roles=PLAN_ROLES)[0]


def _involved_or_none(person_id: uuid.UUID, involved_id: uuid.UUID) -> InvolvedPerson | None:
    found = session.get(InvolvedPerson, involved_id)
    if found is None or found.person_id != person_id or found.removed_at is not None:
        return None
    return found


def reach_involved(
    by: User, person_id: uuid.UUID, involved_id: uuid.UUID, action: str
) -> tuple[Grounds, InvolvedPerson]:
    grounds = manager_grounds(by, person_id, action)
    found = _involved_or_none(person_id, involved_id)
    if found is None:
        record(action, by=by, grounds=grounds, outcome="failed", person_id=person_id)
        raise NotFound()
    return grounds, found
