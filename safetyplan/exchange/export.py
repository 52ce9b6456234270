"""Exporting a plan as a FHIR document, for a clinician of a team that holds the person, or the command line.

Each export is audited in the same transaction, with the revision it holds. The Bundle is checked against the
FHIR R4B models (``fhir.resources``) before it leaves: an export that would not validate is a bug, never sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.db import utcnow
from safetyplan.errors import NotFound
from safetyplan.exchange.document import gather
from safetyplan.exchange.fhir import bundle_of
from safetyplan.people.access import reach
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.roles import Role

#: Who exports a plan: the clinicians of a team holding the person (the person's own copy comes separately).
EXPORT_ROLES = frozenset({Role.CLINICIAN})


@dataclass(frozen=True)
class Exported:
    bundle: dict[str, Any]
    revision_number: int


def export_fhir(
    *, by: User | None, person_id: uuid.UUID, number: int | None = None, now: datetime | None = None
) -> Exported:
    """The FHIR document of revision ``number`` (the newest when None) of the person's plan. Raises NotFound when
    the person is out of reach, or has no such revision; ``by`` None is the command line."""
    if by is None:
        grounds = Grounds.COMMAND_LINE
    else:
        grounds, _person = reach(by, person_id, action="plan.exported_fhir", roles=EXPORT_ROLES)
    document = gather(person_id, number)
    if document is None:
        record("plan.exported_fhir", by=by, grounds=grounds, outcome="failed", person_id=person_id)
        raise NotFound()
    bundle = bundle_of(document, generated_at=now or utcnow())
    Bundle.model_validate(bundle)
    plan = unchecked_plans.plan_of(person_id)
    revision = unchecked_plans.revision_of(plan, document.revision.number)
    record(
        "plan.exported_fhir",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id if plan else None,
        revision_id=revision.id if revision else None,
    )
    return Exported(bundle, document.revision.number)
