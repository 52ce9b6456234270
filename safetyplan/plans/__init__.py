"""Safety plans: sections, revisions, drafts, suggestions, reviews, print."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from safetyplan.people.identifiers import tel_href


@dataclass(frozen=True)
class PlanPart:
    """One section of a revision, ready for the template."""

    section: Any
    content: dict[str, Any]
    empty: bool
    #: Its place among the sections shown, 1 to n: a carer who sees three sections reads 1, 2, 3, never the gaps
    #: that would tell them what is not shared with them.
    number: int


def plan_parts(revision: Any, only: Any = None) -> list[PlanPart]:
    """A revision's sections with the registry version it was written with (only those in ``only``, if given)."""
    from safetyplan.plans.content import is_empty, section_content
    from safetyplan.plans.sections import CURRENT_VERSION, sections

    version = revision.sections_version if revision is not None else CURRENT_VERSION
    content = revision.content if revision is not None else {}
    parts = []
    for section in sections(version):
        if only is not None and section.key not in only:
            continue
        part = section_content(content, section)
        parts.append(PlanPart(section, part, is_empty(part), len(parts) + 1))
    return parts


def sms_href(number: str) -> str:
    return "sms:" + tel_href(number).removeprefix("tel:")


def init_app(app: Flask) -> None:
    from safetyplan.plans.presenters import GLOBALS
    from safetyplan.plans.routes import bp
    from safetyplan.plans.services import has_content

    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        plan_parts=plan_parts, tel_href=tel_href, sms_href=sms_href, has_plan_content=has_content, **GLOBALS
    )
