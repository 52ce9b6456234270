"""Months of fictional history for the demo, so that the quality measures' run charts have points to show.

Everyone here is made up and named as such ("Demo Person 01", "Demo Carer 01"), with no NHS number. Everything
is made through the services, as each team's clinician would, and then moved back in time by updating the
plain date columns (the services only ever write "now"). Audit events keep the moment the demo was made, so the
audit trail stays a true record of what happened.

The story: part-way through the period each team changes how it works (plans made with the person more often,
more conversations about involving others, reviews more often on time), so that the charts show a shift or a
trend. The charts describe how each team works; nothing here describes or grades a person.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update

from safetyplan.accounts import users
from safetyplan.accounts.models import User
from safetyplan.assurance.measures import month_range
from safetyplan.config import current_settings
from safetyplan.db import session, utcnow
from safetyplan.people import services as people
from safetyplan.people.models import CaseloadEntry, Person
from safetyplan.plans import revisions
from safetyplan.plans.models import Plan, PlanRevision
from safetyplan.plans.revisions import RevisionInput
from safetyplan.sharing import consent, invitations, involvement
from safetyplan.sharing.involvement import InvolvedDetails
from safetyplan.sharing.models import CarerInvitation, InvolvedPerson, InvolvementConversation, SharingChoice

PEOPLE_PER_TEAM = 12
#: Of each team's people, how many were on the caseload before the period began.
ALREADY_ON_CASELOAD = 7

REASONS = [
    "My children",
    "My dog, Bramble",
    "Seeing the sea",
    "Football on Saturdays",
    "My grandchildren",
    "Finishing my course",
]
ON_MY_OWN = [
    "Walk by the river",
    "Listen to my music",
    "Make a cup of tea",
    "Sit in the garden",
    "Go to the allotment",
    "Watch a film",
]
PEOPLE_TO_ASK = [("My sister", "sister"), ("Jo", "friend"), ("My dad", "father"), ("Sam", "neighbour")]
SHARED_SECTIONS = frozenset({"warning_signs", "how_others_help"})
CONVERSATION = "We talked about who I want involved, and when the team would share information without asking me."


@dataclass(frozen=True)
class _Practice:
    """How often things go well: the chance of each, per plan conversation or review."""

    took_part: float
    agrees: float
    on_time: float
    conversation: float
    carer: float


BEFORE = _Practice(took_part=0.6, agrees=0.65, on_time=0.4, conversation=0.12, carer=0.15)
AFTER = _Practice(took_part=0.95, agrees=0.9, on_time=0.85, conversation=0.6, carer=0.45)


@dataclass(frozen=True)
class _Revision:
    at: datetime
    declined: bool
    took_part: bool
    agrees: bool | None
    review_on: date


@dataclass
class _Story:
    """One fictional person's history, worked out before anything is written."""

    joined: datetime
    revisions: list[_Revision] = field(default_factory=list)
    conversation_on: date | None = None
    carer_linked: datetime | None = None
    carer_withdrawn: datetime | None = None


def _at(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59)), UTC)


def _story(rng: random.Random, joined: date, today: date, improved_from: date) -> _Story:
    story = _Story(joined=_at(rng, joined))
    day = joined + timedelta(days=rng.randint(2, 14))
    declined_before: bool | None = None  # None: no plan offered yet
    while day < today:
        practice = AFTER if day >= improved_from else BEFORE
        # Offered a plan for the first time, offered again after saying no, or at a review of a plan they have.
        declined = rng.random() < (0.2 if declined_before is None else 0.5 if declined_before else 0.05)
        took_part = declined or rng.random() < practice.took_part
        agrees = None if declined or not took_part else rng.random() < practice.agrees
        review_on = day + timedelta(days=rng.randint(21, 35) if declined else rng.randint(35, 70))
        story.revisions.append(_Revision(_at(rng, day), declined, took_part, agrees, review_on))
        if story.conversation_on is None and rng.random() < practice.conversation:
            story.conversation_on = day
        if story.conversation_on and not story.carer_linked and not declined and rng.random() < practice.carer:
            linked = day + timedelta(days=rng.randint(3, 21))
            if linked < today:
                story.carer_linked = _at(rng, linked)
        due_practice = AFTER if review_on >= improved_from else BEFORE
        if rng.random() < due_practice.on_time:
            following = review_on - timedelta(days=rng.randint(0, 7))
        else:
            following = review_on + timedelta(days=rng.randint(3, 28))
        declined_before = declined
        day = max(following, day + timedelta(days=7))
    return story


def _content(rng: random.Random) -> dict[str, Any]:
    name, relationship = rng.choice(PEOPLE_TO_ASK)
    return {
        "reasons": {"items": rng.sample(REASONS, 2)},
        "on_my_own": {"items": [*rng.sample(ON_MY_OWN, 2), f"Call {name.lower() if name.startswith('My') else name}"]},
        "people_to_ask": {
            "contacts": [{"name": name, "relationship": relationship, "phone": f"07700 900 {rng.randint(500, 999)}"}]
        },
    }


def seed_history(
    team_ids: dict[str, uuid.UUID],
    *,
    clinician_by_team: dict[str, User],
    months: int = 12,
    seed: int = 2024,
    domain: str = "safetyplan.example",
) -> None:
    """Add ``months`` months of fictional history (in the current transaction) to each team in ``team_ids``
    ({team name: id}), written by the team's clinician in ``clinician_by_team`` ({team name: user}).

    The same ``seed`` gives the same people and stories (their dates move with today's date); their email addresses
    are at ``domain``."""
    rng = random.Random(seed)
    today = utcnow().date()
    start = month_range(today, months)[0]
    span = (today - start).days
    improved_from = start + timedelta(days=span * 5 // 12)
    base_url = current_settings().base_url
    counters = {"person": 0, "carer": 0}
    for team_name, team_id in team_ids.items():
        clinician = clinician_by_team[team_name]
        withdrawn = False
        for position in range(PEOPLE_PER_TEAM):
            if position < ALREADY_ON_CASELOAD:
                joined = start - timedelta(days=rng.randint(10, 90))
            else:
                joined = start + timedelta(
                    days=(position - ALREADY_ON_CASELOAD + 1) * span // (PEOPLE_PER_TEAM - ALREADY_ON_CASELOAD + 2)
                )
            story = _story(rng, joined, today, improved_from)
            if story.carer_linked and not withdrawn:
                # One person in each team later changes their mind about sharing.
                ends = story.carer_linked + timedelta(days=rng.randint(45, 75))
                if ends.date() < today:
                    story.carer_withdrawn, withdrawn = ends, True
            counters["person"] += 1
            _write(
                story, rng, clinician=clinician, team_id=team_id, counters=counters, base_url=base_url, domain=domain
            )
    session.flush()


def _write(
    story: _Story,
    rng: random.Random,
    *,
    clinician: User,
    team_id: uuid.UUID,
    counters: dict[str, int],
    base_url: str,
    domain: str,
) -> None:
    person = people.create_person(
        by=None,
        team_id=team_id,
        details=people.PersonDetails(
            name=f"Demo Person {counters['person']:02d}",
            date_of_birth=date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)),
        ),
    )
    session.execute(update(Person).where(Person.id == person.id).values(created_at=story.joined))
    session.execute(
        update(CaseloadEntry)
        .where(CaseloadEntry.person_id == person.id, CaseloadEntry.team_id == team_id)
        .values(added_at=story.joined)
    )

    for base_number, revision in enumerate(story.revisions):
        saved = revisions.save_revision(
            by=clinician,
            person_id=person.id,
            base_number=base_number,
            revision=RevisionInput(
                content={} if revision.declined else _content(rng),
                reason="first_plan" if base_number == 0 else "scheduled_review",
                person_took_part=revision.took_part,
                person_agrees=revision.agrees,
                declined=revision.declined,
            ),
        )
        # Review dates are set afterwards: the service rightly refuses one in the past.
        session.execute(
            update(PlanRevision)
            .where(PlanRevision.id == saved.id)
            .values(created_at=revision.at, next_review_on=revision.review_on)
        )
    if story.revisions:
        session.execute(
            update(Plan)
            .where(Plan.person_id == person.id)
            .values(created_at=story.revisions[0].at, next_review_on=story.revisions[-1].review_on)
        )

    if story.conversation_on:
        conversation = involvement.record_conversation(
            by=clinician, person_id=person.id, held_on=story.conversation_on, agreed=CONVERSATION, own_words=False
        )
        session.execute(
            update(InvolvementConversation)
            .where(InvolvementConversation.id == conversation.id)
            .values(recorded_at=_at(rng, story.conversation_on))
        )

    if story.carer_linked:
        counters["carer"] += 1
        name, email = f"Demo Carer {counters['carer']:02d}", f"demo.carer.{counters['carer']:02d}@{domain}"
        kind, relationship = rng.choice([("carer", "partner"), ("family", "sister"), ("friend", "friend")])
        involved = involvement.add_involved(
            by=clinician, person_id=person.id, details=InvolvedDetails(name, kind, relationship, None, email)
        )
        link = invitations.invite(by=clinician, person_id=person.id, involved_id=involved.id, base_url=base_url)
        account = users.create_user(by=None, email=email, display_name=name, role="carer")
        invitations.accept_invitation(token=link.split("#", 1)[1], by=account)
        invitations.confirm_link(by=clinician, person_id=person.id, involved_id=involved.id)
        linked = story.carer_linked
        shared = consent.choose_sections(
            by=clinician, person_id=person.id, involved_id=involved.id, keys=SHARED_SECTIONS, decided_on=linked.date()
        )
        session.execute(update(User).where(User.id == account.id).values(created_at=linked))
        session.execute(
            update(InvolvedPerson)
            .where(InvolvedPerson.id == involved.id)
            .values(added_at=linked, linked_at=linked, confirmed_at=linked)
        )
        session.execute(
            update(CarerInvitation)
            .where(CarerInvitation.involved_id == involved.id)
            .values(created_at=linked, expires_at=linked + timedelta(days=7), ended_at=linked)
        )
        session.execute(update(SharingChoice).where(SharingChoice.id == shared.id).values(recorded_at=linked))
        if story.carer_withdrawn:
            withdrawn = consent.choose_sections(
                by=clinician,
                person_id=person.id,
                involved_id=involved.id,
                keys=set(),
                decided_on=story.carer_withdrawn.date(),
            )
            session.execute(
                update(SharingChoice).where(SharingChoice.id == withdrawn.id).values(recorded_at=story.carer_withdrawn)
            )
