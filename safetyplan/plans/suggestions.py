"""Suggestions: the person (or a carer, through sharing) suggests words for a section; a clinician, or
the person for a carer's, adds them to the plan as written or says why not."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.errors import NotFound
from safetyplan.plans import unchecked
from safetyplan.plans.access import plan_grounds, reach_plan
from safetyplan.plans.content import Content, is_empty, section_content
from safetyplan.plans.errors import PlanError
from safetyplan.plans.models import PlanRevision, Suggestion
from safetyplan.plans.revisions import PlanView, append_revision, check_view
from safetyplan.plans.sections import section
from safetyplan.plans.wording import record_findings
from safetyplan.roles import Role


def suggest(*, by: User, section_key: str, text: str) -> Suggestion:
    """The person suggests a change to their own plan, in their own words."""
    if by.role != Role.PERSON or by.person_id is None:
        raise PlanError("not_allowed")
    section(section_key)  # raises KeyError for a section that does not exist
    grounds, _person = reach_plan(by, by.person_id, "plan.suggestion_made")
    plan = unchecked.plan_of(by.person_id)
    if plan is None or plan.current_number == 0:
        raise PlanError("no_plan")
    suggestion = Suggestion(
        plan_id=plan.id,
        person_id=by.person_id,
        author_id=by.id,
        author_role=by.role,
        section_key=section_key,
        base_number=plan.current_number,
        created_at=utcnow(),
        status="waiting",
        text=text.strip(),
    )
    session.add(suggestion)
    session.flush()
    record(
        "plan.suggestion_made",
        by=by,
        grounds=grounds,
        person_id=by.person_id,
        plan_id=plan.id,
        section=section_key,
    )
    return suggestion


def _suggestions_of(person_id: uuid.UUID, status: str | None) -> list[Suggestion]:
    query = select(Suggestion).where(Suggestion.person_id == person_id).order_by(Suggestion.created_at.desc())
    if status:
        query = query.where(Suggestion.status == status)
    return list(session.scalars(query))


def waiting_on(*, by: User, view: PlanView) -> list[Suggestion]:
    """The suggestions waiting on the plan in ``view``, newest first. A PlanView comes only from view_plan, which
    has checked (and audited) access to this person's plan; here only that it was made for ``by``."""
    check_view(by, view)
    return _suggestions_of(view.person.id, "waiting")


def suggestions(*, by: User, person_id: uuid.UUID, status: str | None = None) -> list[Suggestion]:
    """The person's suggestions, newest first (the caller has already checked access to the plan)."""
    if plan_grounds(by, person_id) is None:
        raise NotFound()
    return _suggestions_of(person_id, status)


def may_decide(by: User, found: Suggestion) -> bool:
    """A clinician decides the person's suggestions (and records the person's decision on a carer's); the person
    decides what a carer suggests for their plan."""
    if by.role == Role.CLINICIAN:
        return True
    return by.role == Role.PERSON and found.author_role == Role.CARER and by.person_id == found.person_id


def _suggestion(by: User, suggestion_id: uuid.UUID, action: str) -> tuple[Grounds, Suggestion]:
    found = session.get(Suggestion, suggestion_id)
    if found is None or not may_decide(by, found):
        raise NotFound()
    grounds, _person = reach_plan(by, found.person_id, action)
    if found.status != "waiting":
        raise PlanError("already_decided")
    return grounds, found


def accept_suggestion(*, by: User, suggestion_id: uuid.UUID) -> PlanRevision:
    """Add the words as they were written to the section chosen: a new revision, attributed to their author."""
    grounds, found = _suggestion(by, suggestion_id, "plan.suggestion_accepted")
    plan = unchecked.plan_of(found.person_id, lock=True)
    assert plan is not None
    current = unchecked.revision_of(plan, plan.current_number)
    assert current is not None
    content: Content = dict(current.content)
    target = section(found.section_key)
    part = section_content(content, target)
    if target.kind == "contacts":
        part["contacts"] = [*part["contacts"], {"name": found.text, "relationship": "", "phone": ""}]
    elif target.kind == "helps":
        part["helps"] = [*part["helps"], found.text]
    else:
        part["items"] = [*part["items"], found.text]
    if is_empty(section_content(current.content, target)):
        part["by"], part["own_words"] = found.author_role, found.author_role == Role.PERSON
    else:
        # The section keeps who wrote what was there; it now also holds words the author suggested.
        part["suggested_by"] = sorted({*part.get("suggested_by", []), found.author_role})
    if found.author_role == Role.CARER:
        # A carer's words carry their name (sealed with the rest of the plan), so that with two carers it is clear.
        author = session.get(User, found.author_id)
        part["carers"] = sorted(
            {*part.get("carers", []), str(author.display_name) if author is not None else ""} - {""}
        )
    content[target.key] = part
    saved = append_revision(
        by=by,
        plan=plan,
        base_number=plan.current_number,
        content=content,
        reason="suggestion_accepted",
        version=current.sections_version,
        values={
            # The record of the last conversation stands: accepting a suggestion is not a new conversation.
            "person_took_part": current.person_took_part,
            "carer_took_part": current.carer_took_part,
            "advocate_took_part": current.advocate_took_part,
            "participants": current.participants or {},
            "person_agrees": current.person_agrees,
            "disagreement": current.disagreement,
            "next_review_on": current.next_review_on,
        },
    )
    found.status, found.decided_by, found.decided_at, found.accepted_number = "accepted", by.id, utcnow(), saved.number
    record_findings(saved, current.content, grounds=grounds, author_role=found.author_role)
    record(
        "plan.suggestion_accepted",
        by=by,
        grounds=grounds,
        person_id=found.person_id,
        plan_id=plan.id,
        revision_id=saved.id,
        section=found.section_key,
    )
    return saved


def decline_suggestion(*, by: User, suggestion_id: uuid.UUID, answer: str) -> None:
    """Leave the plan as it is, and say why in words the person will read."""
    grounds, found = _suggestion(by, suggestion_id, "plan.suggestion_declined")
    found.status, found.decided_by, found.decided_at, found.answer = "declined", by.id, utcnow(), answer.strip()
    record(
        "plan.suggestion_declined",
        by=by,
        grounds=grounds,
        person_id=found.person_id,
        plan_id=found.plan_id,
        section=found.section_key,
    )


def suggestion_or_none(*, by: User, suggestion_id: uuid.UUID) -> Suggestion | None:
    """A suggestion, if ``by`` may decide it and reach the person's plan."""
    found = session.get(Suggestion, suggestion_id)
    if found is None:
        return None
    if not may_decide(by, found) or plan_grounds(by, found.person_id) is None:
        record(
            "plan.suggestion_opened",
            by=by,
            grounds=Grounds.NONE,
            outcome="denied",
            person_id=found.person_id,
        )
        return None
    return found
