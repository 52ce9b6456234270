"""Stratification language in plan text: flagged gently to clinicians as they save, kept as metadata for auditors.

Nothing is ever blocked. A clinician whose wording reads as a risk level sees a note beside the section and may
reword it or keep it; the person's own words are never flagged to the clinician at all. Each finding in a saved
revision is stored as metadata only (revision, section, category, the author's role, time and the matched words),
never the text around it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy import select

from safetyplan.audit.grounds import Grounds
from safetyplan.db import session, utcnow
from safetyplan.detector import Finding, scan
from safetyplan.people.models import CaseloadEntry
from safetyplan.plans.content import lines_of, section_content
from safetyplan.plans.models import StratificationFinding
from safetyplan.plans.sections import section, sections

MATCHED_LIMIT = 120


def _scan_lines(lines: list[str]) -> list[Finding]:
    return [finding for line in lines for finding in scan(line)]


def _key(finding: Finding) -> tuple[str, str]:
    return finding.category, " ".join(finding.matched.casefold().split())


def _all_findings(content: dict[str, Any] | None, version: int) -> list[tuple[str, Finding]]:
    if not content:
        return []
    return [
        (part.key, finding)
        for part in sections(version)
        for finding in _scan_lines(lines_of(section_content(content, part), part))
    ]


def _new_findings(content: dict[str, Any], previous: dict[str, Any] | None, version: int) -> list[tuple[str, Finding]]:
    """The findings in ``content`` that ``previous`` did not already have (the same words of the same kind,
    anywhere in the plan): so that a finding is counted once, when its words were first written, and is not
    counted again when a typo near it is fixed or its line moves to another section."""
    already = Counter(_key(finding) for _section, finding in _all_findings(previous, version))
    fresh = []
    for key, finding in _all_findings(content, version):
        if already[_key(finding)] > 0:
            already[_key(finding)] -= 1
            continue
        fresh.append((key, finding))
    return fresh


def flags_for_editor(
    content: dict[str, Any], own_words: set[str], version: int, previous: dict[str, Any] | None = None
) -> dict[str, list[Finding]]:
    """For the editor: findings in the words the clinician is writing now, per section (wording already in the
    revision they started from, and sections in the person's own words, are left out)."""
    flagged: dict[str, list[Finding]] = {}
    for key, finding in _new_findings(content, previous, version):
        if key not in own_words:
            flagged.setdefault(key, []).append(finding)
    return flagged


def _team_of(person_id: uuid.UUID, grounds: Grounds | None) -> uuid.UUID | None:
    if grounds is not None and grounds.team_id is not None:
        return grounds.team_id
    return session.scalars(
        select(CaseloadEntry.team_id)
        .where(CaseloadEntry.person_id == person_id)
        .order_by(CaseloadEntry.added_at, CaseloadEntry.team_id)
        .limit(1)
    ).first()


def record_findings(
    revision: Any, previous_content: dict[str, Any] | None, *, grounds: Grounds | None, author_role: str | None = None
) -> int:
    """Store what the detector finds in the words this revision wrote (see _new_findings); returns how many.
    The role is the section's author: the person for their own words, a carer for a carer's accepted words,
    otherwise whoever saved (``author_role`` overrides)."""
    team_id = _team_of(revision.person_id, grounds)
    count = 0
    for key, finding in _new_findings(revision.content, previous_content, revision.sections_version):
        part = section_content(revision.content, section(key, revision.sections_version))
        role = author_role or ("person" if part.get("own_words") else str(part.get("by") or revision.author_role or ""))
        session.add(
            StratificationFinding(
                revision_id=revision.id,
                plan_id=revision.plan_id,
                person_id=revision.person_id,
                team_id=team_id,
                section=key,
                category=finding.category,
                author_role=role,
                matched=finding.matched[:MATCHED_LIMIT],
                created_at=utcnow(),
            )
        )
        count += 1
    return count
