"""Turn forms into the parameters the NHS.UK macros take, so that templates stay component calls."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import Form
from wtforms.fields.choices import SelectChoice

from safetyplan.people.identifiers import tel_href


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


def table_row(headings: list[str], cells: list[dict[str, Any]]) -> Markup:
    """One row of a responsive NHS.UK table (components/tables.html), built here: long tables spend most of their
    time in the template otherwise. Each cell is {"text": ...} (escaped) or {"html": Markup}, with "classes"."""
    parts = ['<tr class="nhsuk-table__row" role="row">']
    for heading, cell in zip(headings, cells, strict=True):
        classes = f" {escape(cell['classes'])}" if cell.get("classes") else ""
        content = cell["html"] if "html" in cell else escape(cell.get("text", ""))
        parts.append(
            f'<td class="nhsuk-table__cell{classes}" role="cell"><span class="nhsuk-table__heading" aria-hidden="true">'
            f"{escape(heading)} </span>{content}</td>"
        )
    parts.append("</tr>")
    return Markup("".join(parts))


def phone_link(phone: str) -> Markup:
    """A one-tap call link."""
    return Markup('<a class="nhsuk-link" href="{}">{}</a>').format(tel_href(phone), phone)


def multiline(text: str) -> Markup:
    """Text typed on several lines (an address), escaped, with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def search_button() -> Markup:
    return Markup('<button class="nhsuk-button nhsuk-button--small nhsuk-u-margin-left-2" type="submit">{}</button>').format(
        _("Search")
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        error_items=error_items,
        radio_items=radio_items,
        select_items=select_items,
        link_to=link_to,
        phone_link=phone_link,
        multiline=multiline,
        search_button=search_button,
    )
