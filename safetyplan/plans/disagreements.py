"""The person's own disagreement with their plan, or a part of it, recorded from their own account in their own
words; their clinicians see it, it stays in the plan's history, and the person can take it back.

A clinician already records, with each revision, whether the person agrees (and, if not, their words). This is the
person's way to say it themselves, at any time, without waiting for a review (NICE QS34; HSSIB 2024: people and
families "were not listened to").
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.errors import NotFound
from safetyplan.people.access import PLAN_ROLES, grounds_for, refuse
from safetyplan.people.models import Person
from safetyplan.plans.errors import PlanError
from safetyplan.plans.models import Plan, PlanDisagreement
from safetyplan.plans.revisions import PlanView
from safetyplan.plans.sections import sections
from safetyplan.roles import Role

#: The most words a disagreement holds.
MOST_WORDS = 2000


def record_disagreement(*, by: User, section_key: str | None, words: str) -> PlanDisagreement:
    """The person says they disagree with their current plan (``section_key`` None) or one part of it.

    Raises PlanError("not_allowed") for anyone but the person themself, PlanError("no_plan") before there is a plan
    to disagree with, PlanError("section") for a part the plan does not have, PlanError("words") for no words.
    """
    person_id = _own_person(by)
    plan = session.scalars(select(Plan).where(Plan.person_id == person_id)).one_or_none()
    if plan is None or plan.current_number == 0:
        raise PlanError("no_plan")
    if section_key is not None and section_key not in {part.key for part in sections()}:
        raise PlanError("section", field="section_key")
    words = words.strip()
    if not words or len(words) > MOST_WORDS:
        raise PlanError("words", field="words")
    disagreement = PlanDisagreement(
        id=uuid.uuid4(),
        plan_id=plan.id,
        person_id=person_id,
        author_id=by.id,
        revision_number=plan.current_number,
        section_key=section_key,
        created_at=utcnow(),
        words=words,
    )
    session.add(disagreement)
    record(
        "plan.disagreement_recorded",
        by=by,
        grounds=Grounds.SELF,
        person_id=person_id,
        plan_id=plan.id,
        section=section_key,
    )
    return disagreement


def withdraw_disagreement(*, by: User, disagreement_id: uuid.UUID) -> PlanDisagreement:
    """The person takes back what they said; it stays in the history, marked as taken back. Raises NotFound for
    anyone else's, and PlanError("withdrawn") for one already taken back."""
    person_id = _own_person(by)
    found = session.get(PlanDisagreement, disagreement_id)
    if found is None or found.person_id != person_id:
        record(
            "plan.disagreement_withdrawn",
            by=by,
            grounds=Grounds.NONE,
            outcome="denied",
            person_id=person_id,
        )
        raise NotFound()
    if found.withdrawn_at is not None:
        raise PlanError("withdrawn")
    found.withdrawn_at = utcnow()
    record(
        "plan.disagreement_withdrawn",
        by=by,
        grounds=Grounds.SELF,
        person_id=person_id,
        plan_id=found.plan_id,
        section=found.section_key,
    )
    return found


def disagreements_on(*, by: User, view: PlanView) -> list[PlanDisagreement]:
    """Everything the person has said they disagree with on the plan in ``view``, taken back or not, newest first.
    A PlanView comes only from view_plan, which has checked (and audited) access; here only that it is ``by``'s."""
    if view.viewer_id != by.id:
        refuse(by, view.person.id, "plan.viewed")
    return _of(view.person.id)


def disagreements_in_history(*, by: User, person: Person) -> list[PlanDisagreement]:
    """The same, for the plan's history page, for someone who may read the plan."""
    if grounds_for(by, person.id, roles=PLAN_ROLES) is None:
        refuse(by, person.id, "plan.history_viewed")
    return _of(person.id)


def _of(person_id: uuid.UUID) -> list[PlanDisagreement]:
    return list(
        session.scalars(
            select(PlanDisagreement)
            .where(PlanDisagreement.person_id == person_id)
            .order_by(PlanDisagreement.created_at.desc())
        )
    )


def _own_person(by: User) -> uuid.UUID:
    if by.role != Role.PERSON or by.person_id is None:
        raise PlanError("not_allowed")
    return by.person_id
