"""Safety plans: reading, saving revisions without ever overwriting someone else's, drafts, suggestions, reviews.

Who may reach a plan: the clinicians of a team whose caseload holds the person, and the person themself
(carers see shared sections through sharing/; admins and auditors never read plan content). Every read and
change is audited in its own transaction; out of reach looks like not there.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, select, update

from safetyplan.accounts.models import Team, TeamMembership, User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError, NotFound
from safetyplan.people.access import PLAN_ROLES, grounds_for, reach, refuse
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.plans import unchecked
from safetyplan.plans.content import Content, is_empty, same, section_content
from safetyplan.plans.messages import MESSAGES
from safetyplan.plans.models import CrisisContact, Plan, PlanDraft, PlanRevision, Suggestion
from safetyplan.plans.sections import CURRENT_VERSION, REASONS, section, sections
from safetyplan.plans.wording import record_findings
from safetyplan.roles import Role


class PlanError(DomainError):
    messages = MESSAGES


class Conflict(Exception):
    """Someone else saved since this edit began; ``current`` is their revision. Nothing was saved."""

    def __init__(self, current: PlanRevision) -> None:
        super().__init__("conflict")
        self.current = current


def _grounds(by: User, person_id: uuid.UUID) -> Grounds | None:
    return grounds_for(by, person_id, roles=PLAN_ROLES)  # admins and auditors never read plan content


def _reach(by: User, person_id: uuid.UUID, action: str) -> tuple[Grounds, Person]:
    return reach(by, person_id, action=action, roles=PLAN_ROLES)


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
    grounds = _grounds(by, person_id)
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


#: A suggested review follows the gap the last one planned, if it was between these, or else comes 3 months on.
REVIEW_GAP_WEEKS = (1, 52)


@dataclass(frozen=True)
class SuggestedReview:
    """A next review date to fill in, which the clinician changes to the one agreed; and why this one."""

    on: date
    weeks_as_before: int | None  # the same gap as the last revision planned, in weeks; None: 3 months from today
    agreed_before: bool = False  # the date agreed last time, still to come: a small change keeps it


def suggested_review_date(current: PlanRevision | None, *, today: date) -> SuggestedReview:
    """The review date agreed last time while it is still to come (a small change to the plan does not move it);
    once it has come, the same gap as last time (from the day that revision was saved to the review it planned),
    in whole weeks; for a first plan, or a gap out of the ordinary, 3 months. A date, never a judgement."""
    if current is not None and current.next_review_on is not None and current.next_review_on > today:
        return SuggestedReview(current.next_review_on, None, agreed_before=True)
    if current is not None and current.next_review_on is not None:
        weeks = round((current.next_review_on - current.created_at.date()).days / 7)
        if REVIEW_GAP_WEEKS[0] <= weeks <= REVIEW_GAP_WEEKS[1]:
            return SuggestedReview(today + timedelta(weeks=weeks), weeks)
    month = today.month + 3
    year, month = today.year + (month - 1) // 12, (month - 1) % 12 + 1
    return SuggestedReview(date(year, month, min(today.day, calendar.monthrange(year, month)[1])), None)


def author_name(*, by: User, revision: PlanRevision) -> str:
    """The name of whoever saved a revision, for someone who may read the plan, or "" if the account is gone."""
    if _grounds(by, revision.person_id) is None:
        refuse(by, revision.person_id, "plan.viewed")
    author = session.get(User, revision.author_id) if revision.author_id else None
    return str(author.display_name) if author is not None else ""


def history(*, by: User, person_id: uuid.UUID) -> tuple[Person, list[PlanRevision]]:
    """Every revision, newest first."""
    grounds, person = _reach(by, person_id, "plan.history_viewed")
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
    grounds, person = _reach(by, person_id, action)
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


def _append(
    *,
    by: User,
    plan: Plan,
    base_number: int,
    content: Content,
    reason: str,
    values: dict[str, Any],
    version: int = CURRENT_VERSION,
) -> PlanRevision:
    """Add revision base_number + 1, or raise Conflict if the plan moved on. The one way a revision is written."""
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
        raise Conflict(unchecked.revision_of(plan, plan.current_number))  # type: ignore[arg-type]
    revision = PlanRevision(
        plan_id=plan.id,
        person_id=plan.person_id,
        number=base_number + 1,
        created_at=utcnow(),
        author_id=by.id,
        author_role=by.role,
        reason=reason,
        sections_version=version,
        content=content,
        **values,
    )
    session.add(revision)
    session.flush()
    session.expire(plan)
    return revision


def save_revision(*, by: User, person_id: uuid.UUID, base_number: int, revision: RevisionInput) -> PlanRevision:
    """Save a new revision written by a clinician with the person. Raises Conflict if someone saved since
    ``base_number``; PlanError for a reason or date that is not allowed; NotFound if out of reach."""
    if by.role != Role.CLINICIAN:
        raise PlanError("not_allowed")
    grounds, _person = _reach(by, person_id, "plan.revised")
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
    saved = _append(
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
    grounds, _person = _reach(by, person_id, "plan.restored")
    plan = unchecked.plan_of(person_id, lock=True)
    old = unchecked.revision_of(plan, number)
    if plan is None or old is None:
        raise NotFound()
    current = unchecked.revision_of(plan, plan.current_number)
    saved = _append(
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


# Drafts ------------------------------------------------------------------------------------------------------


def save_draft(*, by: User, person_id: uuid.UUID, base_number: int, fields: dict[str, str]) -> None:
    """Keep what this user has typed so far (sealed), so that nothing is lost to a closed tab or a timeout."""
    grounds, _person = _reach(by, person_id, "plan.draft_saved")
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
    grounds, _person = _reach(by, person_id, "plan.draft_discarded")
    session.execute(delete(PlanDraft).where(PlanDraft.person_id == person_id, PlanDraft.user_id == by.id))
    record("plan.draft_discarded", by=by, grounds=grounds, person_id=person_id)


# Suggestions ---------------------------------------------------------------------------------------------------


def suggest(*, by: User, section_key: str, text: str) -> Suggestion:
    """The person suggests a change to their own plan, in their own words."""
    if by.role != Role.PERSON or by.person_id is None:
        raise PlanError("not_allowed")
    section(section_key)  # raises KeyError for a section that does not exist
    grounds, _person = _reach(by, by.person_id, "plan.suggestion_made")
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
    _check_view(by, view)
    return _suggestions_of(view.person.id, "waiting")


def suggestions(*, by: User, person_id: uuid.UUID, status: str | None = None) -> list[Suggestion]:
    """The person's suggestions, newest first (the caller has already checked access to the plan)."""
    if _grounds(by, person_id) is None:
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
    grounds, _person = _reach(by, found.person_id, action)
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
    saved = _append(
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


# Reviews and contacts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    person_id: uuid.UUID
    name: str
    team: str
    next_review_on: date | None
    has_plan: bool
    declined: bool

    @property
    def overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < date.today()


def reviews_due(*, by: User) -> list[ReviewRow]:
    """People on the clinician's teams, by review date: overdue first, then soonest; no date (or no plan) last.

    Only dates decide the order: never anything about the person."""
    if by.role != Role.CLINICIAN:
        raise PlanError("not_allowed")
    memberships = select(TeamMembership.team_id).where(TeamMembership.user_id == by.id)
    rows = session.execute(
        select(Person, Team.name, Plan)
        .join(CaseloadEntry, CaseloadEntry.person_id == Person.id)
        .join(Team, Team.id == CaseloadEntry.team_id)
        .outerjoin(Plan, Plan.person_id == Person.id)
        .where(CaseloadEntry.team_id.in_(memberships))
        .order_by(Plan.next_review_on.is_(None), Plan.next_review_on)
    )
    seen: dict[uuid.UUID, ReviewRow] = {}
    for person, team_name, plan in rows:
        if person.id in seen:
            continue
        seen[person.id] = ReviewRow(
            person.id,
            str(person.name),
            team_name,
            plan.next_review_on if plan else None,
            bool(plan and plan.current_number),
            bool(plan and plan.declined),
        )
    record("plan.reviews_viewed", by=by, grounds=Grounds.role(Role.CLINICIAN))
    return list(seen.values())


def crisis_contacts(*, by: User) -> list[CrisisContact]:
    """The national crisis lines every plan lists. Not anyone's data: every role may read them."""
    return list(session.scalars(select(CrisisContact).order_by(CrisisContact.position)))


def team_phones(*, by: User, person_id: uuid.UUID) -> list[tuple[str, str]]:
    """The teams holding the person that have a phone number, (team name, number), for someone who may read
    their plan (NotFound otherwise)."""
    if _grounds(by, person_id) is None:
        refuse(by, person_id, "plan.viewed")
    return unchecked.team_phones(person_id)


def has_content(revision: PlanRevision | None) -> bool:
    if revision is None:
        return False
    return any(not is_empty(section_content(revision.content, part)) for part in sections(revision.sections_version))


def suggestion_or_none(*, by: User, suggestion_id: uuid.UUID) -> Suggestion | None:
    """A suggestion, if ``by`` may decide it and reach the person's plan."""
    found = session.get(Suggestion, suggestion_id)
    if found is None:
        return None
    if not may_decide(by, found) or _grounds(by, found.person_id) is None:
        record(
            "plan.suggestion_opened",
            by=by,
            grounds=Grounds.NONE,
            outcome="denied",
            person_id=found.person_id,
        )
        return None
    return found


def revision_content(*, by: User, view: PlanView, number: int) -> Content | None:
    """The sections of revision ``number`` of the plan in ``view`` (None if there is no such revision)."""
    _check_view(by, view)
    return unchecked.revision_content(view.person.id, number)


def current_number(*, by: User, person_id: uuid.UUID) -> int:
    """The newest revision's number (0 when there is none), for someone who may read the plan."""
    if _grounds(by, person_id) is None:
        refuse(by, person_id, "plan.viewed")
    return unchecked.current_number(person_id)


def _check_view(by: User, view: PlanView) -> None:
    """A view is made for one account, after its check: refuse anyone else who holds it."""
    if view.viewer_id != by.id:
        refuse(by, view.person.id, "plan.viewed")


def get_crisis_contact(*, by: User, contact_id: uuid.UUID) -> CrisisContact | None:
    if by.role != Role.ADMIN:
        raise PlanError("not_allowed")
    return session.get(CrisisContact, contact_id)


def update_crisis_contact(*, by: User, contact_id: uuid.UUID, values: dict[str, str]) -> CrisisContact:
    """Change a service every plan lists (its names in English and Welsh, number, channel, details)."""
    contact = get_crisis_contact(by=by, contact_id=contact_id)
    if contact is None:
        raise NotFound()
    for name in ("name_en", "name_cy", "number", "channel", "detail_en", "detail_cy"):
        setattr(contact, name, values[name].strip())
    record("crisis_contact.changed", by=by, grounds=Grounds.role(Role.ADMIN))
    return contact
