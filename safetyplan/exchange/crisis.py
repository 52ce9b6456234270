"""Publishing the crisis view for urgent care: while the person's newest agreed plan has a crisis view, a PDF of
just the sections they chose (with their contacts) and a National Record Locator pointer to it, a FHIR R4
``DocumentReference`` shaped as NRL v3 files a "Mental health crisis plan" (SNOMED CT 736253002, category "Care
plan", 734163000), its subject the NHS number and its custodian this trust's ODS code.

``reconcile`` runs whenever the plan or the choice changes (``plans.events``), in that change's transaction: it
works out what urgent care should see and, when that differs from what was last published, adds a delivery to the
outbox (``deliveries``) and audits it. A new agreed revision supersedes the pointer (``relatesTo`` ``replaces``);
choosing nothing, or a plan with nothing agreed, withdraws it. A person without an NHS number cannot be found
through the NRL, so nothing is published for them. The pointer never holds a section they did not choose.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.config import current_settings
from safetyplan.db import session, utcnow
from safetyplan.exchange import codes
from safetyplan.exchange.deliveries import enqueue
from safetyplan.exchange.fhir import instant
from safetyplan.exchange.models import Delivery
from safetyplan.exchange.pdf import crisis_view_pdf
from safetyplan.people.access import grounds_for
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.roles import Role
from safetyplan.sharing.crisis_view import crisis_view_choices, latest_crisis_view

NRL_FORMAT = "https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode"


@dataclass(frozen=True)
class Published:
    """What urgent care can find now: the pointer's id, the revision and the sections it shows."""

    document_id: str
    revision_number: int
    sections: frozenset[str]


def published(person_id: uuid.UUID) -> Published | None:
    """The pointer last published for the person, unless it was withdrawn since (sent or still waiting)."""
    latest = session.scalars(
        select(Delivery)
        .where(Delivery.person_id == person_id, Delivery.kind.in_(("crisis_pointer", "crisis_withdrawal")))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.kind == "crisis_withdrawal":
        return None
    payload = latest.payload or {}
    return Published(latest.document_id, latest.revision_number or 0, frozenset(payload.get("sections") or ()))


@dataclass(frozen=True)
class CrisisViewPage:
    """What the crisis view page shows: every decision (newest first), whether a clinician has talked it through,
    what urgent care can find now, and why nothing is published when nothing is."""

    person: Person
    choices: list[Any]
    talked: bool
    published: Published | None
    #: The pointer is waiting in the outbox (or its withdrawal is).
    waiting: bool
    agreed_number: int | None


def crisis_view_page(*, by: User, person_id: uuid.UUID) -> CrisisViewPage:
    """For the person or a clinician of their team (audited by ``crisis_view_choices``)."""
    choices = crisis_view_choices(by=by, person_id=person_id)
    person = session.get(Person, person_id)
    assert person is not None  # crisis_view_choices reached them
    agreed = unchecked_plans.agreed_revision(person_id)
    waiting = (
        session.scalars(
            select(Delivery.id).where(
                Delivery.person_id == person_id,
                Delivery.kind.in_(("crisis_pointer", "crisis_withdrawal")),
                Delivery.status != "sent",
            )
        ).first()
        is not None
    )
    return CrisisViewPage(
        person=person,
        choices=choices,
        talked=any(choice.recorded_by_role == Role.CLINICIAN for choice in choices),
        published=published(person_id),
        waiting=waiting,
        agreed_number=agreed.number if agreed else None,
    )


def on_plan_changed(person_id: uuid.UUID, by: User | None) -> None:
    """The ``plans.events`` callback: bring what urgent care sees up to date."""
    reconcile(person_id, by=by)


def reconcile(person_id: uuid.UUID, *, by: User | None) -> None:
    choice = latest_crisis_view(person_id)
    if choice is None:
        return  # never chosen, so never published: nothing to bring up to date (most saves stop here)
    person = session.get(Person, person_id)
    keys = choice.section_keys
    revision = unchecked_plans.agreed_revision(person_id) if keys and person and person.nhs_number else None
    current = published(person_id)
    grounds = (grounds_for(by, person_id) if by else None) or Grounds.COMMAND_LINE
    if revision is None:
        if current is not None:
            enqueue(person_id=person_id, kind="crisis_withdrawal", document_id=current.document_id, payload={})
            record("crisis_view.unpublished", by=by, grounds=grounds, person_id=person_id)
        return
    assert person is not None
    if current is not None and (current.revision_number, current.sections) == (revision.number, keys):
        return
    settings = current_settings()
    document_id = f"{settings.ods_code}-{uuid.uuid4()}"
    pdf = crisis_view_pdf(person, revision, keys)
    pointer = document_reference(
        document_id=document_id,
        nhs_number=str(person.nhs_number),
        revision=revision,
        pdf=pdf,
        replaces=current.document_id if current else None,
    )
    enqueue(
        person_id=person_id,
        kind="crisis_pointer",
        document_id=document_id,
        revision_number=revision.number,
        payload={
            "resources": [pointer],
            "files": {f"{document_id}.pdf": base64.b64encode(pdf).decode()},
            "sections": sorted(keys),
            "replaces": current.document_id if current else None,
        },
    )
    record(
        "crisis_view.published",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=revision.plan_id,
        revision_id=revision.id,
        section=",".join(sorted(keys))[:64],
    )


def document_reference(
    *, document_id: str, nhs_number: str, revision: Any, pdf: bytes, replaces: str | None
) -> dict[str, Any]:
    """The NRL v3-shaped pointer to the crisis view's PDF (carried in the pointer, so that it arrives with it)."""
    settings = current_settings()
    organisation = {
        "identifier": {"system": codes.ODS_CODE, "value": settings.ods_code},
        "display": settings.organisation,
    }
    with force_locale("en"):
        title = str(_("Mental health crisis plan"))
        description = str(_("The parts of their safety plan the person chose for urgent care to see"))
    pointer: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": document_id,
        "meta": codes.profile("DocumentReference"),
        "masterIdentifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, document_id)}",
        },
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [codes.CRISIS_PLAN]},
        "category": [{"coding": [codes.CARE_PLAN_CATEGORY]}],
        "subject": {"identifier": {"system": codes.NHS_NUMBER, "value": nhs_number}},
        "date": instant(utcnow()),
        "author": [organisation],
        "custodian": organisation,
        "description": description,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "language": "en-GB",
                    "data": base64.b64encode(pdf).decode(),
                    "size": len(pdf),
                    "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode(),
                    "title": title,
                    "creation": instant(revision.created_at),
                },
                "format": {"system": NRL_FORMAT, "code": "urn:nhs-ic:unstructured", "display": "Unstructured document"},
            }
        ],
        "context": {"period": {"start": revision.created_at.date().isoformat()}},
    }
    if replaces:
        pointer["relatesTo"] = [{"code": "replaces", "target": {"identifier": {"value": replaces}}}]
    return pointer


def sample_pointer() -> dict[str, Any]:
    """A pointer with every field filled, for the shape ``safetyplan assurance check-schema`` checks."""
    revision = SimpleNamespace(created_at=datetime(2026, 1, 5, 10, 30, tzinfo=UTC))
    return document_reference(
        document_id="XDEV1-00000000-0000-4000-8000-000000000001",
        nhs_number="9990000018",
        revision=revision,
        pdf=b"%PDF-1.7 example",
        replaces="XDEV1-00000000-0000-4000-8000-000000000000",
    )
