"""The caseload table's rows, built in Python: a team's caseload can be hundreds of people, and building each
cell in the template costs far more than building it here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from babel.dates import get_month_names
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from safetyplan.people.services import CaseloadRow
from safetyplan.web.presenters import link_to, table_row_maker


def date_formatter() -> Callable[[date | None], str]:
    """Dates as "7 April 1991" in the page's language, with the month names looked up once."""
    months = dict(get_month_names("wide", locale=get_locale()))  # a plain dict: Babel's own mapping is slow to read
    return lambda day: f"{day.day} {months[day.month]} {day.year}" if day else ""


def caseload_rows(rows: list[CaseloadRow], headings: list[str]) -> list[Markup]:
    formatted = date_formatter()
    not_recorded, not_set = _("Not recorded"), _("Not set")
    row = table_row_maker(headings, [None, "app-nowrap", None, "app-nowrap", None])
    # Every row links to the same route: build its address once and put each person's id into it.
    placeholder = uuid.UUID(int=0)
    person_url = url_for("people.person", person_id=placeholder).replace(str(placeholder), "{}")
    return [
        row(
            [
                link_to(
                    person_url.format(entry.person_id),
                    f"{entry.name} ({entry.preferred_name})" if entry.preferred_name else entry.name,
                ),
                entry.nhs_number or not_recorded,
                formatted(entry.date_of_birth),
                formatted(entry.next_review_on) if entry.next_review_on else not_set,
                ", ".join(entry.teams),
            ]
        )
        for entry in rows
    ]
