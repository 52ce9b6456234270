"""Small pieces of sharing pages built in Python: each escapes what people typed and marks only our own markup."""

from __future__ import annotations

from typing import Any

from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from safetyplan.plans.sections import CURRENT_VERSION, sections
from safetyplan.sharing.forms import KIND_LABELS

ROLE_LABELS = {
    "clinician": _l("Clinician in your care team"),
    "carer": _l("Family, friend or carer"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
    "person": _l("You"),
}
LOOK_LABELS = {
    "plan.viewed": _l("Read your plan"),
    "plan.printed": _l("Opened your plan to print it"),
    "plan.history_viewed": _l("Looked at earlier versions"),
    "plan.revision_viewed": _l("Read an earlier version"),
    "plan.compared": _l("Compared two versions"),
    "plan.editor_opened": _l("Opened your plan to change it"),
    "plan.send_opened": _l("Opened your plan to send it to your GP or another team"),
    "plan.sent": _l("Sent your plan to your GP or another team"),
    "person.viewed": _l("Read your details"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def viewer_role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def look_label(action: str) -> str:
    return str(LOOK_LABELS.get(action, action))


def looks_html(day: Any) -> Markup:
    """What someone did with the plan on one day, each thing once, and each time they did it, shown on request."""
    times = Markup("").join(
        Markup("<li>{} {}</li>").format(format_datetime(look.at, "HH:mm"), look_label(look.action))
        for look in day.looks
    )
    summary = ngettext("%(num)d time: see when", "%(num)d times: see when", len(day.looks))
    return Markup(
        '{}<details class="nhsuk-details app-look-times"><summary class="nhsuk-details__summary">'
        '<span class="nhsuk-details__summary-text">{}</span></summary>'
        '<div class="nhsuk-details__text"><ul class="nhsuk-list">{}</ul></div></details>'
    ).format("; ".join(look_label(action) for action in day.actions), summary, times)


def heading_list(keys: Any) -> list[str]:
    """Section headings in the plan's order, for a set of section keys."""
    return [str(part.heading) for part in sections(CURRENT_VERSION) if part.key in keys]


def section_headings(keys: Any) -> str:
    return "; ".join(heading_list(keys))


def second_factor_offer(url: str) -> Markup:
    return Markup('{} <a class="nhsuk-link" href="{}">{}</a>').format(
        _("For extra security, you can add an authenticator app, so that signing in needs a code from your phone."),
        url,
        _("Set up an authenticator app"),
    )


def carer_suggestions_notice(count: int) -> Markup:
    return Markup('{} <a class="nhsuk-link" href="#from-carers">{}</a>').format(
        ngettext(
            "Someone close to you has suggested something for your plan.",
            "People close to you have suggested %(num)d things for your plan.",
            count,
        ),
        _("Read and decide"),
    )


def carer_suggestion_status_html(suggestion: Any, name: str) -> Markup:
    text = Markup('<p class="app-user-text">{}</p>').format(suggestion.text)
    if suggestion.status == "accepted":
        status = _("%(name)s added this to their plan.", name=name)
    elif suggestion.status == "declined":
        return text + Markup('<p class="nhsuk-body-s">{} <span class="app-user-text">{}</span></p>').format(
            _("Not added. %(name)s said:", name=name), suggestion.answer or ""
        )
    else:
        status = _("Waiting for %(name)s to decide.", name=name)
    return text + Markup('<p class="nhsuk-body-s">{}</p>').format(status)


GLOBALS = {
    "kind_label": kind_label,
    "viewer_role_label": viewer_role_label,
    "look_label": look_label,
    "looks_html": looks_html,
    "section_headings": section_headings,
    "heading_list": heading_list,
    "second_factor_offer": second_factor_offer,
    "carer_suggestion_status_html": carer_suggestion_status_html,
    "carer_suggestions_notice": carer_suggestions_notice,
}
