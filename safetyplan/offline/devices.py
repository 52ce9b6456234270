"""Devices that keep an offline copy of a plan, and what each copy holds.

The person keeps their newest agreed plan; a carer keeps exactly the sections the person shares with them, from
that same revision. The copy leaves the server only to a signed-in owner of an active device, and each copy that
leaves is audited. A device may ask, without signing in and without anything being recorded, whether it should
still keep a copy and which revision is newest (``device_status``): that is how a forgotten device, a closed
account or sharing that has ended wipes the copy at its next contact, and how a device knows to refresh.

Nothing counts or times how often a copy is opened or checked: not opening a plan is not a signal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale, format_date
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError, NotFound
from safetyplan.offline.messages import MESSAGES
from safetyplan.offline.models import OfflineDevice
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.content import section_content
from safetyplan.plans.models import CrisisContact
from safetyplan.plans.sections import sections
from safetyplan.roles import Role
from safetyplan.sharing.consent import shared_sections
from safetyplan.sharing.models import InvolvedPerson

#: Who keeps a copy: the person (their own plan) and a carer (what is shared with them).
KEEPERS = frozenset({Role.PERSON, Role.CARER})
MAX_NAME = 60


class DeviceError(DomainError):
    messages = MESSAGES


@dataclass(frozen=True)
class Device:
    """A device as its owner sees it in "Devices with my plan"."""

    id: uuid.UUID
    name: str
    added_at: datetime


@dataclass(frozen=True)
class Status:
    """What a device may learn without signing in: whether to keep its copy, and the newest revision's number."""

    keep: bool
    revision_number: int | None = None
    #: The keys of the sections the device may keep now (for a carer, what is shared): a copy holding any other
    #: section drops it at once, even before it can fetch a new copy.
    section_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfflineCopy:
    """What the device keeps (encrypted there, under the owner's PIN or passkey)."""

    device_id: uuid.UUID
    person_id: uuid.UUID
    #: The name the person is known by (a carer's copy says whose plan it is).
    known_as: str
    revision_number: int
    saved_at: datetime
    #: The day the revision was saved, written out in ``language``.
    saved_on: str
    language: str
    #: Each section kept, in the plan's order: {"key", "heading", and its content ("items", "contacts", ...)}.
    sections: list[dict[str, Any]] = field(default_factory=list)
    #: The national crisis lines: {"name", "number", "channel" ("call" or "text"), "detail"}.
    crisis_lines: list[dict[str, str]] = field(default_factory=list)
    #: The person's teams' phone numbers, when the services part is kept: {"name", "number"}.
    team_phones: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Keeping:
    """What ``user`` may keep of a person's plan now: every section (``keys`` None, their own) or these; and on
    what grounds (None: nothing now, as an account closed or sharing ended)."""

    keys: frozenset[str] | None
    grounds: Grounds | None


def _keeping(user: User, person_id: uuid.UUID) -> _Keeping:
    """Checks and records nothing: for the services below, which audit what they then do."""
    if not user.is_active:
        return _Keeping(frozenset(), None)
    if user.role == Role.PERSON and user.person_id == person_id:
        return _Keeping(None, Grounds.SELF)
    if user.role == Role.CARER:
        involved = session.scalars(
            select(InvolvedPerson).where(
                InvolvedPerson.person_id == person_id,
                InvolvedPerson.user_id == user.id,
                InvolvedPerson.removed_at.is_(None),
            )
        ).first()
        keys = shared_sections(involved) if involved is not None and involved.active else frozenset()
        if involved is not None and keys:
            return _Keeping(keys, Grounds.carer(involved.id))
    return _Keeping(frozenset(), None)


def keep_on_device(*, by: User, person_id: uuid.UUID, name: str) -> Device:
    """Add a device of ``by``'s that keeps a copy of the person's plan (their own, or what they share with ``by``).
    NotFound when ``by`` may keep none of it; DeviceError when the name is too long."""
    name = " ".join(name.split()) or "This device"
    if len(name) > MAX_NAME:
        raise DeviceError("name_too_long", field="name")
    keeping = _keeping(by, person_id)
    if by.role not in KEEPERS or keeping.grounds is None or session.get(Person, person_id) is None:
        record("device.added", by=by, grounds=Grounds.NONE, outcome="denied", person_id=person_id)
        raise NotFound()
    device = OfflineDevice(id=uuid.uuid4(), user_id=by.id, person_id=person_id, added_at=utcnow(), name=name)
    session.add(device)
    session.flush()
    record("device.added", by=by, grounds=keeping.grounds, person_id=person_id)
    return Device(device.id, name, device.added_at)


def devices_of(*, by: User) -> list[Device]:
    """The devices that keep a copy for ``by`` now, newest first."""
    return [
        Device(device.id, str(device.name), device.added_at)
        for device in session.scalars(
            select(OfflineDevice)
            .where(OfflineDevice.user_id == by.id, OfflineDevice.forgotten_at.is_(None))
            .order_by(OfflineDevice.added_at.desc(), OfflineDevice.id)
        )
    ]


def _own_device(by: User, device_id: uuid.UUID, action: str) -> OfflineDevice:
    device = session.get(OfflineDevice, device_id)
    if device is None or device.user_id != by.id or device.forgotten_at is not None:
        record(action, by=by, grounds=Grounds.NONE, outcome="denied", person_id=device.person_id if device else None)
        raise NotFound()
    return device


def forget_device(*, by: User, device_id: uuid.UUID) -> None:
    """Forget one of ``by``'s devices: its next contact is refused, and its copy wipes itself."""
    device = _own_device(by, device_id, "device.forgotten")
    device.forgotten_at = utcnow()
    record("device.forgotten", by=by, grounds=Grounds.SELF, person_id=device.person_id)


def device_status(device_id: uuid.UUID) -> Status:
    """Whether the device should keep its copy, the newest agreed revision's number, and which sections it may keep.
    For anyone who holds the device's id (the device itself, signed in or not): it says none of the plan's words,
    and nothing is recorded."""
    device = session.get(OfflineDevice, device_id)
    user = session.get(User, device.user_id) if device is not None else None
    if device is None or user is None or device.forgotten_at is not None:
        return Status(keep=False)
    keeping = _keeping(user, device.person_id)
    agreed = unchecked_plans.agreed_revision(device.person_id)
    if keeping.grounds is None or agreed is None:
        return Status(keep=False)
    keys = tuple(
        part.key for part in sections(agreed.sections_version) if keeping.keys is None or part.key in keeping.keys
    )
    return Status(keep=True, revision_number=agreed.number, section_keys=keys)


def offline_page_crisis_lines() -> list[CrisisContact]:
    """The national crisis lines, for the offline page: the same for everyone, and no one's data."""
    return list(unchecked_plans.crisis_lines())


def copy_for_device(*, by: User, device_id: uuid.UUID, language: str) -> OfflineCopy:
    """The copy for one of ``by``'s active devices: the newest agreed plan (for a carer, only what is shared), in
    ``language``. Audited. NotFound when the device is not theirs, is forgotten, or may keep nothing now (nothing
    agreed yet, sharing ended)."""
    device = _own_device(by, device_id, "plan.copied_to_device")
    keeping = _keeping(by, device.person_id)
    kept = keeping.keys
    agreed = unchecked_plans.agreed_revision(device.person_id)
    if keeping.grounds is None or agreed is None:
        record("plan.copied_to_device", by=by, grounds=Grounds.NONE, outcome="denied", person_id=device.person_id)
        raise NotFound()
    parts = []
    for part in sections(agreed.sections_version):
        if kept is not None and part.key not in kept:
            continue  # never copied in: a carer's copy holds only what is shared
        with force_locale(language):
            heading = str(part.heading)
        parts.append({"key": part.key, "heading": heading, **section_content(agreed.content, part)})
    phones = []
    if kept is None or "services" in kept:
        phones = [{"name": name, "number": number} for name, number in unchecked_plans.team_phones(device.person_id)]
    lines = [
        {"name": line.name(language), "number": line.number, "channel": line.channel, "detail": line.detail(language)}
        for line in unchecked_plans.crisis_lines()
    ]
    plan = unchecked_plans.plan_of(device.person_id)
    record(
        "plan.copied_to_device",
        by=by,
        grounds=keeping.grounds,
        person_id=device.person_id,
        plan_id=plan.id if plan else None,
        revision_id=agreed.id,
    )
    person = session.get(Person, device.person_id)
    with force_locale(language):
        saved_on = format_date(agreed.created_at, "d MMMM yyyy")
    return OfflineCopy(
        device.id,
        device.person_id,
        person.known_as if person else "",
        agreed.number,
        agreed.created_at,
        saved_on,
        language,
        parts,
        lines,
        phones,
    )
