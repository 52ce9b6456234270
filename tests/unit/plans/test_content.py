"""Comparing the words of two revisions."""

from __future__ import annotations

from safetyplan.plans.content import compare_section
from safetyplan.plans.sections import section


def test_word_level_comparison():
    part = section("reasons")
    difference = compare_section({"items": ["I walk by the river"]}, {"items": ["I walk by the sea"]}, part)
    assert [(p.kind, p.text) for p in difference.before] == [("same", "I walk by the "), ("removed", "river")]
    assert [(p.kind, p.text) for p in difference.after] == [("same", "I walk by the "), ("added", "sea")]
    assert difference.changed
    assert not compare_section({"items": ["same"]}, {"items": ["same"]}, part).changed
