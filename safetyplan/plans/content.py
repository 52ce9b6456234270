"""What a revision holds for each section, and the word-level difference between two revisions.

A section's content is a small mapping, shaped by the section's kind:

    list:     {"items": ["...", ...]}
    contacts: {"contacts": [{"name": "...", "relationship": "...", "phone": "..."}, ...]}
    helps:    {"helps": ["...", ...], "does_not_help": ["...", ...]}

and, for every kind, who last wrote it: {"by": "person" | "clinician" | "carer", "own_words": bool}.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from safetyplan.plans.sections import Section, sections

Content = dict[str, dict[str, Any]]


def empty_section(kind: str) -> dict[str, Any]:
    if kind == "contacts":
        return {"contacts": []}
    if kind == "helps":
        return {"helps": [], "does_not_help": []}
    return {"items": []}


def section_content(content: Content | None, section: Section) -> dict[str, Any]:
    return {**empty_section(section.kind), **((content or {}).get(section.key) or {})}


def is_empty(part: dict[str, Any]) -> bool:
    return not any(part.get(name) for name in ("items", "contacts", "helps", "does_not_help"))


def lines_of(part: dict[str, Any], section: Section) -> list[str]:
    """The section as lines of text, for comparing revisions and for the conflict view."""
    if section.kind == "contacts":
        return [
            " ".join(
                value
                for value in (c.get("name"), f"({c['relationship']})" if c.get("relationship") else "", c.get("phone"))
                if value
            )
            for c in part.get("contacts", [])
        ]
    if section.kind == "helps":
        return [*part.get("helps", []), *(f"✗ {line}" for line in part.get("does_not_help", []))]
    return list(part.get("items", []))


def same(first: dict[str, Any], second: dict[str, Any], section: Section) -> bool:
    return lines_of(first, section) == lines_of(second, section)


@dataclass(frozen=True)
class Piece:
    """A run of words in a comparison: unchanged, only in the earlier revision, or only in the later one."""

    kind: str  # "same" | "removed" | "added"
    text: str


@dataclass(frozen=True)
class SectionDifference:
    section: Section
    before: list[Piece]
    after: list[Piece]

    @property
    def changed(self) -> bool:
        return any(piece.kind != "same" for piece in [*self.before, *self.after])


_TOKENS = re.compile(r"\s+|[^\s]+")


def _words(lines: list[str]) -> list[str]:
    return _TOKENS.findall("\n".join(lines))


def compare_section(before: dict[str, Any], after: dict[str, Any], section: Section) -> SectionDifference:
    """Word by word: what was removed (shown on the left) and added (on the right)."""
    old, new = _words(lines_of(before, section)), _words(lines_of(after, section))
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            text = "".join(old[i1:i2])
            left.append(Piece("same", text))
            right.append(Piece("same", text))
            continue
        if i2 > i1:
            left.append(Piece("removed", "".join(old[i1:i2])))
        if j2 > j1:
            right.append(Piece("added", "".join(new[j1:j2])))
    return SectionDifference(section, left, right)


def compare(before: Content, before_version: int, after: Content, after_version: int) -> list[SectionDifference]:
    """Every section of the later revision's registry, compared with the same section of the earlier one."""
    earlier = {s.key: s for s in sections(before_version)}
    result = []
    for section in sections(after_version):
        old = section_content(before, earlier.get(section.key, section))
        result.append(compare_section(old, section_content(after, section), section))
    return result
