"""Labels for the auditor's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from safetyplan.assurance.measures import DESCRIPTIONS
from safetyplan.assurance.runchart import month_label

CATEGORY_LABELS = {
    "level-label": _l("A level given to a person"),
    "colour-rating": _l("A colour or traffic-light rating"),
    "numeric-score": _l("A numeric score"),
    "named-tool": _l("A named prediction tool or scale"),
}
AUTHOR_LABELS = {
    "clinician": _l("Clinician"),
    "person": _l("The person, in their words"),
    "carer": _l("A carer"),
}


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def author_label(role: str) -> str:
    return str(AUTHOR_LABELS.get(role, role))


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def measure_description(key: str) -> str:
    return str(DESCRIPTIONS.get(key, ""))


GLOBALS = {
    "measure_description": measure_description,
    "category_label": category_label,
    "author_label": author_label,
    "short_month": month_label,
    "percent": percent,
}
