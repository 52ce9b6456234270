"""The stratification detector: measured on the labelled set, ordinary words left alone, spans exact, never fails."""

from __future__ import annotations

import re
import re._parser
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetyplan import detector
from safetyplan.detector import CATEGORIES, COLOURS, LEVELS, LEVELS_CY, SCORE_WORDS, Finding, scan
from tests.unit.detector_labelled_set import ALL, ENGLISH, WELSH, Example


def _measure(examples: Iterable[Example]) -> tuple[float, float, int, int, int]:
    """Precision and recall over (text, category) pairs: a category found in a text is right or wrong once."""
    true_positives = false_positives = false_negatives = 0
    for example in examples:
        found = {finding.category for finding in scan(example.text)}
        true_positives += len(found & example.expected)
        false_positives += len(found - example.expected)
        false_negatives += len(example.expected - found)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    return precision, recall, true_positives, false_positives, false_negatives


def _report(name: str, examples: list[Example]) -> str:
    precision, recall, tp, fp, fn = _measure(examples)
    negatives = sum(1 for example in examples if not example.expected)
    return (
        f"{name:8} {len(examples):3} texts ({negatives} negative): precision {precision:.3f}, recall {recall:.3f} "
        f"(true positives {tp}, false positives {fp}, false negatives {fn})"
    )


def test_precision_and_recall_on_the_labelled_set_are_at_least_0_95(capsys):
    with capsys.disabled():
        print()
        for name, examples in (("overall", ALL), ("English", ENGLISH), ("Welsh", WELSH)):
            print(_report(name, examples))
    for examples in (ALL, ENGLISH, WELSH):
        precision, recall, *_ = _measure(examples)
        assert precision >= 0.95 and recall >= 0.95


def test_the_labelled_set_is_large_enough_and_about_half_negative():
    assert len(ENGLISH) >= 150 and len(WELSH) >= 50
    for examples in (ENGLISH, WELSH):
        negatives = sum(1 for example in examples if not example.expected)
        assert 0.4 <= negatives / len(examples) <= 0.6
    assert {category for example in ALL for category in example.expected} == set(CATEGORIES)
    assert len({example.text for example in ALL}) == len(ALL)


@pytest.mark.parametrize(
    "text",
    [
        "I feel low on Sundays",
        "my heart rate is high after a run",
        "I worry about the risk of being late",
        "Scarlett, my niece",
        "lock the medicines away",
        "I scored 3 goals",
        "the green park",
        "my mood is low",
        "red kite walks",
        "high street",
        "traffic lights on the way home",
        "Risk: low mood in winter",
        "Level 3 risk assessment training at work",
        "There is a high risk of rain tomorrow.",
        "I can react badly when people shout.",
        "Manchester, where my brother lives",
        "Rwy'n teimlo'n isel ar ddydd Sul",
        "Mae risg isel o law yfory.",
        "barcud coch",
        "",
    ],
)
def test_ordinary_words_in_plans_are_not_flagged(text):
    assert scan(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assessed as high risk", [Finding("level-label", 12, 21, "high risk")]),
        ("RISK – HIGH", [Finding("level-label", 0, 11, "RISK – HIGH")]),
        ("Notes. risk: medium", [Finding("level-label", 7, 19, "risk: medium")]),
        ("A high-risk patient", [Finding("level-label", 2, 11, "high-risk")]),
        ("Aseswyd ei fod yn risg uchel.", [Finding("level-label", 18, 28, "risg uchel")]),
        ("lefel risg: canolig", [Finding("level-label", 0, 19, "lefel risg: canolig")]),
        ("She was RAG rated red", [Finding("colour-rating", 8, 21, "RAG rated red")]),
        ("risk score 7/10 today", [Finding("numeric-score", 0, 15, "risk score 7/10")]),
        ("sgôr risg 6", [Finding("numeric-score", 0, 11, "sgôr risg 6")]),
        (
            "SAD PERSONS score 6 (high risk)",
            [
                Finding("named-tool", 0, 11, "SAD PERSONS"),
                Finding("numeric-score", 12, 19, "score 6"),
                Finding("level-label", 21, 30, "high risk"),
            ],
        ),
        ("Manchester Self-Harm Rule", [Finding("named-tool", 0, 25, "Manchester Self-Harm Rule")]),
    ],
)
def test_findings_point_at_exactly_the_matched_words(text, expected):
    assert scan(text) == expected


def test_findings_in_the_labelled_set_point_at_their_words():
    for example in ALL:
        for finding in scan(example.text):
            assert example.text[finding.start : finding.end] == finding.matched
            assert finding.category in CATEGORIES


def test_a_finding_as_json():
    assert scan("Risk: low")[0].to_json() == {"category": "level-label", "start": 0, "end": 9, "matched": "Risk: low"}


def test_the_categories_are_stable_ids():
    assert CATEGORIES == ("level-label", "colour-rating", "numeric-score", "named-tool")


def test_overlapping_findings_of_one_category_become_one():
    assert scan("Risk: high risk") == [Finding("level-label", 0, 15, "Risk: high risk")]


def _assert_well_formed(text: str, findings: list[Finding]) -> None:
    previous_end = 0
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.matched
        assert finding.start >= previous_end  # sorted, and no two overlap
        assert finding.category in CATEGORIES
        previous_end = finding.end


@settings(max_examples=500)
@given(st.text())
def test_any_unicode_text_scans_without_error_and_spans_are_exact(text):
    _assert_well_formed(text, scan(text))


#: Words and marks the rules are built from, so that generated texts reach deep into the patterns.
_PIECES = [
    *LEVELS,
    *LEVELS_CY,
    *COLOURS,
    *SCORE_WORDS,
    "risk",
    "risg",
    "Risk",
    "RISK",
    "level",
    "lefel",
    "RAG",
    "rated",
    "of",
    "to",
    "suicide",
    "self-harm",
    "patient",
    "SAD PERSONS",
    "C-SSRS",
    "triage",
    "yn",
    "o",
    "i'w hun",
    "iawn",
    "7",
    "7/10",
    "out of",
    "10",
    " ",
    " ",
    "  ",
    "\n",
    ":",
    "–",
    "-",
    "(",
    ")",
    ".",
    ",",
    "ſ",
    "İ",
    "\u0301",
    "\u00a0",
]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_texts_made_of_lexicon_words_give_sorted_exact_non_overlapping_spans(text):
    _assert_well_formed(text, scan(text))


#: The longest run of text any one pattern may match. A backtracking engine then does a bounded amount of work at
#: each position of a text, so a scan costs time in proportion to the text's length, whatever the text. (The time
#: itself is measured by bench/detector.py, never here: a test must not depend on how busy the machine is.)
LONGEST_MATCH = 300


def _detector_patterns() -> dict[str, re.Pattern[str]]:
    found = {name: value for name, value in vars(detector).items() if isinstance(value, re.Pattern)}
    found.update({f"rule {number}": rule.pattern for number, rule in enumerate(detector._RULES)})
    return found


def test_every_pattern_of_the_detector_matches_a_bounded_length_of_text():
    patterns = _detector_patterns()
    assert len(patterns) > len(detector._RULES)  # the rules and the context checks
    unbounded = {
        name: width
        for name, pattern in patterns.items()
        if (width := re._parser.parse(pattern.pattern, pattern.flags).getwidth()[1]) > LONGEST_MATCH
    }
    assert not unbounded, f"patterns that can match more than {LONGEST_MATCH} characters: {unbounded}"


def test_the_bound_catches_an_unbounded_repetition():
    """The check above would fail on the kind of pattern it guards against."""
    assert re._parser.parse(r"risk\s+(?:\w+\s?)*level", re.IGNORECASE).getwidth()[1] > LONGEST_MATCH
