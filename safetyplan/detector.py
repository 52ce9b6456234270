"""Finds risk-stratification language in free text, in English and Welsh.

NICE NG225 (1.6) says not to sort people into low, medium or high risk, nor to use risk tools and scales to
predict suicide or self-harm. This module finds where text still does: a level label applied to a person ("judged
to be low risk", "RISK – HIGH", "risg uchel"), a colour or traffic-light rating ("RAG rated red"), a numeric risk
score ("risk score 7/10") and named prediction tools ("SAD PERSONS", "Manchester Self-Harm Rule").

It is a curated lexicon with context rules, not a trained model: every finding can be explained by the rule that
made it, and a new phrase is added by adding a word to a list below. The context rules are what keep ordinary
words out: "low" needs "risk" beside it, and "high risk" must read as a label (the end of a clause, "of suicide",
"to others", "patient"), not as part of "a high-risk sport" or "a high risk of rain". See
docs/adr/0007-stratification-detector.md for the design, what is deliberately not flagged, and the measured
precision and recall.

Every pattern is compiled once, anchored on a literal word and built only from bounded repetitions, so a scan takes
time in proportion to the length of the text, whatever the text is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

LEVEL_LABEL = "level-label"
COLOUR_RATING = "colour-rating"
NUMERIC_SCORE = "numeric-score"
NAMED_TOOL = "named-tool"
#: The categories of finding, as stable ids (they are stored as metadata and shown to auditors).
CATEGORIES: tuple[str, ...] = (LEVEL_LABEL, COLOUR_RATING, NUMERIC_SCORE, NAMED_TOOL)


@dataclass(frozen=True)
class Finding:
    """Stratification language at ``text[start:end]``, which is always exactly ``matched``."""

    category: str
    start: int
    end: int
    matched: str

    def to_json(self) -> dict[str, str | int]:
        return {"category": self.category, "start": self.start, "end": self.end, "matched": self.matched}


# --- The lexicon ---------------------------------------------------------------------------------------------------
# Plain phrases. A space stands for one to three spaces or a line break; a hyphen for a hyphen, a dash, a space or
# nothing ("self-harm", "self harm", "selfharm"); a trailing "*" for the rest of a word ("suicid*": "suicidal").

#: Ordinal words that make "risk" a level.
LEVELS = ("low", "medium", "moderate", "high", "minimal", "severe", "extreme")
#: Words that sharpen a level: "very high risk".
LEVEL_MODIFIERS = ("very", "relatively", "fairly", "quite", "extremely", "significantly")
#: Short forms seen in templates, accepted only straight after a label's separator: "Risk: H".
LEVEL_SHORT_FORMS = ("med", "mod", "hi", "lo", "h", "m", "l")
#: Words that make a level only when someone has judged the person with them: "assessed as posing no risk".
JUDGED_LEVELS = (
    "no",
    "negligible",
    "increased",
    "elevated",
    "heightened",
    "raised",
    "significant",
    "imminent",
    "acute",
    "serious",
)
COLOURS = ("red", "amber", "green")
#: Words that may stand between a level and "risk": "high suicide risk", "low overall risk".
RISK_QUALIFIERS = (
    "suicide",
    "suicidal",
    "self-harm",
    "self-injury",
    "clinical",
    "overall",
    "global",
    "current",
    "immediate",
    "static",
    "dynamic",
    "short-term",
    "long-term",
    "baseline",
    "violence",
)
#: What a risk is a risk of, when it is a level of a person: "high risk of suicide" (not "of rain").
HARMS = (
    "suicid*",
    "self-harm*",
    "self-injur*",
    "harm",
    "harming",
    "death",
    "dying",
    "overdos*",
    "repetition",
    "repeat self-harm*",
    "further self-harm*",
    "serious harm",
    "violence",
    "aggression",
    "completed suicide",
    "ending his life",
    "ending her life",
    "ending their life",
    "taking his own life",
    "taking her own life",
    "taking their own life",
    "taking my own life",
)
#: Whom a risk is to: "low risk to others".
RISK_TO = (
    "self",
    "others",
    "himself",
    "herself",
    "themselves",
    "themself",
    "myself",
    "yourself",
    "life",
    "children",
    "staff",
    "the public",
    "public",
    "other people",
    "other patients",
)
#: Nouns that a level label describes: "a high-risk patient", "the low risk caseload".
LABELLED_NOUNS = (
    "patient*",
    "client*",
    "person",
    "people",
    "individual*",
    "service user*",
    "case",
    "cases",
    "caseload",
    "man",
    "men",
    "woman",
    "women",
    "male*",
    "female*",
    "boy*",
    "girl*",
    "adult*",
    "young person",
    "young people",
    "adolescent*",
    "teenager*",
    "inpatient*",
    "outpatient*",
    "referral*",
    "admission*",
    "discharge",
    "presentation",
    "category",
    "categories",
    "status",
    "level",
    "band",
    "group*",
    "cohort",
    "register",
    "list",
    "pathway",
    "profile",
    "rating",
    "score",
    "flag",
    "label",
    "tier",
    "zone",
    "classification",
)
#: Words after which a label is complete and the sentence carries on: "low risk at present", "high risk and".
LINK_WORDS = (
    "and",
    "but",
    "or",
    "at",
    "in",
    "with",
    "currently",
    "presently",
    "now",
    "today",
    "overall",
    "due",
    "because",
    "as",
    "given",
    "following",
    "therefore",
    "though",
    "although",
    "whilst",
    "while",
    "since",
    "until",
    "despite",
    "nor",
    "yet",
    "also",
    "by",
    "on",
    "from",
    "who",
    "which",
    "if",
    "after",
    "so",
    "he",
    "she",
    "they",
    "i",
    "we",
    "per",
    "throughout",
    "again",
    "still",
    "already",
)
#: Nouns that make a label of "risk": "risk level: low", "risk rating – green".
LABEL_NOUNS = (
    "level",
    "rating",
    "category",
    "band",
    "status",
    "grade",
    "tier",
    "assessment",
    "assessment outcome",
    "outcome",
    "formulation",
    "profile",
    "score",
    "summary",
    "judgement",
    "judgment",
    "colour",
    "color",
    "RAG",
    "RAG rating",
    "RAG status",
    "zoning",
    "classification",
    "stratification",
)
#: Verbs that put a value on a risk: "risk is low", "risk assessed as high".
RISK_VERBS = (
    "is",
    "was",
    "are",
    "were",
    "remains",
    "remained",
    "considered",
    "assessed",
    "judged",
    "deemed",
    "rated",
    "felt",
    "thought",
    "graded",
    "categorised",
    "categorized",
    "classed",
    "classified",
    "estimated",
    "appears",
    "seems",
    "now",
    "currently",
    "still",
    "has been",
    "had been",
    "have been",
    "being",
    "downgraded",
    "upgraded",
    "reduced",
    "lowered",
    "raised",
    "increased",
    "escalated",
    "changed",
    "moved",
    "stepped down",
    "stepped up",
)
RISK_VERB_LINKS = (
    "to be",
    "to",
    "be",
    "as",
    "at",
    "currently",
    "still",
    "now",
    "being",
    "been",
    "assessed",
    "judged",
    "rated",
    "considered",
    "deemed",
    "felt",
    "thought",
    "from",
)
#: Verbs of judging a person, before a judged level: "considered at significant risk".
JUDGEMENTS = (
    "assessed",
    "judged",
    "deemed",
    "considered",
    "rated",
    "felt",
    "thought",
    "graded",
    "categorised",
    "categorized",
    "classed",
    "classified",
    "stratified",
    "triaged",
    "identified",
    "presents",
    "presenting",
    "presented",
    "viewed",
    "believed",
    "formulated",
)
JUDGEMENT_LINKS = (
    "as",
    "to",
    "be",
    "being",
    "at",
    "a",
    "an",
    "currently",
    "still",
    "now",
    "present",
    "presenting",
    "posing",
    "pose",
    "of",
    "having",
)
#: Verbs that sort a person into a level or colour without "risk": "stratified as high", "zoned amber".
SORTING_VERBS = ("stratified", "categorised", "categorized", "classed", "classified", "banded", "graded", "zoned")
RATING_VERBS = (*SORTING_VERBS, "rated", "flagged", "coded", "triaged", "RAG-rated", "RAG rated")
SCORE_WORDS = (
    "score",
    "scores",
    "scored",
    "scoring",
    "rated",
    "rating",
    "total",
    "total score",
    "points",
    "sgôr",
    "sgor",
    "sgoriodd",
    "sgoriwyd",
    "sgorio",
    "cyfanswm",
)
SCORE_LINKS = ("of", "was", "is", "at", "a", "=", "o", "oedd", "yw", "ydy")
NUMBER_WORDS = ("one", "two", "three", "four", "five")

# Welsh. Adjectives follow the noun ("risg uchel"), and soft mutation after "yn" changes some first letters
# ("canolig" becomes "ganolig", "gwyrdd" becomes "wyrdd"), so both forms are listed.
LEVELS_CY = ("isel", "uchel", "canolig", "ganolig", "cymedrol", "gymedrol", "eithafol")
COLOURS_CY = ("coch", "goch", "choch", "ambr", "oren", "melyn", "felyn", "gwyrdd", "wyrdd")
RISK_QUALIFIERS_CY = (
    "hunanladdiad",
    "hunan-niweidio",
    "hunan-niwed",
    "clinigol",
    "glinigol",
    "cyffredinol",
    "gyffredinol",
    "presennol",
    "bresennol",
)
HARMS_CY = ("hunanladdiad", "hunan-niwe*", "niwe*", "marw", "farw", "gorddos*", "trais", "drais")
LINK_WORDS_CY = (
    "a",
    "ac",
    "ar hyn o bryd",
    "oherwydd",
    "gan",
    "nawr",
    "bellach",
    "heddiw",
    "ond",
    "felly",
    "o hyd",
    "erbyn hyn",
    "yn",
    "yng",
    "ym",
    "ar",
    "wrth",
    "ers",
)
LABEL_NOUNS_CY = ("lefel", "categori", "gradd", "band", "statws", "lliw")
SCORE_HEADS_CY = ("sgôr", "sgor", "statws", "categori", "graddfa", "raddfa", "gradd", "radd", "lefel")
RATING_VERBS_CY = (
    "graddio",
    "raddio",
    "graddiwyd",
    "raddiwyd",
    "categoreiddio",
    "categoreiddiwyd",
    "dosbarthu",
    "dosbarthwyd",
    "parthu",
    "parthwyd",
)

#: Named tools and scales used to predict suicide or self-harm. Upper-case abbreviations are matched in upper case
#: only, so that ordinary words ("react", "sad persons") are left alone. Regular expressions, not phrases.
_DASH = "[\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]"
_APOS = "['\u2019\u2018]"
_GAP = r"\s{1,3}"
_JOIN = rf"(?:\s{{0,2}}{_DASH}\s{{0,2}}|\s{{1,3}})"
_HYPHEN = rf"(?:{_DASH}|\s{{1,3}})?"
_TOOL_SUFFIX = "(?:scale|tool|criteria|checklist|mnemonic)"
TOOLS = (
    # SAD PERSONS and the Modified SAD PERSONS scale: a mnemonic summed into a score.
    rf"(?:modified{_GAP})?(?-i:SAD{_HYPHEN}PERSONS|Sad{_HYPHEN}Persons)(?:{_GAP}{_TOOL_SUFFIX})?",
    rf"modified{_GAP}sad{_HYPHEN}persons(?:{_GAP}{_TOOL_SUFFIX})?",
    r"sadpersons",
    rf"sad{_HYPHEN}persons(?={_GAP}(?:score|{_TOOL_SUFFIX}))(?:{_GAP}{_TOOL_SUFFIX})?",
    # Rules that sort people who have self-harmed into higher and lower risk.
    rf"manchester{_GAP}self{_HYPHEN}harm{_GAP}rule",
    r"(?-i:MSHR)",
    rf"(?-i:ReACT)(?:{_GAP}(?:self{_HYPHEN}harm{_GAP})?rule)?",
    rf"react{_GAP}self{_HYPHEN}harm{_GAP}rule",
    rf"rheol{_GAP}hunan{_HYPHEN}niwed{_GAP}manceinion",
    # Beck's scales, when used as predictors.
    rf"beck(?:{_APOS}s)?{_GAP}hopelessness{_GAP}(?:scale|inventory)",
    r"(?-i:BHS)(?=\s{0,3}(?:score|total|[:=]|\d))",
    rf"g?raddfa{_GAP}anobaith{_GAP}beck",
    rf"beck(?:{_APOS}s)?{_GAP}scale{_GAP}for{_GAP}suicid(?:e|al){_GAP}ideation",
    rf"(?:(?:beck|pierce)(?:{_APOS}s)?{_GAP})?suicid(?:e|al){_GAP}intent{_GAP}scale",
    # Tools whose output is a risk band.
    rf"tool{_GAP}for{_GAP}(?:the{_GAP})?assessment{_GAP}of{_GAP}suicide{_GAP}risk",
    r"(?-i:TASR)",
    rf"(?-i:SAFE{_DASH}T)",
    rf"suicide{_GAP}assessment{_GAP}five{_HYPHEN}step{_GAP}evaluation(?:{_GAP}and{_GAP}triage)?",
    r"(?-i:NGASR)",
    rf"nurses{_APOS}?{_GAP}global{_GAP}assessment{_GAP}of{_GAP}suicide{_GAP}risk",
    rf"suicide{_GAP}probability{_GAP}scale",
    rf"(?-i:FACE){_GAP}risk(?:{_GAP}(?:profile|assessment|tool))?",
    r"(?-i:GRiST)",
    rf"galatean{_GAP}risk(?:{_GAP}and{_GAP}safety{_GAP}tool)?",
    # Generic screens and scales that score risk.
    (
        rf"(?:suicide|suicidal|self{_HYPHEN}harm){_GAP}risk{_GAP}(?:screen(?:ing)?(?:{_GAP}tool)?|screener|scale|tool|"
        rf"assessment{_GAP}tool|questionnaire|calculator|matrix|checklist)"
    ),
    rf"risk{_JOIN}(?:assessment|stratification|scoring|screening){_GAP}(?:tool|scale|matrix|calculator)",
    rf"risk{_GAP}(?:scale|matrix|calculator)",
    rf"offeryn{_GAP}(?:asesu|sgrinio){_GAP}risg",
    rf"sgrinio{_GAP}risg",
    rf"g?raddfa{_GAP}risg",
)
#: The Columbia scale (C-SSRS) is a structured conversation too; it is flagged only where it sorts into levels.
COLUMBIA = (
    rf"(?-i:C{_DASH}?SSRS)"
    rf"|columbia(?:{_GAP}suicide)?(?:{_GAP}severity)?(?:{_GAP}rating)?{_GAP}(?:scale|protocol|screen|screener|screening)"
)


# --- Building the patterns -----------------------------------------------------------------------------------------


def _phrase(phrase: str) -> str:
    """A lexicon phrase as a regular expression (see the notation above)."""
    stem = phrase.endswith("*")
    parts = re.split(r"([ -])", phrase.rstrip("*"))
    pattern = "".join(_GAP if part == " " else _HYPHEN if part == "-" else re.escape(part) for part in parts)
    return pattern + (r"\w{0,15}" if stem else "")


def _any(phrases: Iterable[str]) -> str:
    # Longest first, so that "very high" is tried before "very" and "total score" before "total".
    return "(?:" + "|".join(_phrase(p) for p in sorted(phrases, key=len, reverse=True)) + ")"


def _regex_any(patterns: Iterable[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


_FLAGS = re.IGNORECASE  # str patterns are Unicode-aware: \w and \s know Welsh letters and every script's spaces
_B = r"(?<!\w)(?=\w)"  # a word starts here (the look-ahead lets every other position fail at once)
_E = r"(?!\w)"  # a word ends here
_END = rf"(?!\w|{_DASH}\w)"  # and is not the first half of a hyphenated word ("high risk-taking")
_HSPACE = r"[^\S\n]"
_SEP = rf"\s{{0,3}}(?:[:=(\[]|{_DASH}){{1,2}}\s{{0,3}}"  # a label's separator: "Risk: high", "RISK – HIGH"
_CLAUSE_END = rf"{_HSPACE}{{0,3}}(?:$|\n|[^\w\s])"  # the end, a line break, or a mark that is not a word

_LEVEL_WORD = _any(LEVELS)
_LEVEL = (
    rf"(?:{_any(LEVEL_MODIFIERS)}{_GAP})?{_LEVEL_WORD}"
    rf"(?:(?:\s{{0,2}}(?:/|{_DASH})\s{{0,2}}|{_GAP}(?:to|or){_GAP}){_LEVEL_WORD})?"
)
_LEVEL_CY_WORD = rf"{_any(LEVELS_CY)}(?:{_GAP}iawn)?"
_LEVEL_CY = rf"{_LEVEL_CY_WORD}(?:(?:\s{{0,2}}(?:/|{_DASH})\s{{0,2}}|{_GAP}(?:i|neu){_GAP}){_LEVEL_CY_WORD})?"
_COLOUR = _any(COLOURS)
_COLOUR_CY = _any(COLOURS_CY)
_ANY_COLOUR = _any((*COLOURS, *COLOURS_CY))
_RAG_LETTER = r"(?-i:[RAG])"
_RISK = r"risks?"
_RISK_CY = r"risg(?:iau)?"
_QUALIFIED_RISK = rf"(?:{_any(RISK_QUALIFIERS)}{_JOIN})?{_RISK}"
_RISK_OF = rf"(?:{_GAP}(?:of|for){_GAP}{_any(HARMS)}(?:{_GAP}to{_GAP}{_any(RISK_TO)})?|{_GAP}to{_GAP}{_any(RISK_TO)})"
_TO_CY = (  # "i'w hun" (to self), "i eraill" (to others)
    rf"(?:i{_APOS}w{_GAP}hun(?:an)?|i{_GAP}eraill|i{_APOS}r{_GAP}cyhoedd|i{_GAP}bobl{_GAP}eraill"
    rf"|iddo{_APOS}?i?{_GAP}ei{_GAP}hun|iddi{_GAP}ei{_GAP}hun)"
)
_RISK_HEAD_CY = rf"{_RISK_CY}(?:{_GAP}{_any(RISK_QUALIFIERS_CY)})?(?:{_GAP}o{_GAP}{_any(HARMS_CY)}|{_GAP}{_TO_CY})?"
_NUMBER = r"\d{1,3}(?:[.,]\d{1,2})?"
_OUT_OF = rf"\s{{0,3}}(?:/|out{_GAP}of|allan{_GAP}o)\s{{0,3}}\d{{1,3}}"
_SCORE_VALUE = rf"{_NUMBER}(?:{_OUT_OF}|(?={_CLAUSE_END}))"  # "7/10", or a number that ends the label: "Risk = 4"
_TOOL = _regex_any(TOOLS)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


# --- Context checks ------------------------------------------------------------------------------------------------

_APPLIED = _compile(
    _CLAUSE_END  # the label ends: "Assessed as high risk."
    + rf"|{_JOIN}{_any(LABELLED_NOUNS)}{_E}"  # "a high-risk patient"
    + rf"|{_JOIN}{_QUALIFIED_RISK}{_END}"  # "Risk: high risk"
    + rf"|{_GAP}(?:of|for){_GAP}{_any(HARMS)}{_E}"  # "high risk of suicide", not "of rain"
    + rf"|{_GAP}to{_GAP}{_any(RISK_TO)}{_E}"  # "low risk to others", not "to my job"
    + rf"|{_GAP}{_any(LINK_WORDS)}{_E}"  # "low risk at present"
)
_APPLIED_CY = _compile(
    _CLAUSE_END
    + rf"|{_GAP}o{_GAP}{_any(HARMS_CY)}{_E}"  # "risg uchel o hunanladdiad", not "o law" (of rain)
    + rf"|{_GAP}{_TO_CY}"
    + rf"|{_GAP}{_any(LINK_WORDS_CY)}{_E}"
)
#: Words that make a number in the same sentence a risk score.
_RISK_WORDS = (
    rf"(?:{_RISK}|{_RISK_CY}|suicid\w{{0,15}}|self{_HYPHEN}harm\w{{0,15}}|hunanladdiad|hunan{_HYPHEN}niw\w{{0,15}}|lethality|"
    rf"dangerousness|hopelessness|anobaith|{_TOOL}|{COLUMBIA})"
)
_RISK_CONTEXT = _compile(rf"{_B}{_RISK_WORDS}{_E}")
_SCORED_ON = _compile(  # "scored 8 on the suicide risk screen", "sgoriodd 9 ar raddfa SAD PERSONS"
    rf"{_GAP}(?:on|in|using|with|from|for|ar|yn|gan{_GAP}ddefnyddio)(?:{_GAP}[\w'\u2019-]{{1,30}}){{0,4}}?{_GAP}"
    rf"{_RISK_WORDS}{_E}"
)
_COLUMBIA_LEVELS = _compile(rf"{_B}(?:triage|risk|level|category|{_LEVEL_WORD}|{_COLOUR}){_E}")
_SENTENCE_BREAK = re.compile(r"[.;!?\n]")
_COLOUR_AT_END = _compile(rf"{_B}(?:{_ANY_COLOUR}|{_RAG_LETTER})$")

_Check = Callable[[str, re.Match[str]], bool]


def _always(_text: str, _match: re.Match[str]) -> bool:
    return True


def _applied_to_person(text: str, match: re.Match[str]) -> bool:
    """The words after an English level read as a label of a person, not as "a high-risk sport"."""
    return _APPLIED.match(text, match.end("hit")) is not None


def _applied_to_person_cy(text: str, match: re.Match[str]) -> bool:
    return _APPLIED_CY.match(text, match.end("hit")) is not None


def _about_risk(text: str, match: re.Match[str]) -> bool:
    """A score is a risk score when risk, suicide or a risk tool is named in its sentence: not "scored 3 goals"."""
    hit = match.group("hit")
    if _RISK_CONTEXT.search(hit):
        return True
    before = text[max(0, match.start("hit") - 60) : match.start("hit")]
    before = _SENTENCE_BREAK.split(before)[-1]
    return _RISK_CONTEXT.search(before) is not None or _SCORED_ON.match(text, match.end("hit")) is not None


def _sorts_into_levels(text: str, match: re.Match[str]) -> bool:
    """The Columbia scale is named with a triage level or a risk level after it, in the same sentence."""
    after = _SENTENCE_BREAK.split(text[match.end("hit") : match.end("hit") + 50])[0]
    return _COLUMBIA_LEVELS.search(after) is not None


# --- The rules -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """A pattern with a group named "hit" (the words reported), the category it finds, and a context check.

    The category None means "a level, or a colour if the value is a colour" (as in "risk rating: green").
    """

    pattern: re.Pattern[str]
    category: str | None
    check: _Check = _always

    def findings(self, text: str) -> Iterable[Finding]:
        for match in self.pattern.finditer(text):
            if not self.check(text, match):
                continue
            start, end = match.span("hit")
            matched = text[start:end]
            category = self.category or (COLOUR_RATING if _COLOUR_AT_END.search(matched) else LEVEL_LABEL)
            yield Finding(category, start, end, matched)


def _rule(pattern: str, category: str | None, check: _Check = _always) -> _Rule:
    return _Rule(_compile(pattern), category, check)


_RISK_LABEL_HEAD = (
    rf"(?:{_QUALIFIED_RISK}{_RISK_OF}?(?:{_JOIN}{_any(LABEL_NOUNS)})?"
    rf"|triage(?:{_JOIN}(?:level|category|outcome|rating|colour|color))?|zoning)"
)
_VALUE = rf"(?:{_LEVEL}|{_ANY_COLOUR})"
_VERBAL = rf"{_any(RISK_VERBS)}(?:{_GAP}{_any(RISK_VERB_LINKS)}){{0,4}}"

_RULES: tuple[_Rule, ...] = (
    # "high risk", "a low-risk patient", "medium to high suicide risk", "high risk of suicide".
    _rule(rf"{_B}(?P<hit>{_LEVEL}{_JOIN}{_QUALIFIED_RISK}){_END}", LEVEL_LABEL, _applied_to_person),
    # "Risk: high", "RISK – HIGH", "risk level: L", "risk assessed: high", "suicide risk is considered to be low",
    # "risk rating – green".
    _rule(
        rf"{_B}(?P<hit>{_RISK_LABEL_HEAD}(?:{_SEP}(?:{_VALUE}|{_any(LEVEL_SHORT_FORMS)}|{_RAG_LETTER})"
        rf"|{_GAP}{_VERBAL}(?:{_SEP}|{_GAP}){_VALUE}|{_GAP}{_VALUE}(?={_CLAUSE_END}))){_END}",
        None,
        _applied_to_person,  # "Risk: low", not "Risk: low mood in winter"
    ),
    # "risk level 3", "risk category B", "tier 2 risk".
    _rule(
        rf"{_B}(?P<hit>{_QUALIFIED_RISK}{_JOIN}(?:level|category|band|tier|grade|group|class|zone|stratum)"
        rf"(?:{_SEP}|{_GAP}(?:of|is|was){_GAP}|\s{{0,3}})(?:\d{{1,2}}|{_any(NUMBER_WORDS)}|(?-i:[A-D]))){_E}",
        LEVEL_LABEL,
    ),
    _rule(
        rf"{_B}(?P<hit>(?:level|tier|band|category|grade)\s{{0,2}}(?:\d{{1,2}}|{_any(NUMBER_WORDS)}|(?-i:[A-D]))"
        rf"{_JOIN}{_QUALIFIED_RISK}){_END}",
        LEVEL_LABEL,
        _applied_to_person,  # "tier 3 risk", not "level 3 risk assessment training"
    ),
    # "assessed as posing no risk to others", "considered at significant risk".
    _rule(
        rf"{_B}{_any(JUDGEMENTS)}(?:{_GAP}{_any(JUDGEMENT_LINKS)}){{0,4}}{_GAP}"
        rf"(?P<hit>(?:{_any(LEVEL_MODIFIERS)}{_GAP})?{_any(JUDGED_LEVELS)}{_JOIN}{_QUALIFIED_RISK}){_END}",
        LEVEL_LABEL,
    ),
    # "stratified as high", "classed as low".
    _rule(
        rf"{_B}(?P<hit>{_any(SORTING_VERBS)}(?:{_GAP}as)?(?:{_GAP}an?)?{_GAP}{_LEVEL}){_END}",
        LEVEL_LABEL,
        _applied_to_person,
    ),
    # "amber risk", "a red-risk patient".
    _rule(rf"{_B}(?P<hit>{_COLOUR}{_JOIN}{_QUALIFIED_RISK}){_END}", COLOUR_RATING, _applied_to_person),
    # "RAG rated red", "RAG status: amber", "RAG: G".
    _rule(
        rf"{_B}(?P<hit>(?:(?:statws|sgôr|sgor|lliw|graddio|gradd){_GAP})?"
        rf"RAG(?:{_JOIN}(?:rated|rating|status|score|scored|colour|color|category|coded|code|level|assessment)"
        rf"(?:{_SEP}(?:{_ANY_COLOUR}|{_RAG_LETTER})|(?:{_GAP}(?:as|of|is|was))?{_GAP}{_ANY_COLOUR})?"
        rf"|{_SEP}(?:{_ANY_COLOUR}|{_RAG_LETTER}))){_E}",
        COLOUR_RATING,
    ),
    # "green rated", "a red-flagged referral"; not a name doing the rating ("Amber rated my cooking 10/10").
    _rule(
        rf"{_B}(?P<hit>{_COLOUR}{_JOIN}(?:rated|zoned|flagged|coded|rating)){_END}"
        rf"(?!{_GAP}(?:my|me|our|us|his|him|her|their|them|your|it|its|the|a|an|this|that|these|those)\b)",
        COLOUR_RATING,
    ),
    # "rated amber", "zoned red", "triaged as green".
    _rule(
        rf"{_B}(?P<hit>{_any(RATING_VERBS)}(?:{_GAP}(?:as|at|an?)){{0,2}}{_GAP}{_COLOUR}){_END}",
        COLOUR_RATING,
        _applied_to_person,
    ),
    # "traffic light rating: red", "traffic-light risk status".
    _rule(
        rf"{_B}(?P<hit>traffic{_HYPHEN}lights?{_JOIN}(?:rating|rated|RAG|status|score|category|level|classification"
        rf"|risk(?:{_JOIN}(?:rating|level|status|category))?)(?:{_SEP}{_ANY_COLOUR})?){_E}",
        COLOUR_RATING,
    ),
    # "risk score 7/10", "scored 8 on the suicide risk screen", "sgôr risg o 8 allan o 10".
    _rule(
        rf"{_B}(?P<hit>(?:{_QUALIFIED_RISK}{_JOIN}|(?:lethality|dangerousness){_JOIN})?{_any(SCORE_WORDS)}"
        rf"(?:{_GAP}(?:risg|risk|RAG)(?:{_GAP}{_any(RISK_QUALIFIERS_CY)})?)?"
        rf"(?:{_SEP}|{_GAP}{_any(SCORE_LINKS)}{_GAP}|{_GAP}){_NUMBER}(?:{_OUT_OF})?){_E}",
        NUMERIC_SCORE,
        _about_risk,
    ),
    # "risk 7/10", "Risk = 4", "risg: 8 allan o 10".
    _rule(
        rf"{_B}(?P<hit>(?:{_QUALIFIED_RISK}{_RISK_OF}?|{_RISK_HEAD_CY})(?:{_SEP}|{_GAP}(?:is|was|at|yn){_GAP}|{_GAP})"
        rf"{_SCORE_VALUE}){_E}",
        NUMERIC_SCORE,
    ),
    # "SADPERSONS: 7", "sgôr SAD PERSONS o 7": the number after a tool (the tool is a finding of its own).
    _rule(rf"{_B}{_TOOL}(?:{_SEP}|{_GAP})(?P<hit>{_SCORE_VALUE}){_E}", NUMERIC_SCORE),
    _rule(
        rf"{_B}{_any(SCORE_WORDS)}{_GAP}{_TOOL}(?:{_SEP}|{_GAP}{_any(SCORE_LINKS)}{_GAP}|{_GAP})"
        rf"(?P<hit>{_NUMBER}(?:{_OUT_OF})?){_E}",
        NUMERIC_SCORE,
    ),
    _rule(rf"{_B}(?P<hit>{_TOOL}){_E}", NAMED_TOOL),
    _rule(rf"{_B}(?P<hit>{COLUMBIA}){_E}", NAMED_TOOL, _sorts_into_levels),
    # Welsh: "risg uchel", "risg hunanladdiad isel iawn", "risg goch".
    _rule(
        rf"{_B}(?P<hit>{_RISK_CY}(?:{_GAP}{_any(RISK_QUALIFIERS_CY)})?{_GAP}(?:{_LEVEL_CY}|{_COLOUR_CY})){_END}",
        None,
        _applied_to_person_cy,
    ),
    # "Lefel risg: canolig", "y risg yn isel", "risg o hunanladdiad: isel", "statws RAG: coch".
    _rule(
        rf"{_B}(?P<hit>(?:{_any(LABEL_NOUNS_CY)}(?:{_GAP}(?:y|yr))?{_GAP})?{_RISK_HEAD_CY}"
        rf"(?:{_SEP}(?:{_LEVEL_CY}|{_ANY_COLOUR}|{_any(LEVEL_SHORT_FORMS)})"
        rf"|(?:{_GAP}(?:yn|fel|sy{_APOS}n|sydd{_GAP}yn|oedd{_GAP}yn)|{_APOS}n){_GAP}(?:{_LEVEL_CY}|{_COLOUR_CY})))"
        rf"{_END}",
        None,
    ),
    # "lefel risg 3", "categori risg 2".
    _rule(
        rf"{_B}(?P<hit>(?:{_any(LABEL_NOUNS_CY)}|haen)(?:{_GAP}(?:y|yr))?{_GAP}{_RISK_CY}"
        rf"(?:{_SEP}|{_GAP}yn{_GAP}|\s{{1,3}})\d{{1,2}}){_E}",
        LEVEL_LABEL,
    ),
    # "wedi'i raddio'n goch", "graddiwyd yn ambr", "sgôr goleuadau traffig: coch".
    _rule(
        rf"{_B}(?P<hit>{_any(RATING_VERBS_CY)}(?:{_APOS}n|{_GAP}(?:yn|fel)){_GAP}{_COLOUR_CY}){_END}",
        COLOUR_RATING,
    ),
    _rule(
        rf"{_B}(?P<hit>{_any(SCORE_HEADS_CY)}{_GAP}goleuadau{_GAP}traffig(?:{_SEP}{_COLOUR_CY})?){_E}",
        COLOUR_RATING,
    ),
)


def scan(text: str) -> list[Finding]:
    """The stratification language in ``text``, in order, with no two findings overlapping.

    Where two rules find overlapping words of the same category, the finding covers both ("Risk: high risk");
    where the categories differ, the earlier and longer finding is kept.
    """
    candidates = sorted(
        (finding for rule in _RULES for finding in rule.findings(text)),
        key=lambda f: (f.start, -(f.end - f.start), CATEGORIES.index(f.category)),
    )
    kept: list[Finding] = []
    for finding in candidates:
        last = kept[-1] if kept else None
        if last is None or finding.start >= last.end:
            kept.append(finding)
        elif finding.category == last.category and finding.end > last.end:
            kept[-1] = Finding(last.category, last.start, finding.end, text[last.start : finding.end])
    return kept
