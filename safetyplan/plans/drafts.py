"""Drafts: what a clinician has typed into the editor and not saved yet, sealed, one per clinician and
person, so that nothing is lost to a closed tab, a timeout or a conflict."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.db import session, utcnow
from safetyplan.plans.access import reach_plan
from safetyplan.plans.models import PlanDraft


def save_draft(*, by: User, person_id: uuid.UUID, base_number: int, fields: dict[str, str]) -> None:
    """Keep what this user has typed so far (sealed), so that nothing is lost to a closed tab or a timeout."""
    grounds, _person = reach_plan(by, person_id, "plan.draft_saved")
    draft = session.scalars(
        select(PlanDraft).where(PlanDraft.person_id == person_id, PlanDraft.user_id == by.id)
    ).one_or_none()
    if draft is None:
        draft = PlanDraft(person_id=person_id, user_id=by.id, base_number=base_number, updated_at=utcnow())
        session.add(draft)
    draft.base_number = base_number
    draft.updated_at = utcnow()
    draft.fields = fields
    record("plan.draft_saved", by=by, grounds=grounds, person_id=person_id)


def draft_for(*, by: User, person_id: uuid.UUID) -> PlanDraft | None:
    """This user's unsaved draft of the person's plan (the caller has already checked access)."""
    return session.scalars(
        select(PlanDraft).where(PlanDraft.person_id == person_id, PlanDraft.user_id == by.id)
    ).one_or_none()


def discard_draft(*, by: User, person_id: uuid.UUID) -> None:
    grounds, _person = reach_plan(by, person_id, "plan.draft_discarded")
    session.execute(delete(PlanDraft).where(PlanDraft.person_id == person_id, PlanDraft.user_id == by.id))
    record("plan.draft_discarded", by=by, grounds=grounds, person_id=person_id)
