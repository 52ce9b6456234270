"""A plan as a PDF, made with WeasyPrint from the print view's sections: selectable text, Welsh characters right,
the revision and date and the page number on every page.

For the clinicians of a team holding the person and for the person (their own), audited like a print; and for the
command line. WeasyPrint fetches nothing: the page carries its own styles, and any other address is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.db import session
from safetyplan.errors import NotFound
from safetyplan.people.identifiers import format_nhs_number
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.contacts import crisis_contacts, team_phones
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.revisions import view_plan
from safetyplan.roles import Role
from safetyplan.sharing.carers import SharedRevision, carer_view


@dataclass(frozen=True)
class Pdf:
    data: bytes
    revision_number: int

    @property
    def filename(self) -> str:
        """What the file is, never whose: no name, NHS number or date of birth."""
        return f"safety-plan-revision-{self.revision_number}.pdf"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a plan's PDF fetches nothing ({url.split(':', 1)[0]}: refused)")


def _render(
    revision: Any, contacts: Any, phones: Any, *, title: str, subtitle: str, only: frozenset[str] | None = None
) -> bytes:
    """The PDF of ``revision`` (only the sections in ``only``, when given: a carer's)."""
    revision_line = _(
        "Revision %(number)d, %(date)s", number=revision.number, date=format_date(revision.created_at, "d MMMM yyyy")
    )
    html = render_template(
        "exchange/plan_pdf.html",
        revision=revision,
        crisis_contacts=contacts,
        team_phones=phones,
        revision_line=str(revision_line),
        title=title,
        subtitle=subtitle,
        only=only,
    )
    # Imported here because WeasyPrint loads Pango and its fonts when imported: the app (and every command) starts
    # without them on a machine that never makes a PDF, and only this call needs them.
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _title(person: Person, *, own: bool) -> str:
    return str(_("My safety plan") if own else _("Safety plan: %(name)s", name=person.known_as))


def plan_pdf(*, by: User, person_id: uuid.UUID) -> Pdf:
    """The current revision of the person's plan as a PDF, for someone who may read the plan. NotFound when out of
    reach or when there is no plan yet."""
    view = view_plan(by=by, person_id=person_id, action="plan.exported_pdf")
    if view.current is None:
        raise NotFound()
    data = _render(
        view.current,
        crisis_contacts(by=by),
        team_phones(by=by, person_id=person_id),
        title=_title(view.person, own=by.role == Role.PERSON),
        subtitle=view.person.known_as,
    )
    return Pdf(data, view.current.number)


def plan_pdf_for_command_line(*, person_id: uuid.UUID, language: str = "en") -> Pdf:
    """The same PDF for ``safetyplan plans export-pdf``, audited as the command line."""
    person = session.get(Person, person_id)
    plan = unchecked_plans.plan_of(person_id)
    current = unchecked_plans.revision_of(plan, plan.current_number) if plan else None
    if person is None or plan is None or current is None:
        raise NotFound()
    with force_locale(language):
        data = _render(
            current,
            unchecked_plans.crisis_lines(),
            unchecked_plans.team_phones(person_id),
            title=_title(person, own=False),
            subtitle=person.known_as,
        )
    record(
        "plan.exported_pdf",
        by=None,
        grounds=Grounds.COMMAND_LINE,
        person_id=person_id,
        plan_id=plan.id,
        revision_id=current.id,
    )
    return Pdf(data, current.number)


def carer_pdf(*, by: User, person_id: uuid.UUID) -> Pdf:
    """What the person shares with this carer, from the plan they agreed with, as a PDF: no other section is ever
    in it. NotFound when they share nothing with this carer, or there is no agreed plan yet."""
    view = carer_view(by=by, person_id=person_id, action="plan.exported_pdf")
    if view.revision is None:
        raise NotFound()
    data = _render(
        view.revision,
        crisis_contacts(by=by),
        view.team_phones,
        title=str(_("%(name)s's safety plan", name=view.name)),
        subtitle=str(_("The parts shared with me")),
        only=view.shared,
    )
    return Pdf(data, view.revision.number)


def revision_pdf(person: Person, revision: PlanRevision) -> bytes:
    """One revision, whole, in the current language: for the person's own copy of everything (whose service has
    checked who asks, and audits it)."""
    return _render(
        revision,
        unchecked_plans.crisis_lines(),
        unchecked_plans.team_phones(person.id),
        title=_title(person, own=True),
        subtitle=person.known_as,
    )


def _identified(person: Person) -> str:
    """The person as another service matches them: full name, NHS number (where there is one), date of birth."""
    who = [person.name]
    if person.nhs_number:
        who.append(str(_("NHS number %(number)s", number=format_nhs_number(person.nhs_number))))
    who.append(str(_("born %(date)s", date=format_date(person.date_of_birth, "d MMMM yyyy"))))
    return ", ".join(who)


def sent_plan_pdf(person: Person, revision: PlanRevision) -> bytes:
    """One revision, whole, in the current language, for the GP practice or the team taking over (whose service,
    ``exchange.sending``, has checked who sends it, and audits it)."""
    return _render(
        revision,
        unchecked_plans.crisis_lines(),
        unchecked_plans.team_phones(person.id),
        title=_title(person, own=False),
        subtitle=_identified(person),
    )


def crisis_view_pdf(person: Person, revision: PlanRevision, keys: frozenset[str]) -> bytes:
    """The crisis view for urgent care: only the sections in ``keys`` of this (agreed) revision are copied in, with
    the numbers to call, in English. Checks no access: ``exchange.crisis`` publishes what the person chose."""
    shown = SharedRevision.of(revision, keys)
    with force_locale("en"):
        return _render(
            shown,
            unchecked_plans.crisis_lines(),
            unchecked_plans.team_phones(person.id) if "services" in keys else [],
            title=str(_("Mental health crisis plan")),
            subtitle=_identified(person),
            only=keys,
        )
