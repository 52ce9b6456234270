"""Small pieces of plan pages built in Python: each escapes what people typed and marks only our own markup."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from safetyplan.plans.sections import section


def draft_notice(edit_url: str) -> Markup:
    return Markup('{} <a class="nhsuk-link" href="{}">{}</a>').format(
        _("You have changes to this plan that are not saved yet."), edit_url, _("Carry on with them")
    )


def disagreement_html(name: str, words: str) -> Markup:
    return Markup('<strong>{}</strong> <span class="app-user-text">{}</span>').format(
        _("%(name)s does not agree with all of it. In their words:", name=name), words
    )


def section_heading(key: str) -> str:
    try:
        return str(section(key).heading)
    except KeyError:
        return key


def participants_text(revision: Any, person: Any) -> str:
    who = []
    if revision.person_took_part:
        who.append(person.known_as)
    participants = revision.participants or {}
    if revision.carer_took_part:
        who.append(participants.get("carers") or _("family, friends or carers"))
    if revision.advocate_took_part:
        who.append(participants.get("advocate") or _("an independent advocate"))
    who.append(_("a clinician") if revision.author_role == "clinician" else _("their care team"))
    return ", ".join(who)


def suggestion_status_html(suggestion: Any) -> Markup:
    text = Markup('<p class="app-user-text">{}</p>').format(suggestion.text)
    if suggestion.status == "accepted":
        status = _("Added to your plan in revision %(number)d.", number=suggestion.accepted_number)
        return text + Markup('<p class="nhsuk-body-s">{}</p>').format(status)
    if suggestion.status == "declined":
        return text + Markup('<p class="nhsuk-body-s">{} <span class="app-user-text">{}</span></p>').format(
            _("Not added. Your care team said:"), suggestion.answer or ""
        )
    return text + Markup('<p class="nhsuk-body-s">{}</p>').format(_("Waiting for your care team."))


def suggester_name(suggestion: Any) -> str:
    """The display name of whoever wrote a suggestion (a carer's suggestions name them to the person)."""
    from safetyplan.accounts.models import User
    from safetyplan.db import session

    author = session.get(User, suggestion.author_id)
    return str(author.display_name) if author is not None else ""


def review_date_html(row: Any) -> Markup:
    if row.next_review_on is None:
        return Markup("{}").format(_("No date set"))
    when = format_date(row.next_review_on, "d MMMM yyyy")
    if row.next_review_on < date.today():
        return Markup('{} <strong class="nhsuk-tag nhsuk-tag--orange">{}</strong>').format(when, _("Overdue"))
    return Markup("{}").format(when)


GLOBALS = {
    "draft_notice": draft_notice,
    "disagreement_html": disagreement_html,
    "section_heading": section_heading,
    "participants_text": participants_text,
    "suggestion_status_html": suggestion_status_html,
    "review_date_html": review_date_html,
    "suggester_name": suggester_name,
}
