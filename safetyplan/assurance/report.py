"""The assurance report: that no risk stratification is stored (the schema check) and what the wording
check found, month by month, from stored findings (metadata and the matched words only), with people named only by
pseudonymous references."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from safetyplan.accounts.models import Team, User
from safetyplan.assurance.access import require_auditor
from safetyplan.assurance.measures import Point, month_range
from safetyplan.assurance.pseudonyms import person_reference
from safetyplan.assurance.schema_check import Offender, check
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.detector import CATEGORIES
from safetyplan.plans.models import StratificationFinding
from safetyplan.roles import Role

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


def build_report(*, by: User, months: int = 12, today: date | None = None) -> Report:
    """Findings of the last ``months`` months by team and month, by category and author role, their trend, the
    list (pseudonymous reference and matched words only), and the schema check."""
    require_auditor(by)
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


def record_measures_viewed(*, by: User, team_id: uuid.UUID | None, download: bool = False) -> None:
    require_auditor(by)
    record(
        "assurance.measures_downloaded" if download else "assurance.measures_viewed",
        by=by,
        grounds=Grounds.role(Role.AUDITOR),
        team_id=team_id,
    )
