"""Quality measures for improvement, per team and calendar month (NICE QS34 statement 6, QS189 statement 4).

Every measure is computed from plain columns only (dates, numbers, who took part, whether the person agrees,
which sections are shared): no plan content is ever decrypted here. Nothing here, or anywhere, grades a person.

A month "ends" at midnight UTC at the start of the next month; "at the month's end" means the state of things
then. The plain columns of everyone on the caseload are loaded once per call (five queries), and each month is
worked out in Python, so that a year of points costs the same few queries as one.

The measures, as shares of the people on the caseload at the month's end (a person joins a caseload at its
``added_at``; caseload entries are never removed):

``made_with_person``
    whose plan at the month's end (the newest revision created by then) was not an offer declined, and records
    that the person took part and agrees with it.
``involvement_conversation``
    with a conversation about involving others held on or before the month's last day.
``shared_with_carer``
    who, at the month's end, shared at least one section with at least one involved person whose link was
    confirmed by then and who had not been removed by then (the newest sharing decision recorded by then counts).
``reviews_on_time``
    of the reviews that fell due in the month (each revision's next review date, for people on the caseload at
    the month's end), the share done by the due date: the next revision was made on or before the due date (its
    UTC date). A review not yet done counts as late once its due date has passed; before then it is not counted.
    Each revision's due date is counted once: the revision made next is the review that answers it, even when it
    was made early, for example after an incident (so a revision replaced before its due date was reviewed on
    time, and its successor's due date is the next one to count).

and one count:

``declined``
    revisions made in the month that record a plan offered and declined, for people on the caseload at the
    month's end (no data, rather than 0, while the caseload is empty).
"""

from __future__ import annotations

import csv
import io
import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, select

from safetyplan.accounts.models import Team
from safetyplan.db import session, utcnow
from safetyplan.people.models import CaseloadEntry
from safetyplan.plans.models import PlanRevision
from safetyplan.sharing.models import InvolvedPerson, InvolvementConversation, SharingChoice

#: The measures, in the order the pages show them.
MEASURES: dict[str, LazyString] = {
    "made_with_person": _l("Plans made with the person"),
    "involvement_conversation": _l("Conversations about involving others"),
    "shared_with_carer": _l("Plans shared with a carer"),
    "reviews_on_time": _l("Reviews done by their due date"),
    "declined": _l("Plans offered and declined"),
}

#: What each measure counts, in a sentence for the page beside the chart.
DESCRIPTIONS: dict[str, LazyString] = {
    "made_with_person": _l(
        "People on the caseload at the end of the month whose plan was made with them and who agree with it."
    ),
    "involvement_conversation": _l(
        "People on the caseload at the end of the month who have had a conversation about involving family, "
        "friends or carers."
    ),
    "shared_with_carer": _l(
        "People on the caseload at the end of the month who share at least one part of their plan with someone "
        "they involve."
    ),
    "reviews_on_time": _l("Reviews due in the month that were done by their due date."),
    "declined": _l("Times in the month a plan was offered and the person chose not to make one."),
}

#: Revisions the app makes without a new conversation (see _load): left out of every measure.
NOT_CONVERSATIONS = ("restored", "suggestion_accepted")

#: Measures that are counts, not shares: they have no denominator and are not shown as percentages.
COUNTS: frozenset[str] = frozenset({"declined"})


class TeamNotFound(LookupError):
    """No team with that id."""


@dataclass(frozen=True)
class Point:
    """One month of one measure. ``value`` is the share (0 to 1), or the count for a count; it is None when
    nothing was there to measure (a share with a denominator of 0, a count with nobody on the caseload), which
    pages show as "no data yet", never as 0%."""

    month: date
    numerator: int
    denominator: int | None
    value: float | None


@dataclass(frozen=True)
class Series:
    """One measure for one team (or every team together, ``team_id`` None), month by month, oldest first."""

    measure: str
    team_id: uuid.UUID | None
    team_name: str
    points: list[Point] = field(default_factory=list)

    @property
    def title(self) -> LazyString:
        return MEASURES[self.measure]

    @property
    def percent(self) -> bool:
        """A share, shown as a percentage (the counts are not)."""
        return self.measure not in COUNTS


def month_range(end: date, count: int) -> list[date]:
    """The first days of the ``count`` months up to and including the month of ``end``, oldest first."""
    year, month = end.year, end.month
    months: list[date] = []
    for _step in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


# The plain columns, loaded once --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Revision:
    created_at: datetime
    number: int
    declined: bool
    person_took_part: bool
    person_agrees: bool | None
    next_review_on: date | None


@dataclass
class _Link:
    """An involved person whose link was confirmed, with their sharing decisions in the order they count."""

    confirmed_at: datetime
    removed_at: datetime | None
    #: (recorded_at, shares anything), oldest first.
    choices: list[tuple[datetime, bool]] = field(default_factory=list)

    def shares_at(self, cutoff: datetime) -> bool:
        if self.confirmed_at >= cutoff or (self.removed_at is not None and self.removed_at < cutoff):
            return False
        newest = None
        for recorded_at, shares in self.choices:
            if recorded_at >= cutoff:
                break
            newest = shares
        return bool(newest)


@dataclass
class _Caseload:
    joined: dict[uuid.UUID, datetime]
    revisions: dict[uuid.UUID, list[_Revision]]
    revision_times: dict[uuid.UUID, list[datetime]]
    first_conversation: dict[uuid.UUID, date]
    links: dict[uuid.UUID, list[_Link]]

    def newest_revision(self, person_id: uuid.UUID, cutoff: datetime) -> _Revision | None:
        times = self.revision_times.get(person_id)
        if not times:
            return None
        before = bisect_left(times, cutoff)
        return self.revisions[person_id][before - 1] if before else None


def _load(team_id: uuid.UUID | None) -> _Caseload:
    entries: Select[tuple[uuid.UUID]] = select(CaseloadEntry.person_id)
    if team_id is not None:
        entries = entries.where(CaseloadEntry.team_id == team_id)
    on_caseload = entries.scalar_subquery()

    joined: dict[uuid.UUID, datetime] = {}
    caseload = select(CaseloadEntry.person_id, CaseloadEntry.added_at)
    if team_id is not None:
        caseload = caseload.where(CaseloadEntry.team_id == team_id)
    for person_id, added_at in session.execute(caseload):
        # On any of the teams, for every team together: from the first time they joined one.
        joined[person_id] = min(added_at, joined.get(person_id, added_at))

    revisions: dict[uuid.UUID, list[_Revision]] = defaultdict(list)
    for row in session.execute(
        select(
            PlanRevision.person_id,
            PlanRevision.created_at,
            PlanRevision.number,
            PlanRevision.declined,
            PlanRevision.person_took_part,
            PlanRevision.person_agrees,
            PlanRevision.next_review_on,
        ).where(
            PlanRevision.person_id.in_(on_caseload),
            # A restored revision or an accepted suggestion is not a conversation with the person: it copies the
            # last one's record and review date, and would otherwise count the same review (or offer) twice.
            PlanRevision.reason.not_in(NOT_CONVERSATIONS),
        )
    ):
        revisions[row.person_id].append(
            _Revision(
                row.created_at, row.number, row.declined, row.person_took_part, row.person_agrees, row.next_review_on
            )
        )
    for person_revisions in revisions.values():
        person_revisions.sort(key=lambda revision: (revision.created_at, revision.number))

    first_conversation: dict[uuid.UUID, date] = {}
    for person_id, held_on in session.execute(
        select(InvolvementConversation.person_id, InvolvementConversation.held_on).where(
            InvolvementConversation.person_id.in_(on_caseload)
        )
    ):
        first_conversation[person_id] = min(held_on, first_conversation.get(person_id, held_on))

    links_by_id: dict[uuid.UUID, _Link] = {}
    links: dict[uuid.UUID, list[_Link]] = defaultdict(list)
    for involved_id, person_id, confirmed_at, removed_at in session.execute(
        select(
            InvolvedPerson.id, InvolvedPerson.person_id, InvolvedPerson.confirmed_at, InvolvedPerson.removed_at
        ).where(
            InvolvedPerson.person_id.in_(on_caseload),
            InvolvedPerson.user_id.is_not(None),
            InvolvedPerson.confirmed_at.is_not(None),
        )
    ):
        assert confirmed_at is not None  # selected only where set
        link = _Link(confirmed_at, removed_at)
        links_by_id[involved_id] = link
        links[person_id].append(link)
    # The newest decision counts; of two recorded at the same moment, the one sharing.consent.latest_choice
    # picks (the lower id), so that the measure and what the carer actually sees agree.
    choices = session.execute(
        select(SharingChoice.involved_id, SharingChoice.recorded_at, SharingChoice.sections)
        .where(SharingChoice.person_id.in_(on_caseload))
        .order_by(SharingChoice.recorded_at, SharingChoice.id.desc())
    )
    for involved_id, recorded_at, sections in choices:
        if involved_id in links_by_id:
            links_by_id[involved_id].choices.append((recorded_at, bool(sections.split())))

    return _Caseload(
        joined=joined,
        revisions=dict(revisions),
        revision_times={
            person_id: [r.created_at for r in person_revisions] for person_id, person_revisions in revisions.items()
        },
        first_conversation=first_conversation,
        links=dict(links),
    )


# Month by month ------------------------------------------------------------------------------------------------


def _share(month: date, numerator: int, denominator: int) -> Point:
    return Point(month, numerator, denominator, numerator / denominator if denominator else None)


def _month(caseload: _Caseload, month: date, today: date) -> dict[str, Point]:
    start, end = _midnight(month), _midnight(_next_month(month))
    last_day = _next_month(month) - timedelta(days=1)
    people = [person_id for person_id, joined in caseload.joined.items() if joined < end]

    made_with = conversations = shared = 0
    due = on_time = declined = 0
    for person_id in people:
        current = caseload.newest_revision(person_id, end)
        if current and not current.declined and current.person_took_part and current.person_agrees is True:
            made_with += 1
        held_on = caseload.first_conversation.get(person_id)
        if held_on is not None and held_on <= last_day:
            conversations += 1
        if any(link.shares_at(end) for link in caseload.links.get(person_id, ())):
            shared += 1
        revisions = caseload.revisions.get(person_id, [])
        for position, revision in enumerate(revisions):
            if start <= revision.created_at < end and revision.declined:
                declined += 1
            review_on = revision.next_review_on
            if review_on is None or not month <= review_on <= last_day:
                continue
            answered = revisions[position + 1] if position + 1 < len(revisions) else None
            if answered is not None and answered.created_at.astimezone(UTC).date() <= review_on:
                due, on_time = due + 1, on_time + 1
            elif answered is not None or review_on < today:
                due += 1
    return {
        "made_with_person": _share(month, made_with, len(people)),
        "involvement_conversation": _share(month, conversations, len(people)),
        "shared_with_carer": _share(month, shared, len(people)),
        "reviews_on_time": _share(month, on_time, due),
        # A count has no denominator; with nobody on the caseload there is nothing to count yet.
        "declined": Point(month, declined, None, float(declined) if people else None),
    }


def series(*, team_id: uuid.UUID | None, months: list[date]) -> dict[str, Series]:
    """Every measure for one team (or, with ``team_id`` None, every team together) for each of ``months``
    (any day of each month will do; see month_range), keyed by measure id in the order of MEASURES.

    Raises TeamNotFound for an unknown team. Reads plain columns only; writes nothing."""
    if team_id is None:
        team_name = _("All teams")
    else:
        team = session.get(Team, team_id)
        if team is None:
            raise TeamNotFound(team_id)
        team_name = team.name
    caseload = _load(team_id)
    today = utcnow().date()
    found = {measure: Series(measure, team_id, team_name) for measure in MEASURES}
    for month in months:
        for measure, point in _month(caseload, month.replace(day=1), today).items():
            found[measure].points.append(point)
    return found


# CSV -----------------------------------------------------------------------------------------------------------

CSV_HEADER = ("team", "measure", "month", "numerator", "denominator", "value")
#: A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(series_list: Iterable[Series]) -> str:
    """The series as CSV: one row per team, measure and month. ``value`` is the share to four decimal places
    (0.7500 for 75%), or the count; it is empty when there is no data yet. No cell can start a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for found in series_list:
        for point in found.points:
            if point.value is None:
                value = ""
            elif found.percent:
                value = f"{point.value:.4f}"
            else:
                value = str(point.numerator)
            writer.writerow(
                [
                    _cell(found.team_name),
                    _cell(found.measure),
                    point.month.strftime("%Y-%m"),
                    point.numerator,
                    "" if point.denominator is None else point.denominator,
                    value,
                ]
            )
    return out.getvalue()
