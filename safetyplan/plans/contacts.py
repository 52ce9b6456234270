"""The services every plan lists (the national crisis lines, which an admin keeps up to date) and the
phone numbers of the teams that hold a person."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.db import session
from safetyplan.errors import NotFound
from safetyplan.people.access import refuse
from safetyplan.plans import unchecked
from safetyplan.plans.access import plan_grounds
from safetyplan.plans.errors import PlanError
from safetyplan.plans.models import CrisisContact
from safetyplan.plans.revisions import PlanView, check_view
from safetyplan.roles import Role


def crisis_contacts(*, by: User) -> list[CrisisContact]:
    """The national crisis lines every plan lists. Not anyone's data: every role may read them."""
    return list(session.scalars(select(CrisisContact).order_by(CrisisContact.position)))


def team_phones(*, by: User, person_id: uuid.UUID) -> list[tuple[str, str]]:
    """The teams holding the person that have a phone number, (team name, number), for someone who may read
    their plan (NotFound otherwise)."""
    if plan_grounds(by, person_id) is None:
        refuse(by, person_id, "plan.viewed")
    return unchecked.team_phones(person_id)


def team_phones_in(*, by: User, view: PlanView) -> list[tuple[str, str]]:
    """As team_phones, for the plan in ``view``: view_plan has checked (and audited) access to it already, so here
    only that the view was made for ``by``."""
    check_view(by, view)
    return unchecked.team_phones(view.person.id)


def get_crisis_contact(*, by: User, contact_id: uuid.UUID) -> CrisisContact | None:
    if by.role != Role.ADMIN:
        raise PlanError("not_allowed")
    return session.get(CrisisContact, contact_id)


def update_crisis_contact(*, by: User, contact_id: uuid.UUID, values: dict[str, str]) -> CrisisContact:
    """Change a service every plan lists (its names in English and Welsh, number, channel, details)."""
    contact = get_crisis_contact(by=by, contact_id=contact_id)
    if contact is None:
        raise NotFound()
    for name in ("name_en", "name_cy", "number", "channel", "detail_en", "detail_cy"):
        setattr(contact, name, values[name].strip())
    record("crisis_contact.changed", by=by, grounds=Grounds.role(Role.ADMIN))
    return contact
