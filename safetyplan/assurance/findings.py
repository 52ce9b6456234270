"""Stratification language in plan text: flagged gently to clinicians as they save, kept as metadata for auditors.

Nothing is ever blocked. A clinician whose wording reads as a risk level sees a note beside the section and may
reword it or keep it; the person's own words are never flagged to the clinician at all. Each finding in a saved
revision is stored as metadata only (revision, section, category, the author's role, time and the matched words),
never the text around it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from safetyplan.assurance.detector import Finding, scan
from safetyplan.assurance.models import StratificationFinding
from safetyplan.db import session, utcnow
from safetyplan.people.models import CaseloadEntry
from safetyplan.plans.content import lines_of, section_content
from safetyplan.plans.sections import sections

MATCHED_LIMIT = 120


def _scan_lines(lines: list[str]) -> list[Finding]:
    return [finding for line in lines for finding in scan(line)]


def _new_lines(content: dict[str, Any] | None, previous: dict[str, Any] | None, part: Any) -> list[str]:
    """The section's lines that the previous revision did not have: the words written now."""
    old = set(lines_of(section_content(previous, part), part)) if previous else set()
    return [line for line in lines_of(section_content(content, part), part) if line not in old]


def flags_for_editor(
    content: dict[str, Any], own_words: set[str], version: int, previous: dict[str, Any] | None = None
) -> dict[str, list[Finding]]:
    """For the editor: findings in the words the clinician is writing now, per section (lines already in the
    revision they started from, and sections in the person's own words, are left out)."""
    flagged: dict[str, list[Finding]] = {}
    for part in sections(version):
        if part.key in own_words:
            continue
        found = _scan_lines(_new_lines(content, previous, part))
        if found:
            flagged[part.key] = found
    return flagged


def _team_of(person_id: uuid.UUID, grounds: str | None) -> uuid.UUID | None:
    if grounds and grounds.startswith("team:"):
        try:
            return uuid.UUID(grounds.removeprefix("team:"))
        except ValueError:
            pass
    return session.scalars(
        select(CaseloadEntry.team_id).where(CaseloadEntry.person_id == person_id).order_by(CaseloadEntry.added_at, CaseloadEntry.team_id).limit(1)
    ).first()


def record_findings(
    revision: Any, previous_content: dict[str, Any] | None, *, grounds: str | None, author_role: str | None = None
) -> int:
    """Store what the detector finds in the sections this revision changed (so that a finding is counted once,
    when its words were written); returns how many. The role is the section's author: the person for their own
    words, a carer for a carer's accepted words, otherwise whoever saved (``author_role`` overrides)."""
    team_id = _team_of(revision.person_id, grounds)
    count = 0
    for part in sections(revision.sections_version):
        new = section_content(revision.content, part)
        written = _new_lines(revision.content, previous_content, part)
        if not written:
            continue
        role = author_role or ("person" if new.get("own_words") else str(new.get("by") or revision.author_role or ""))
        for finding in _scan_lines(written):
            session.add(
                StratificationFinding(
                    revision_id=revision.id,
                    plan_id=revision.plan_id,
                    person_id=revision.person_id,
                    team_id=team_id,
                    section=part.key,
                    category=finding.category,
                    author_role=role,
                    matched=finding.matched[:MATCHED_LIMIT],
                    created_at=utcnow(),
                )
            )
            count += 1
    return count
