"""The auditor's workspace: the assurance report, document scans and the audit trail search.

Auditors never read plan content. The report is built from stored findings (metadata and the matched words only)
and refers to people by pseudonymous references; a scanned document is read in memory and never stored.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import ClassVar

from sqlalchemy import select

from safetyplan.accounts.models import Team, User
from safetyplan.accounts.services import find_user_by_email
from safetyplan.assurance.measures import Point, month_range
from safetyplan.assurance.messages import MESSAGES
from safetyplan.assurance.pseudonyms import PREFIX, person_reference
from safetyplan.assurance.schema_check import Offender, check
from safetyplan.audit import Verification, record, verify
from safetyplan.audit.grounds import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, utcnow
from safetyplan.detector import CATEGORIES, scan
from safetyplan.errors import DomainError
from safetyplan.people.models import Person
from safetyplan.plans.models import StratificationFinding
from safetyplan.roles import STAFF_ROLES, Role


class NotAllowed(Exception):
    """Only auditors use the assurance workspace."""


def _auditor(by: User) -> None:
    if by.role != Role.AUDITOR:
        raise NotAllowed()


# The schema check --------------------------------------------------------------------------------------------

_SCHEMA_CACHE: dict[int, tuple[float, list[Offender]]] = {}
SCHEMA_CACHE_SECONDS = 300


def schema_offenders() -> list[Offender]:
    """The schema check on the live database, forms and sections (re-run at most every 5 minutes)."""
    engine = session.get_bind()
    cached = _SCHEMA_CACHE.get(id(engine))
    if cached and time.monotonic() - cached[0] < SCHEMA_CACHE_SECONDS:
        return cached[1]
    # Inspect through this request's own connection: on SQLite a second connection would wait for its lock.
    offenders = check(session.connection())  # type: ignore[arg-type]
    _SCHEMA_CACHE[id(engine)] = (time.monotonic(), offenders)
    return offenders


# The assurance report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    reference: str
    team: str
    at: datetime
    section: str
    category: str
    author_role: str
    matched: str


@dataclass(frozen=True)
class Report:
    months: list[date]
    findings: list[FindingRow]
    by_team_month: dict[str, dict[date, int]]
    by_category_role: dict[tuple[str, str], int]
    roles: list[str]
    trend: list[Point]
    offenders: list[Offender]


def _month_of(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def report(*, by: User, months: int = 12, today: date | None = None) -> Report:
    """Findings of the last ``months`` months by team and month, by category and author role, their trend, the
    list (pseudonymous reference and matched words only), and the schema check."""
    _auditor(by)
    span = month_range(today or date.today(), months)
    since = datetime.combine(span[0], datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    rows = session.execute(
        select(StratificationFinding, Team.name)
        .outerjoin(Team, Team.id == StratificationFinding.team_id)
        .where(StratificationFinding.created_at >= since)
        .order_by(StratificationFinding.created_at.desc())
    ).all()
    findings = [
        FindingRow(
            person_reference(found.person_id),
            team or "",
            found.created_at,
            found.section,
            found.category,
            found.author_role,
            found.matched,
        )
        for found, team in rows
    ]
    by_team_month: dict[str, dict[date, int]] = {}
    for row in findings:
        counts = by_team_month.setdefault(row.team, dict.fromkeys(span, 0))
        month = _month_of(row.at)
        if month in counts:
            counts[month] += 1
    per_month = Counter(_month_of(row.at) for row in findings)
    by_category_role = Counter((row.category, row.author_role) for row in findings)
    roles = sorted({row.author_role for row in findings})
    record("assurance.report_viewed", by=by, grounds=Grounds.role(Role.AUDITOR))
    return Report(
        months=span,
        findings=findings,
        by_team_month=dict(sorted(by_team_month.items())),
        by_category_role={
            (category, role): by_category_role[(category, role)] for category in CATEGORIES for role in roles
        },
        roles=roles,
        trend=[Point(month, per_month.get(month, 0), None, float(per_month.get(month, 0))) for month in span],
        offenders=schema_offenders(),
    )


# Scanning a document -----------------------------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
#: A scan stops at this many findings (a page listing more helps no one).
MAX_DOCUMENT_FINDINGS = 500
KINDS = ("text", "csv", "html")


class DocumentProblem(DomainError):
    """Why an upload cannot be scanned; ``code`` names the message to show. It is always about the document."""

    messages = MESSAGES

    def __init__(self, code: str, *, field: str | None = "document") -> None:
        super().__init__(code, field=field)


@dataclass(frozen=True)
class DocumentFinding:
    line: int
    category: str
    matched: str


class _TextOfHtml(HTMLParser):
    """The text of an HTML page, a line per block and per table row (its cells joined by ": ", as a template's
    "Risk level | High" row reads), without scripts or styles."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "table",
            "option",
            "label",
            "dt",
            "dd",
        }
    )
    CELLS: ClassVar[frozenset[str]] = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in self.CELLS:
            self.parts.append(": ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise DocumentProblem("empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DocumentProblem("encoding") from error
    if b"\x00" in data:
        raise DocumentProblem("binary")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentProblem("encoding") from error
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
    if controls > len(text) // 100:
        raise DocumentProblem("binary")
    return text


def _lines_of(text: str, kind: str) -> list[str]:
    if kind == "html":
        parser = _TextOfHtml()
        parser.feed(text)
        parser.close()
        return "".join(parser.parts).splitlines()
    if kind == "csv":
        try:
            return [": ".join(cell.strip() for cell in row) for row in csv.reader(io.StringIO(text))]
        except csv.Error as error:
            raise DocumentProblem("csv") from error
    return text.splitlines()


def kind_of(filename: str) -> str | None:
    """The kind of a document from its name: text, CSV or HTML (None for anything else)."""
    name = filename.lower()
    if name.endswith((".txt", ".text", ".md")):
        return "text"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".html", ".htm")):
        return "html"
    return None


def scan_document(*, by: User, data: bytes, kind: str) -> list[DocumentFinding]:
    """The stratification language in an uploaded export, by line. Nothing of the document is kept: the audit
    event records only that a scan happened and how many findings it had."""
    _auditor(by)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentProblem("too_large")
    if kind not in KINDS:
        raise DocumentProblem("kind")
    found: list[DocumentFinding] = []
    for number, line in enumerate(_lines_of(_decode(data), kind), start=1):
        found.extend(DocumentFinding(number, finding.category, finding.matched) for finding in scan(line))
        if len(found) >= MAX_DOCUMENT_FINDINGS:
            # Enough to show the document needs rewriting; the report says the scan stopped here.
            found = found[:MAX_DOCUMENT_FINDINGS]
            break
    record(
        "assurance.document_scanned",
        by=by,
        grounds=Grounds.role(Role.AUDITOR),
        section=f"findings:{len(found)}",
    )
    return found


# The audit trail search --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailQuery:
    email: str = ""
    reference: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    actor: str
    reference: str


def actions(*, by: User) -> list[str]:
    """Every action the trail holds, for the search form's list."""
    _auditor(by)
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def verify_trail(*, by: User) -> Verification:
    """The whole trail checked link by link, for the auditor's overview."""
    _auditor(by)
    return verify()


def _person_for_reference(reference: str) -> uuid.UUID | None:
    """The person behind a pseudonymous reference, found by computing each person's reference (it cannot be
    reversed); None if no one has it."""
    wanted = reference.strip().upper()
    if not wanted.startswith(PREFIX):
        wanted = PREFIX + wanted
    for person_id in session.scalars(select(Person.id)):
        if person_reference(person_id) == wanted:
            return person_id
    return None


@dataclass(frozen=True)
class TrailPage:
    """A page of the trail, newest first, and where the next (older) page starts, if there is one."""

    rows: list[TrailRow]
    older_than: int | None


def search_trail(*, by: User, query: TrailQuery, older_than: int | None = None, limit: int = 50) -> TrailPage:
    """Audit events matching every filter given, newest first, ``limit`` to a page, from before the event
    ``older_than`` when given (paging by position in the chain, so that a page costs the same however far back it
    is); the search is audited."""
    _auditor(by)
    statement = select(AuditEvent)
    if older_than is not None:
        statement = statement.where(AuditEvent.seq < older_than)
    if query.email.strip():
        # Staff only: finding a person's or a carer's own account by email would tie their reference to them.
        user = find_user_by_email(query.email)
        actor = user.id if user is not None and user.role in STAFF_ROLES else uuid.UUID(int=0)
        statement = statement.where(AuditEvent.actor_id == actor)
    if query.reference.strip():
        person_id = _person_for_reference(query.reference)
        statement = statement.where(AuditEvent.person_id == (person_id or uuid.UUID(int=0)))
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.since:
        statement = statement.where(
            AuditEvent.occurred_at >= datetime.combine(query.since, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        )
    if query.until and query.until < date.max:
        end = datetime.combine(query.until + timedelta(days=1), datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        statement = statement.where(AuditEvent.occurred_at < end)
    events = list(session.scalars(statement.order_by(AuditEvent.seq.desc()).limit(limit + 1)))
    more, events = len(events) > limit, events[:limit]
    # Staff are named; people and carers are not, or the person's reference would no longer be pseudonymous.
    names: dict[uuid.UUID, str] = {}
    for actor_id in {event.actor_id for event in events if event.actor_id and event.actor_role in STAFF_ROLES}:
        user = session.get(User, actor_id)
        names[actor_id] = str(user.display_name) if user is not None else ""
    references = {person_id: person_reference(person_id) for person_id in {e.person_id for e in events if e.person_id}}
    record("audit_trail.searched", by=by, grounds=Grounds.role(Role.AUDITOR))
    rows = [
        TrailRow(
            event,
            names.get(event.actor_id, "") if event.actor_id else "",
            references.get(event.person_id, "") if event.person_id else "",
        )
        for event in events
    ]
    return TrailPage(rows, events[-1].seq if more else None)


def record_measures_viewed(*, by: User, team_id: uuid.UUID | None, download: bool = False) -> None:
    _auditor(by)
    record(
        "assurance.measures_downloaded" if download else "assurance.measures_viewed",
        by=by,
        grounds=Grounds.role(Role.AUDITOR),
        team_id=team_id,
    )
