"""Finds any place that could hold a risk level for a person: in the database, in the forms, in the plan sections.

``check(engine)`` reads the live database schema (tables, views, columns, CHECK constraints and enum types), every
form of the app (each subclass of ``BaseForm``, and the plan editor built from the section registry) and the
section registry itself, and returns an ``Offender`` for each thing that could hold a risk level, score, rating,
band or category. The rules (docs/adr/0007-stratification-detector.md):

- A name (a table, column, form field, label or section key) that pairs a risk term (risk, danger, lethality,
  stratification, triage, RAG...) with a scale term (level, score, rating, band, tier, category, grade, colour,
  status...): ``risk_level``, ``rag_status``, ``lethality_score``, ``danger_tier``.
- A name made only of risk terms and the words that say whose risk it is: ``risk``, ``suicide_risk``, ``triage``.
- A column named only by a plain scale word (level, score, rating, band, tier, grade, colour, rank, severity) in a
  table whose own name is about risk: ``risk_assessments.level``. Generic words (category, status, type) are not
  enough there, because a table can record findings *about text* ("stratification_findings.category").
- A set of allowed values that looks like an ordinal scale or RAG colours: a CHECK, enum or choice list holding two
  or more of low, medium, high... or of red, amber, green; or any value that reads as a level ("high_risk").
- Text (labels, choices, section titles and prompts) in which the stratification detector finds a level label,
  a colour rating, a numeric score or a named prediction tool.

- In what the app sends out (each export's shape, registered by the app factory under ``EXPORT_SHAPES``): an
  element or extension name that pairs a risk term with a scale term, a coded risk level (``RISK_CODES``), the
  codes of one system together making an ordinal scale or RAG colours, and any text that reads as stratification.

Nothing is exempt by name: a table passes because of what its names and values say, not because it is listed.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Engine, inspect
from wtforms import Form
from wtforms.fields import FieldList, FormField
from wtforms.fields.core import UnboundField

from safetyplan.detector import scan
from safetyplan.plans.forms import plan_form_class
from safetyplan.plans.sections import REGISTRY
from safetyplan.web.forms import BaseForm

#: The app's package, whose domains' form modules the check imports to find every form.
PACKAGE_DIR = Path(__file__).resolve().parents[1]

#: Words that make a name about risk.
RISK_TERMS = frozenset(
    {
        "risk",
        "risks",
        "danger",
        "dangerousness",
        "lethality",
        "stratification",
        "stratified",
        "stratum",
        "strata",
        "triage",
        "rag",
        "suicidality",
        "risg",
        "perygl",
        "berygl",
    }
)
#: Words that make a name a scale, a grade or a category.
SCALE_TERMS = frozenset(
    {
        "level",
        "levels",
        "lvl",
        "score",
        "scores",
        "scoring",
        "rating",
        "ratings",
        "rated",
        "band",
        "bands",
        "banding",
        "tier",
        "tiers",
        "category",
        "categories",
        "grade",
        "grades",
        "grading",
        "colour",
        "color",
        "status",
        "class",
        "classification",
        "rank",
        "ranking",
        "severity",
        "zone",
        "zoning",
        "priority",
        "flag",
        "lefel",
        "sgôr",
        "sgor",
        "gradd",
        "categori",
        "statws",
        "lliw",
        "haen",
    }
)
#: Scale words specific enough to hold a level on their own, in a table that is about risk.
PLAIN_SCALE_TERMS = frozenset(
    {
        "level",
        "lvl",
        "score",
        "rating",
        "band",
        "tier",
        "grade",
        "colour",
        "color",
        "rank",
        "severity",
        "rag",
    }
)
#: Words that say whose or which risk, and so leave a bare risk field bare: "suicide_risk", "overall_risk".
SUBJECT_TERMS = frozenset(
    {
        "suicide",
        "suicidal",
        "self",
        "harm",
        "selfharm",
        "overall",
        "global",
        "current",
        "clinical",
        "assessed",
        "person",
        "patient",
        "client",
        "hunanladdiad",
    }
)
#: Values of an ordinal level, after "risk" and joining marks are taken away ("high_risk" is "high").
LEVEL_VALUES = frozenset(
    {
        "low",
        "medium",
        "med",
        "moderate",
        "high",
        "minimal",
        "severe",
        "extreme",
        "elevated",
        "intermediate",
        "very low",
        "very high",
        "isel",
        "canolig",
        "cymedrol",
        "uchel",
    }
)
COLOUR_VALUES = frozenset({"red", "amber", "green", "coch", "ambr", "oren", "melyn", "gwyrdd"})


@dataclass(frozen=True)
class Offender:
    """Something that could hold a risk level: where it is (table.column, form.field, section key) and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def check(engine: Engine) -> list[Offender]:
    """Every place in the database behind ``engine``, the app's forms and the plan sections that could hold a risk
    level. An empty list means none was found."""
    return [*check_database(engine), *check_forms(), *check_sections(), *check_documents(export_shapes())]


# --- The rules -----------------------------------------------------------------------------------------------------


def words_of(name: str) -> list[str]:
    """The words of an identifier or a label: "RagStatus", "rag_status" and "RAG status" are all ["rag", "status"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [word.lower() for word in re.split(r"[\W_]+", spaced) if word]


def name_reason(name: str, table: str | None = None) -> str | None:
    """Why a name could hold a risk level, or None. ``table`` is the table a column belongs to."""
    words = set(words_of(name))
    risk, scale = words & RISK_TERMS, words & SCALE_TERMS
    if risk and scale:
        return f"the name pairs {_quoted(risk)} with {_quoted(scale)}, so it could hold a risk level"
    if risk and words <= RISK_TERMS | SUBJECT_TERMS:
        return f"the name is {_quoted(risk)} alone, so it could hold a risk level"
    if table is not None and words and words <= PLAIN_SCALE_TERMS and set(words_of(table)) & RISK_TERMS:
        return f"a {_quoted(words)} in a table about risk could hold a risk level"
    return None


def values_reason(values: Iterable[str]) -> str | None:
    """Why a set of allowed values looks like a risk scale, or None."""
    values = [str(value) for value in values]
    plain = {_plain_value(value) for value in values}
    if len(levels := sorted(plain & LEVEL_VALUES)) >= 2:
        return f"its values are an ordinal scale ({', '.join(levels)}), so it could hold a risk level"
    if len(colours := sorted(plain & COLOUR_VALUES)) >= 2:
        return f"its values are RAG colours ({', '.join(colours)}), so it could hold a risk rating"
    for value in values:
        if reason := text_reason(value.replace("_", " ")):
            return reason
    return None


def text_reason(text: str) -> str | None:
    """Why a label, choice or prompt reads as stratification, or None."""
    findings = scan(text)
    if not findings:
        return None
    return "its text reads as stratification: " + "; ".join(f"{f.matched!r} ({f.category})" for f in findings)


def _plain_value(value: str) -> str:
    words = [word for word in words_of(value) if word not in {"risk", "risg", "iawn"}]
    return " ".join(words)


def _quoted(words: Iterable[str]) -> str:
    return " and ".join(f"'{word}'" for word in sorted(words))


# --- The database --------------------------------------------------------------------------------------------------


def check_database(engine: Engine) -> list[Offender]:
    """Tables, views, columns, CHECK constraints and enum types of the live database."""
    inspector = inspect(engine)
    offenders: list[Offender] = []
    relations = [*inspector.get_table_names(), *inspector.get_view_names()]
    for table in relations:
        if reason := name_reason(table):
            offenders.append(Offender(f"table {table}", reason))
        for column in inspector.get_columns(table):
            where = f"column {table}.{column['name']}"
            if reason := name_reason(column["name"], table=table):
                offenders.append(Offender(where, reason))
            enums = getattr(column["type"], "enums", None)
            if enums and (reason := values_reason(enums)):
                offenders.append(Offender(where, reason))
    for table in inspector.get_table_names():
        for constraint in _check_constraints(inspector, table):
            literals = re.findall(r"'((?:[^']|'')*)'", str(constraint.get("sqltext", "")))
            if literals and (reason := values_reason(literals)):
                offenders.append(Offender(f"check {table}.{constraint.get('name') or '(unnamed)'}", reason))
    for enum in _enums(inspector):
        if (reason := name_reason(enum["name"])) or (reason := values_reason(enum["labels"])):
            offenders.append(Offender(f"enum {enum['name']}", reason))
    return offenders


def _check_constraints(inspector: Any, table: str) -> list[dict[str, Any]]:
    try:
        return list(inspector.get_check_constraints(table))
    except NotImplementedError:  # a dialect that cannot list them
        return []


def _enums(inspector: Any) -> list[dict[str, Any]]:
    get_enums = getattr(inspector, "get_enums", None)  # PostgreSQL's named enum types; SQLite has none
    return list(get_enums()) if get_enums else []


# --- The forms -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FormField:
    name: str
    label: str | None
    choices: list[tuple[str, str]]


def check_forms() -> list[Offender]:
    """Field names, labels and choices of every form of the app."""
    offenders: list[Offender] = []
    for form_class in form_classes():
        for field in _fields(form_class):
            where = f"form {form_class.__name__}.{field.name}"
            label = field.label or ""
            if reason := name_reason(field.name) or name_reason(label) or text_reason(label):
                offenders.append(Offender(where, reason))
            if field.choices:
                values = [value for value, _label in field.choices]
                labels = [label for _value, label in field.choices]
                if reason := values_reason(values) or values_reason(labels):
                    offenders.append(Offender(f"{where} choices", reason))
    return offenders


def form_classes() -> list[type[Form]]:
    """Each form class of the app once: the subclasses of BaseForm, and the plan editor of every registry version."""
    _import_form_modules()
    found: dict[str, type[Form]] = {}
    for form_class in [*_subclasses(BaseForm), *(plan_form_class(version) for version in REGISTRY)]:
        # The plan editor is made afresh by each call: one class per name is enough.
        found.setdefault(f"{form_class.__module__}.{form_class.__qualname__}", form_class)
    return list(found.values())


def _import_form_modules() -> None:
    """Import every ``safetyplan.<domain>.forms``, so that each form class exists to be found."""
    for module in pkgutil.iter_modules([str(PACKAGE_DIR)]):
        name = f"safetyplan.{module.name}.forms"
        if module.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _subclasses(cls: type) -> Iterator[type]:
    subclass: type
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def _fields(form_class: type[Form]) -> list[_FormField]:
    """The fields of a form as built (so choices set in __init__ count), or as declared if it cannot be built."""
    if has_app_context():
        with current_app.test_request_context():
            try:
                form = form_class()
            except TypeError:  # it needs arguments (team choices, for example): read what it declares
                pass
            else:
                return list(_bound_fields(form))
    return list(_declared_fields(form_class))


def _bound_fields(form: Iterable[Any]) -> Iterator[_FormField]:
    for field in form:
        if isinstance(field, FieldList):
            yield from _bound_fields(field.entries[:1])
        elif isinstance(field, FormField):
            yield from _bound_fields(field.form)
        else:
            choices = getattr(field, "choices", None) or []
            yield _FormField(field.name, str(field.label.text) if field.label else None, _choice_pairs(choices))


def _declared_fields(form_class: type[Form], prefix: str = "") -> Iterator[_FormField]:
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if isinstance(unbound, UnboundField):
            yield from _declared_field(unbound, f"{prefix}{name}")


def _declared_field(unbound: UnboundField[Any], name: str) -> Iterator[_FormField]:
    if issubclass(unbound.field_class, FieldList) and unbound.args and isinstance(unbound.args[0], UnboundField):
        yield from _declared_field(unbound.args[0], name)
    elif issubclass(unbound.field_class, FormField) and unbound.args:
        yield from _declared_fields(unbound.args[0], f"{name}-")
    else:
        label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else None)
        choices = _choice_pairs(unbound.kwargs.get("choices") or [])
        yield _FormField(name, str(label) if label is not None else None, choices)


def _choice_pairs(choices: Any) -> list[tuple[str, str]]:
    if isinstance(choices, dict):  # WTForms' grouped choices: {group: [choices]}
        choices = [choice for group in choices.values() for choice in group]
    pairs = []
    for choice in choices:
        value, label = (getattr(choice, "value", None), getattr(choice, "label", None))
        if value is None and isinstance(choice, (tuple, list)):
            value, label = choice[0], choice[1] if len(choice) > 1 else choice[0]
        elif value is None:
            value = label = choice
        pairs.append((str(value), str(label)))
    return pairs


# --- The plan sections ---------------------------------------------------------------------------------------------


def check_sections() -> list[Offender]:
    """The key, titles, prompt and guidance of every section in every version of the registry."""
    offenders: list[Offender] = []
    for version, parts in REGISTRY.items():
        for part in parts:
            where = f"section {part.key} (version {version})"
            if reason := name_reason(part.key) or name_reason(str(part.title)):
                offenders.append(Offender(where, reason))
            for attribute in ("title", "heading", "prompt", "guidance"):
                if reason := text_reason(str(getattr(part, attribute))):
                    offenders.append(Offender(f"{where} {attribute}", reason))
    return offenders


# --- What the app sends out ----------------------------------------------------------------------------------------

#: Where the app factory registers the shape of each export: a name -> a function returning a sample of it.
EXPORT_SHAPES = "safetyplan.export_shapes"

#: Codes other systems use for a person's risk level (system, code); the import firewall refuses them too.
RISK_CODES = frozenset({("http://loinc.org", "93374-7")})  # LOINC "Suicide risk level"


def export_shapes() -> dict[str, Any]:
    """The export shapes the running app registered (none outside an app)."""
    return dict(current_app.extensions.get(EXPORT_SHAPES, {})) if has_app_context() else {}


def check_documents(shapes: dict[str, Any]) -> list[Offender]:
    """Every element name, extension, code and text of each export's sample that could hold a risk level."""
    offenders: list[Offender] = []
    for name, sample in shapes.items():
        codes_by_system: dict[str, set[str]] = {}
        for path, node in _walk(sample(), name):
            offenders += _node_offenders(path, node, codes_by_system)
        for system, found in codes_by_system.items():
            if reason := values_reason(found):
                offenders.append(Offender(f"{name}: codes of {system}", reason))
    return offenders


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _node_offenders(path: str, node: Any, codes_by_system: dict[str, set[str]]) -> list[Offender]:
    found: list[Offender] = []
    if isinstance(node, dict):
        for key in node:
            if reason := name_reason(key):
                found.append(Offender(f"{path}.{key}", reason))
        url = node.get("url")
        if isinstance(url, str) and (reason := name_reason(url.rstrip("/").rpartition("/")[2])):
            found.append(Offender(f"{path} extension {url}", reason))
        system, code = node.get("system"), node.get("code")
        if isinstance(system, str) and isinstance(code, str):
            codes_by_system.setdefault(system, set()).add(code)
            if (system, code) in RISK_CODES:
                found.append(Offender(f"{path}", f"the code {system}|{code} is a risk level"))
            elif reason := name_reason(code):
                found.append(Offender(f"{path}", reason))
    elif isinstance(node, str) and (reason := text_reason(re.sub(r"<[^>]+>", " ", node))):
        found.append(Offender(path, reason))
    return found
