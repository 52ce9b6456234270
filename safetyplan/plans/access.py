"""Who may reach a plan: the clinicians of a team whose caseload holds the person, and the person themself.

Carers see shared sections through ``safetyplan.sharing``; admins and auditors never read plan content. Out of
reach looks like not there, and is audited as a denial (``safetyplan.people.access``).
"""

from __future__ import annotations

import uuid

from safetyplan.accounts.models import User
from safetyplan.audit.grounds import Grounds
from safetyplan.people.access import PLAN_ROLES, grounds_for, reach
from safetyplan.people.models import Person


def plan_grounds(by: User, person_id: uuid.UUID) -> Grounds | None:
    return grounds_for(by, person_id, roles=PLAN_ROLES)  # admins and auditors never read plan content


def reach_plan(by: User, person_id: uuid.UUID, action: str) -> tuple[Grounds, Person]:
    return reach(by, person_id, action=action, roles=PLAN_ROLES)
