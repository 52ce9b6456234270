"""The caseload table's rows, built in Python: a team's caseload can be hundreds of people, and building each
cell in the template costs far more than building it here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from babel.dates import get_month_names
from markupsafe import Markup
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from safetyplan.people.services import CaseloadRow
from safetyplan.web.presenters import link_to, table_row


def date_formatter() -> Callable[[date | None], str]:
    """Dates as "7 April 1991" in the page's language, with the month names looked up once."""
    months = get_month_names("wide", locale=get_locale())
    return lambda day: f"{day.day} {months[day.month]} {day.year}" if day else ""


def caseload_rows(rows: list[CaseloadRow], headings: list[str]) -> list[Markup]:
    formatted = date_formatter()
    not_recorded, not_set = _("Not recorded"), _("Not set")
    return [
        table_row(headings, [
            {"html": link_to(url_for("people.person", person_id=row.person_id), f"{row.name} ({row.preferred_name})" if row.preferred_name else row.name)},
            {"text": row.nhs_number or not_recorded, "classes": "app-nowrap"},
            {"text": formatted(row.date_of_birth)},
            {"text": formatted(row.next_review_on) if row.next_review_on else not_set, "classes": "app-nowrap"},
            {"text": ", ".join(row.teams)},
        ])
        for row in rows
    ]
