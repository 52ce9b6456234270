"""A plan and its revisions: reading it, its history, saving a revision without ever overwriting
someone else's, and restoring an earlier one.

Every read and change is audited in the same transaction; a revision is only ever added, never changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, select, update

from safetyplan import metrics
from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.db import session, utcnow
from safetyplan.errors import NotFound
from safetyplan.people.access import refuse
from safetyplan.people.models import Person
from safetyplan.plans import unchecked
from safetyplan.plans.access import plan_grounds, reach_plan
from safetyplan.plans.content import Content, is_empty, same, section_content
from safetyplan.plans.errors import Conflict, PlanError
from safetyplan.plans.events import plan_changed
from safetyplan.plans.models import Plan, PlanDraft, PlanRevision
from safetyplan.plans.sections import CURRENT_VERSION, REASONS, sections
from safetyplan.plans.wording import record_findings
from safetyplan.roles import Role


def _locked_plan_made_if_missing(person_id: uuid.UUID) -> Plan:
    """The person's plan, locked for this transaction; made first if there is none. Two first saves at once both
    get the one plan (the second then meets the first's revision as a conflict), never an error."""
    table = Plan.__table__
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        statement = module.insert(table).values(
            id=uuid.uuid4(), person_id=person_id, created_at=utcnow(), current_number=0, declined=False
        )
        session.execute(statement.on_conflict_do_nothing(index_elements=["person_id"]))
    plan = unchecked.plan_of(person_id, lock=True)
    assert plan is not None
    return plan


@dataclass(frozen=True)
class PlanView:
    """A person's plan as one account may see it. Made only by view_plan, after the access check: the reads
    below that take a view check only that it was made for the same account."""

    person: Person
    plan: Plan | None
    current: PlanRevision | None
    viewer_id: uuid.UUID

    @property
    def number(self) -> int:
        return self.plan.current_number if self.plan else 0


def view_plan(*, by: User, person_id: uuid.UUID, action: str = "plan.viewed") -> PlanView:
    """The person's plan and its newest revision (if any), for someone who may read it; audited."""
    grounds = plan_grounds(by, person_id)
    # The person, their plan and its newest revision in one query (outer joins: there may be no plan yet, and a
    # plan may have no revision yet). Each page of the plan starts here, and each trip to the database counts.
    found = (
        session.execute(
            select(Person, Plan, PlanRevision)
            .outerjoin(Plan, Plan.person_id == Person.id)
            .outerjoin(PlanRevision, and_(PlanRevision.plan_id == Plan.id, PlanRevision.number == Plan.current_number))
            .where(Person.id == person_id)
        ).one_or_none()
        if grounds
        else None
    )
    if found is None or grounds is None:
        refuse(by, person_id, action)
    person, plan, current = found
    record(
        action,
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id if plan else None,
        revision_id=current.id if current else None,
    )
    return PlanView(person, plan, current, viewer_id=by.id)


def author_name(*, by: User, revision: PlanRevision) -> str:
    """The name of whoever saved a revision, for someone who may read the plan, or "" if the account is gone."""
    if plan_grounds(by, revision.person_id) is None:
        refuse(by, revision.person_id, "plan.viewed")
    author = session.get(User, revision.author_id) if revision.author_id else None
    return str(author.display_name) if author is not None else ""


def history(*, by: User, person_id: uuid.UUID) -> tuple[Person, list[PlanRevision]]:
    """Every revision, newest first."""
    grounds, person = reach_plan(by, person_id, "plan.history_viewed")
    plan = unchecked.plan_of(person_id)
    revisions = (
        list(
            session.scalars(
                select(PlanRevision).where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.number.desc())
            )
        )
        if plan
        else []
    )
    record(
        "plan.history_viewed",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id if plan else None,
    )
    return person, revisions


def get_revision(
    *, by: User, person_id: uuid.UUID, number: int, action: str = "plan.revision_viewed"
) -> tuple[Person, PlanRevision]:
    grounds, person = reach_plan(by, person_id, action)
    found = unchecked.revision_of(unchecked.plan_of(person_id), number)
    if found is None:
        record(action, by=by, grounds=grounds, outcome="failed", person_id=person_id)
        raise NotFound()
    record(
        action,
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=found.plan_id,
        revision_id=found.id,
    )
    return person, found


@dataclass
class RevisionInput:
    """What a clinician saves: the sections and the record of the conversation."""

    content: Content
    reason: str
    person_took_part: bool
    carer_took_part: bool = False
    advocate_took_part: bool = False
    participants: dict[str, str] = field(default_factory=dict)
    person_agrees: bool | None = None
    disagreement: str | None = None
    next_review_on: date | None = None
    own_words: set[str] = field(default_factory=set)
    declined: bool = False


def _attributed(
    new: Content, previous: Content | None, version: int, *, author_role: str, own_words: set[str]
) -> Content:
    """Keep who wrote each section: a changed section is the author's (in the person's own words when marked);
    an unchanged one keeps its earlier attribution, so nothing the person wrote is re-labelled silently."""
    result: Content = {}
    for part in sections(version):
        fresh = section_content(new, part)
        old = section_content(previous, part) if previous else None
        if old is not None and same(old, fresh, part):
            fresh["by"], fresh["own_words"] = old.get("by", author_role), bool(old.get("own_words"))
        else:
            fresh["by"] = author_role
            fresh["own_words"] = author_role == Role.PERSON or part.key in own_words
        result[part.key] = fresh
    return result


def append_revision(
    *,
    by: User | None,
    plan: Plan,
    base_number: int,
    content: Content,
    reason: str,
    values: dict[str, Any],
    version: int = CURRENT_VERSION,
) -> PlanRevision:
    """Add revision base_number + 1, or raise Conflict if the plan moved on. The one way a revision is written.
    ``by`` None is the command line (a plan received on transfer by an operator)."""
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(Plan)
            .where(Plan.id == plan.id, Plan.current_number == base_number)
            .values(
                current_number=base_number + 1,
                next_review_on=values.get("next_review_on"),
                declined=values.get("declined", False),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if moved.rowcount != 1:
        session.expire(plan)
        metrics.PLAN_CONFLICTS.inc()
        raise Conflict(unchecked.revision_of(plan, plan.current_number))  # type: ignore[arg-type]
    revision = PlanRevision(
        plan_id=plan.id,
        person_id=plan.person_id,
        number=base_number + 1,
        created_at=utcnow(),
        author_id=by.id if by else None,
        author_role=by.role if by else None,
        reason=reason,
        sections_version=version,
        content=content,
        **values,
    )
    session.add(revision)
    session.flush()
    session.expire(plan)
    plan_changed(plan.person_id, by)
    metrics.count_after_commit(session, metrics.PLAN_SAVES)
    return revision


def save_revision(*, by: User, person_id: uuid.UUID, base_number: int, revision: RevisionInput) -> PlanRevision:
    """Save a new revision written by a clinician with the person. Raises Conflict if someone saved since
    ``base_number``; PlanError for a reason or date that is not allowed; NotFound if out of reach."""
    if by.role != Role.CLINICIAN:
        raise PlanError("not_allowed")
    grounds, _person = reach_plan(by, person_id, "plan.revised")
    if revision.reason not in REASONS or revision.reason in ("suggestion_accepted", "restored"):
        raise PlanError("reason", field="reason")
    if revision.next_review_on is not None and revision.next_review_on <= date.today():
        raise PlanError("review_date_past", field="next_review_on")
    plan = _locked_plan_made_if_missing(person_id)
    if base_number > plan.current_number:
        raise PlanError("base")  # not a revision anyone saw: a forged or mangled form
    previous = unchecked.revision_of(plan, base_number)
    content = _attributed(
        revision.content,
        previous.content if previous else None,
        CURRENT_VERSION,
        author_role=Role.CLINICIAN,
        own_words=revision.own_words,
    )
    saved = append_revision(
        by=by,
        plan=plan,
        base_number=base_number,
        content=content,
        reason=revision.reason,
        values={
            "declined": revision.declined,
            "person_took_part": revision.person_took_part,
            "carer_took_part": revision.carer_took_part,
            "advocate_took_part": revision.advocate_took_part,
            "participants": revision.participants,
            "person_agrees": revision.person_agrees,
            "disagreement": (revision.disagreement or "").strip() or None,
            "next_review_on": revision.next_review_on,
        },
    )
    session.execute(delete(PlanDraft).where(PlanDraft.person_id == person_id, PlanDraft.user_id == by.id))
    record_findings(saved, previous.content if previous else None, grounds=grounds)
    record(
        "plan.declined" if revision.declined else "plan.revised",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id,
        revision_id=saved.id,
    )
    return saved


def restore(*, by: User, person_id: uuid.UUID, number: int, base_number: int) -> PlanRevision:
    """Make a new revision with the sections of revision ``number``; the history keeps everything."""
    if by.role != Role.CLINICIAN:
        raise PlanError("not_allowed")
    grounds, _person = reach_plan(by, person_id, "plan.restored")
    plan = unchecked.plan_of(person_id, lock=True)
    old = unchecked.revision_of(plan, number)
    if plan is None or old is None:
        raise NotFound()
    current = unchecked.revision_of(plan, plan.current_number)
    saved = append_revision(
        by=by,
        plan=plan,
        base_number=base_number,
        content=old.content,
        reason="restored",
        version=old.sections_version,
        values={
            "restored_from": number,
            "declined": old.declined,
            "person_took_part": False,
            "participants": {},
            "person_agrees": None,
            "next_review_on": current.next_review_on if current else None,
        },
    )
    record(
        "plan.restored",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id,
        revision_id=saved.id,
    )
    return saved


@dataclass(frozen=True)
class ReceivedRevision:
    """A plan that came from elsewhere (``safetyplan.exchange.imports`` read it and checked access)."""

    content: Content
    version: int
    origin: dict[str, Any]
    next_review_on: date | None
    declined: bool


def receive_revision(
    *, by: User | None, person_id: uuid.UUID, received: ReceivedRevision, grounds: Grounds
) -> PlanRevision:
    """Add a revision holding a plan received on transfer, with the reason "on transfer" and where it came from.
    Its words go through the detector like any other revision's. The caller has checked ``by`` may write it."""
    plan = _locked_plan_made_if_missing(person_id)
    previous = unchecked.revision_of(plan, plan.current_number)
    next_review = (
        received.next_review_on if received.next_review_on and received.next_review_on > date.today() else None
    )
    saved = append_revision(
        by=by,
        plan=plan,
        base_number=plan.current_number,
        content=received.content,
        reason="transfer",
        version=received.version,
        values={
            "declined": received.declined,
            "person_took_part": False,
            "participants": {},
            "person_agrees": None,
            "next_review_on": next_review,
            "origin": received.origin,
        },
    )
    record_findings(saved, previous.content if previous else None, grounds=grounds)
    return saved


def has_content(revision: PlanRevision | None) -> bool:
    if revision is None:
        return False
    return any(not is_empty(section_content(revision.content, part)) for part in sections(revision.sections_version))


def current_number(*, by: User, person_id: uuid.UUID) -> int:
    """The newest revision's number (0 when there is none), for someone who may read the plan."""
    if plan_grounds(by, person_id) is None:
        refuse(by, person_id, "plan.viewed")
    return unchecked.current_number(person_id)


def check_view(by: User, view: PlanView) -> None:
    """A view is made for one account, after its check: refuse anyone else who holds it."""
    if view.viewer_id != by.id:
        refuse(by, view.person.id, "plan.viewed")
