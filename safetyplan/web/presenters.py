"""Turn forms into the parameters the NHS.UK macros take, so that templates stay component calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import Form

# types-wtforms 3.2 predates SelectChoice, which WTForms 3.3 added.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]


def tel_href(phone: str) -> str:
    """The tel: link for one-tap calling."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def sms_href(phone: str) -> str:
    """The sms: link that opens a text message to the number."""
    return "sms:" + tel_href(phone).removeprefix("tel:")


def error_items(form: Form) -> list[dict[str, str]]:
    """The error summary's links: each field's first error, in the order of the form, then form-wide errors."""
    items = [
        {"text": str(field.errors[0]), "href": f"#{_first_input_id(field)}"}
        for field in form
        if field.errors and field.type != "CSRFTokenField"
    ]
    items.extend({"text": str(error), "href": "#maincontent"} for error in getattr(form, "form_errors", []))
    return items


def _first_input_id(field: Any) -> str:
    if field.type == "RadioField":
        return str(field.id)  # the NHS.UK radios give the first option the prefix itself as its id
    if field.type == "DateParts":
        return f"{field.id}-day"
    return str(field.id)


def _choices(field: Any) -> list[SelectChoice]:
    return [SelectChoice.from_input(choice) for choice in field.choices]


def radio_items(field: Any) -> list[dict[str, Any]]:
    hints = getattr(field, "choice_hints", {})
    return [
        {
            "value": choice.value,
            "text": str(choice.label),
            "checked": field.data == choice.value,
            "hint": {"text": str(hints[choice.value])} if choice.value in hints else None,
        }
        for choice in _choices(field)
    ]


def select_items(field: Any) -> list[dict[str, Any]]:
    return [
        {"value": choice.value, "text": str(choice.label), "selected": field.data == choice.value}
        for choice in _choices(field)
    ]


def link_to(href: str, text: object) -> Markup:
    """A link for a table cell; the text is escaped, so it may be anything a user typed."""
    return Markup(f'<a class="nhsuk-link" href="{escape(href)}">{escape(text)}</a>')


def table_row_maker(headings: list[str], classes: list[str | None] | None = None) -> Callable[[list[Any]], Markup]:
    """Makes rows of a responsive NHS.UK table (components/tables.html) in Python: long tables spend most of their
    time in the template otherwise. Each column's opening markup (its classes and the heading repeated for narrow
    screens) is built once; a row is then its cells, each escaped unless it is Markup (a link, say)."""
    opens = [
        f'<td class="nhsuk-table__cell{" " + escape(extra) if extra else ""}" role="cell">'
        f'<span class="nhsuk-table__heading" aria-hidden="true">{escape(heading)} </span>'
        for heading, extra in zip(headings, classes or [None] * len(headings), strict=True)
    ]

    def row(cells: list[Any]) -> Markup:
        inner = "".join(f"{opening}{escape(cell)}</td>" for opening, cell in zip(opens, cells, strict=True))
        return Markup(f'<tr class="nhsuk-table__row" role="row">{inner}</tr>')

    return row


def phone_link(phone: str) -> Markup:
    """A one-tap call link."""
    return Markup('<a class="nhsuk-link" href="{}">{}</a>').format(tel_href(phone), phone)


def multiline(text: str) -> Markup:
    """Text typed on several lines (an address), escaped, with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def search_button() -> Markup:
    return Markup(
        '<button class="nhsuk-button nhsuk-button--small nhsuk-u-margin-left-2" type="submit">{}</button>'
    ).format(_("Search"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        error_items=error_items,
        radio_items=radio_items,
        select_items=select_items,
        link_to=link_to,
        phone_link=phone_link,
        tel_href=tel_href,
        sms_href=sms_href,
        multiline=multiline,
        search_button=search_button,
    )
