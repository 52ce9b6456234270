"""Small pieces of plan pages built in Python: each escapes what people typed and marks only our own markup."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import get_month_names
from flask import url_for
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from safetyplan.accounts.models import User
from safetyplan.db import session
from safetyplan.plans.caseload import CaseloadRow
from safetyplan.plans.content import is_empty, section_content
from safetyplan.plans.revisions import has_content
from safetyplan.plans.sections import CURRENT_VERSION, REASONS, section, sections
from safetyplan.roles import Role
from safetyplan.web.locale import current_language
from safetyplan.web.locale import gettext as _
from safetyplan.web.presenters import link_to, sms_href, table_row_maker, tel_href


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
    version = revision.sections_version if revision is not None else CURRENT_VERSION
    content = revision.content if revision is not None else {}
    parts: list[PlanPart] = []
    for section_ in sections(version):
        if only is not None and section_.key not in only:
            continue
        part = section_content(content, section_)
        parts.append(PlanPart(section_, part, is_empty(part), len(parts) + 1))
    return parts


# A revision's sections, built in Python: every plan page, print, PDF and carer's view shows them, and the macros that
# built them (a tag, a contact line, an attribution for each section) cost more than the rest of the plan page.


def _tag(text: str, colour: str) -> str:
    """The NHS.UK tag's markup, written out."""
    return f'<strong class="nhsuk-tag nhsuk-tag--{colour} app-attribution">{escape(text)}</strong>'


def _attribution(content: dict[str, Any]) -> str:
    """Whose words a section is: the person's own, added by a carer, or written with the care team."""
    carers = ", ".join(str(name) for name in content.get("carers") or [])
    suggested_by = content.get("suggested_by") or []
    tags = []
    if content.get("own_words"):
        tags.append(_tag(_("In my words"), "green"))
    elif content.get("by") == "carer":
        tags.append(_tag(_("Added by %(names)s", names=carers) if carers else _("Added by a carer"), "grey"))
    elif content.get("by"):
        tags.append(_tag(_("Written with my care team"), "grey"))
    if "person" in suggested_by:
        tags.append(_tag(_("Includes words I suggested"), "green"))
    if "carer" in suggested_by:
        tags.append(
            _tag(
                _("Includes words added by %(names)s", names=carers) if carers else _("Includes words a carer added"),
                "grey",
            )
        )
    return " ".join(tags)


def contact_line(name: str, detail: str | None, number: str | None, channel: str = "call") -> Markup:
    """One contact: the name, what they are to the person, and the number as a one-tap call (or text) link."""
    line = f'<li class="app-contact"><span class="app-contact__name">{escape(name)}</span>'
    if detail:
        line += f' <span class="app-contact__detail">{escape(detail)}</span>'
    if number:
        if channel == "text":
            href, text = sms_href(number), _("Text %(number)s", number=number)
        else:
            href, text = tel_href(number), number
        line += f' <a class="nhsuk-link app-contact__number" href="{escape(href)}">{escape(text)}</a>'
    return Markup(line + "</li>")


def _bullets(items: list[Any]) -> str:
    return (
        '<ul class="nhsuk-list nhsuk-list--bullet app-user-text">'
        + "".join(f"<li>{escape(item)}</li>" for item in items)
        + "</ul>"
    )


def plan_sections_html(
    revision: Any,
    crisis_contacts: list[Any],
    team_phones: list[tuple[str, str]],
    heading_level: int = 2,
    only: Any = None,
    disagreed: Any = None,
    own: bool = False,
) -> Markup:
    """Each section of ``revision`` (only those in ``only``, if given), numbered 1 to n as shown, with whose words
    it holds, a link to what the person disagrees with (``disagreed``: section keys; ``own``: the person reads it),
    and, in the services section, the care team's numbers and the crisis lines."""
    language = current_language()
    level = int(heading_level)
    disagrees = (
        _("You have said you disagree with this part") if own else _("They have said they disagree with this part")
    )
    disagreed_link = f'<a class="app-disagreed nhsuk-link app-no-print" href="#disagreements">{escape(disagrees)}</a>'

    html = []
    for part in plan_parts(revision, only):
        section_ = part.section
        key = escape(section_.key)
        content = part.content
        html.append(
            f'<section class="app-plan-section{" app-plan-section--empty" if part.empty else ""}" id="section-{key}" '
            f'aria-labelledby="section-{key}-title">'
            f'<h{level} class="nhsuk-heading-m app-plan-section__title" id="section-{key}-title">'
            f'<span class="app-plan-section__number">{part.number}.</span> {escape(section_.heading)}</h{level}>'
        )
        if not part.empty:
            html.append(_attribution(content))
        if disagreed and section_.key in disagreed:
            html.append(disagreed_link)
        if section_.kind == "contacts":
            lines = [
                contact_line(contact.get("name") or "", contact.get("relationship"), contact.get("phone"))
                for contact in content.get("contacts") or []
            ]
            if section_.key == "services":
                lines.extend(contact_line(team, _("my care team"), phone) for team, phone in team_phones)
                lines.extend(
                    contact_line(line.name(language), line.detail(language), line.number, line.channel)
                    for line in crisis_contacts
                )
            html.append(f'<ul class="nhsuk-list app-contacts">{"".join(lines)}</ul>')
        elif section_.kind == "helps":
            if content.get("helps"):
                html.append(f'<h{level + 1} class="nhsuk-heading-s">{escape(_("What helps"))}</h{level + 1}>')
                html.append(_bullets(content["helps"]))
            if content.get("does_not_help"):
                html.append(f'<h{level + 1} class="nhsuk-heading-s">{escape(_("What does not help"))}</h{level + 1}>')
                html.append(_bullets(content["does_not_help"]))
        elif content.get("items"):
            html.append(_bullets(content["items"]))
        if part.empty and section_.key != "services":
            html.append(f'<p class="app-plan-section__empty">{escape(_("Nothing written here yet."))}</p>')
        html.append("</section>")
    return Markup("".join(html))


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
    who.append(_("a clinician") if revision.author_role == Role.CLINICIAN else _("their care team"))
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
    author = session.get(User, suggestion.author_id)
    return str(author.display_name) if author is not None else ""


def review_date_html(row: Any) -> Markup:
    if row.next_review_on is None:
        return Markup("{}").format(_("No date set"))
    when = format_date(row.next_review_on, "d MMMM yyyy")
    if row.next_review_on < date.today():
        return Markup('{} <strong class="nhsuk-tag nhsuk-tag--orange">{}</strong>').format(when, _("Overdue"))
    return Markup("{}").format(when)


# The caseload table's rows, built in Python: a team's caseload can be hundreds of people, and building each
# cell in the template costs far more than building it here.


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


def datetime_formatter() -> Callable[[datetime], str]:
    """Moments as "7 Apr 2026, 14:05" in the page's language and the app's time zone (Flask-Babel's
    ``datetimeformat("d MMM yyyy, HH:mm")``), with the month names and the zone looked up once."""
    months = dict(get_month_names("abbreviated", locale=get_locale()))
    zone = get_timezone()

    def formatted(moment: datetime) -> str:
        local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
        return f"{local.day} {months[local.month]} {local.year}, {local.hour:02d}:{local.minute:02d}"

    return formatted


# The history table's rows, built in Python for the same reason: a plan reviewed every month for years has hundreds
# of revisions, and each cell built in the template cost more than the rest of the page.


#: A number no revision has, put into a text or address once and replaced by each row's own number.
PLACEHOLDER = 987654321


def history_rows(person_id: uuid.UUID, revisions: list[Any], reasons: dict[str, Any]) -> list[Markup]:
    """One row for each revision, newest first: a link to it, when and why it was saved, whether the person agrees,
    and the two radios that choose what to compare (the second newest and the newest are chosen).

    Written with f-strings, each value escaped: ``Markup.format`` runs Python's pure-Python formatter, which cost
    more than everything else on the page."""
    formatted = datetime_formatter()
    why = {key: escape(str(text)) for key, text in reasons.items()}
    agrees = {True: escape(_("Yes")), False: escape(_("No")), None: escape(_("Not asked"))}
    declined = Markup(f" ({escape(_('offered and declined'))})")
    # Each numbered text is translated once, and escaped once, with a placeholder number that each row replaces.
    placeholder = str(PLACEHOLDER)
    revision_text = escape(_("Revision %(number)d", number=PLACEHOLDER))
    from_text = escape(_("from revision %(number)d", number=PLACEHOLDER))
    compare_from = escape(_("Compare from revision %(number)d", number=PLACEHOLDER))
    compare_to = escape(_("Compare to revision %(number)d", number=PLACEHOLDER))
    # The address with the number as its last part; only that part is replaced (a person's id could hold the digits).
    revision_base = escape(url_for("plans.revision", person_id=person_id, number=PLACEHOLDER).rpartition("/")[0])
    rows = []
    for index, revision in enumerate(revisions):
        number = str(int(revision.number))
        reason = why.get(revision.reason) or escape(revision.reason)
        if revision.declined:
            reason += declined
        if revision.restored_from:
            reason += Markup(f" ({from_text.replace(placeholder, str(int(revision.restored_from)))})")
        rows.append(
            Markup(
                '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">'
                f'<a class="nhsuk-link" href="{revision_base}/{number}">'
                f"{revision_text.replace(placeholder, number)}</a></td>"
                f'<td class="nhsuk-table__cell">{escape(formatted(revision.created_at))}</td>'
                f'<td class="nhsuk-table__cell">{reason}</td>'
                f'<td class="nhsuk-table__cell">{agrees[revision.person_agrees]}</td>'
                f'<td class="nhsuk-table__cell">{_compare_radio("from", number, compare_from, checked=index == 1)}</td>'
                f'<td class="nhsuk-table__cell">{_compare_radio("to", number, compare_to, checked=index == 0)}</td>'
                "</tr>"
            )
        )
    return rows


def _compare_radio(name: str, number: str, label: str, *, checked: bool) -> str:
    """The NHS.UK small radio's markup, written out; ``name`` is ours, ``number`` digits, ``label`` escaped already
    with the placeholder for ``number``."""
    return (
        '<div class="nhsuk-radios nhsuk-radios--small"><div class="nhsuk-radios__item">'
        f'<input class="nhsuk-radios__input" id="{name}-{number}" name="{name}" type="radio" value="{number}"'
        f'{" checked" if checked else ""}><label class="nhsuk-label nhsuk-radios__label" for="{name}-{number}">'
        f'<span class="nhsuk-u-visually-hidden">{label.replace(str(PLACEHOLDER), number)}</span></label></div></div>'
    )


EARLIER_ROLES = {Role.PERSON: _l("the person"), Role.CLINICIAN: _l("a clinician"), Role.CARER: _l("a carer")}


def earlier_rows(revision: Any) -> list[list[dict[str, str]]]:
    """The record that came with a plan received on transfer, one row per revision written there: when, who
    (and in what role), why, who took part and whether the person agreed. All of it as the sender wrote it."""
    rows = []
    for entry in (revision.origin or {}).get("history") or []:
        try:
            when = format_datetime(datetime.fromisoformat(entry.get("recorded") or ""), "d MMMM yyyy, HH:mm")
        except ValueError:
            when = _("Not recorded")
        who = entry.get("author") or _("Not recorded")
        if entry.get("role") in EARLIER_ROLES:
            who = f"{who} ({EARLIER_ROLES[entry['role']]})"
        reason = REASONS.get(entry.get("reason") or "", entry.get("reason_text") or _("Not recorded"))
        agrees = entry.get("person_agrees")
        rows.append(
            [
                {"text": when},
                {"text": who},
                {"text": str(reason)},
                {"text": ", ".join(entry.get("took_part") or []) or _("Not recorded")},
                {"text": _("Yes") if agrees is True else (_("No") if agrees is False else _("Not asked"))},
            ]
        )
    return rows


GLOBALS = {
    "earlier_rows": earlier_rows,
    "caseload_rows": caseload_rows,
    "history_rows": history_rows,
    "plan_parts": plan_parts,
    "plan_sections_html": plan_sections_html,
    "contact_line_html": contact_line,
    "has_plan_content": has_content,
    "draft_notice": draft_notice,
    "disagreement_html": disagreement_html,
    "section_heading": section_heading,
    "participants_text": participants_text,
    "suggestion_status_html": suggestion_status_html,
    "review_date_html": review_date_html,
    "suggester_name": suggester_name,
}
