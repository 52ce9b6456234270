"""Sending a plan to the GP practice or the team taking over, when a review is recorded at discharge or on transfer.

HSSIB found plans lost at exactly these moments. A clinician of a team that holds the person sends one revision, as
a PDF and as a FHIR document, through the same outbox as the crisis view (``deliveries``): the delivery is added
and audited in one transaction, and the sender sends it to ``SAFETYPLAN_SEND_URL`` (in production a gateway to GP
Connect Send Document over MESH) or to ``instance/outbox/sent/<ODS code>/``.

What goes is the FHIR document (``Bundle``) and a ``Communication`` addressed to the receiving organisation by its
ODS code, carrying the PDF and pointing to the document. Sending the same revision to the same organisation again
adds nothing (a double click, a second tab), so the receiver gets it once.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from flask import has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import record
from safetyplan.config import current_settings
from safetyplan.db import session, utcnow
from safetyplan.errors import DomainError, NotFound
from safetyplan.exchange import codes
from safetyplan.exchange.deliveries import ODS_CODE, enqueue
from safetyplan.exchange.document import gather
from safetyplan.exchange.fhir import bundle_of, instant
from safetyplan.exchange.messages import SENDING_MESSAGES
from safetyplan.exchange.models import Delivery
from safetyplan.exchange.pdf import sent_plan_pdf
from safetyplan.people.access import reach
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.sections import REASONS
from safetyplan.roles import Role

#: Who sends a plan: the clinicians of a team holding the person.
SEND_ROLES = frozenset({Role.CLINICIAN})
#: A review recorded for one of these reasons is followed by the offer to send the plan.
OFFERED_REASONS = frozenset({"discharge", "transfer"})
#: Who a plan goes to.
RECIPIENT_KINDS = {
    "gp": _l("Their GP practice"),
    "team": _l("The team or trust taking over their care"),
}
MAX_NAME = 120


class SendingError(DomainError):
    messages = SENDING_MESSAGES


@dataclass(frozen=True)
class Recipient:
    #: "gp" or "team" (``RECIPIENT_KINDS``).
    kind: str
    name: str
    ods_code: str

    @classmethod
    def checked(cls, *, kind: str, name: str, ods_code: str) -> Recipient:
        """The recipient as entered, tidied (an ODS code in capitals, without spaces), or SendingError naming the
        field that is wrong."""
        name, ods_code = " ".join(name.split()), "".join(ods_code.split()).upper()
        if kind not in RECIPIENT_KINDS:
            raise SendingError("no_kind", field="kind")
        if not name:
            raise SendingError("no_name", field="name")
        if len(name) > MAX_NAME:
            raise SendingError("name_too_long", field="name")
        if not ODS_CODE.fullmatch(ods_code):
            raise SendingError("ods_code", field="ods_code")
        return cls(kind, name, ods_code)


@dataclass(frozen=True)
class SentPlan:
    """A plan sent (or waiting to go): when, which revision, to whom, and whether it has gone."""

    created_at: datetime
    revision_number: int
    recipient: Recipient
    sent_at: datetime | None


@dataclass(frozen=True)
class SendPage:
    person: Person
    #: The newest revision, the one sent (None: no plan yet, so nothing to send).
    revision: PlanRevision | None
    sent: list[SentPlan]


@dataclass(frozen=True)
class Queued:
    sent: SentPlan
    #: True when this revision was already on its way to that organisation: nothing new was added.
    already: bool


def send_page(*, by: User, person_id: uuid.UUID) -> SendPage:
    """What the page to send the plan shows: the revision that would go, and every plan sent before. Audited."""
    grounds, person = reach(by, person_id, action="plan.send_opened", roles=SEND_ROLES)
    plan = unchecked_plans.plan_of(person_id)
    revision = unchecked_plans.revision_of(plan, plan.current_number) if plan else None
    record(
        "plan.send_opened",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=plan.id if plan else None,
        revision_id=revision.id if revision else None,
    )
    return SendPage(person, revision, sent_plans(person_id))


def sent_plans(person_id: uuid.UUID) -> list[SentPlan]:
    """Every plan sent for the person, newest first. Checks no access: for ``send_page`` and the person's own copy."""
    return [
        _row(delivery)
        for delivery in session.scalars(
            select(Delivery)
            .where(Delivery.person_id == person_id, Delivery.kind == "plan_sent")
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        )
    ]


def _row(delivery: Delivery) -> SentPlan:
    recipient = (delivery.payload or {}).get("recipient") or {}
    return SentPlan(
        delivery.created_at,
        delivery.revision_number or 0,
        Recipient(str(recipient.get("kind")), str(recipient.get("name")), str(recipient.get("ods_code"))),
        delivery.sent_at,
    )


def send_plan(
    *, by: User, person_id: uuid.UUID, number: int, recipient: Recipient, now: datetime | None = None
) -> Queued:
    """Put revision ``number`` of the person's plan in the outbox for ``recipient``, audited in the same
    transaction. NotFound when the person is out of reach or has no such revision; SendingError when the
    recipient is not one, the person has no NHS number, or a newer revision was saved (code "newer")."""
    recipient = Recipient.checked(kind=recipient.kind, name=recipient.name, ods_code=recipient.ods_code)
    grounds, person = reach(by, person_id, action="plan.sent", roles=SEND_ROLES)
    # Locked, so that two sends at once (a double click) queue one delivery, and no revision is saved meanwhile.
    plan = unchecked_plans.plan_of(person_id, lock=True)
    revision = unchecked_plans.revision_of(plan, number)
    document = gather(person_id, number) if revision is not None else None
    if plan is None or revision is None or document is None:
        record("plan.sent", by=by, grounds=grounds, outcome="failed", person_id=person_id)
        raise NotFound()
    if not person.nhs_number:
        raise SendingError("no_nhs_number")
    if number != plan.current_number:
        raise SendingError("newer")
    for earlier in sent_plans(person_id):
        if (earlier.revision_number, earlier.recipient.ods_code) == (number, recipient.ods_code):
            return Queued(earlier, already=True)
    moment = now or utcnow()
    document_id = f"{current_settings().ods_code}-{uuid.uuid4()}"
    bundle = bundle_of(document, generated_at=moment)
    Bundle.model_validate(bundle)
    # In English, as every receiving system reads it; and in Welsh too when the sender works in Welsh.
    sender_language = str(get_locale()) if has_request_context() else "en"
    pdfs: dict[str, bytes] = {}
    for language in dict.fromkeys(("en", sender_language)):
        with force_locale(language):
            pdfs[language] = sent_plan_pdf(person, revision)
    message = communication(
        document_id=document_id,
        bundle_id=str(bundle["id"]),
        person=person,
        revision=revision,
        recipient=recipient,
        pdfs=pdfs,
        at=moment,
    )
    Communication.model_validate(message)
    delivery = enqueue(
        person_id=person_id,
        kind="plan_sent",
        document_id=document_id,
        revision_number=number,
        payload={
            "resources": [bundle, message],
            "files": {
                f"{document_id}{'' if language == 'en' else '.' + language}.pdf": base64.b64encode(pdf).decode()
                for language, pdf in pdfs.items()
            },
            "recipient": asdict(recipient),
        },
    )
    record("plan.sent", by=by, grounds=grounds, person_id=person_id, plan_id=plan.id, revision_id=revision.id)
    return Queued(_row(delivery), already=False)


def communication(
    *,
    document_id: str,
    bundle_id: str,
    person: Person,
    revision: PlanRevision,
    recipient: Recipient,
    pdfs: dict[str, bytes],
    at: datetime,
) -> dict[str, Any]:
    """The FHIR ``Communication`` that addresses the plan to the receiving organisation: from this trust, about the
    person (by NHS number), carrying the PDF (in each language given) and pointing to the FHIR document."""
    settings = current_settings()
    with force_locale("en"):
        title = str(_("Safety plan"))
        reason = str(REASONS.get(revision.reason, revision.reason))
    return {
        "resourceType": "Communication",
        "id": document_id,
        "meta": codes.profile("Communication"),
        "status": "completed",
        "category": [{"text": title}],
        "subject": {"identifier": {"system": codes.NHS_NUMBER, "value": str(person.nhs_number)}},
        "topic": {"text": title},
        "sent": instant(at),
        "sender": {
            "identifier": {"system": codes.ODS_CODE, "value": settings.ods_code},
            "display": settings.organisation,
        },
        "recipient": [
            {"identifier": {"system": codes.ODS_CODE, "value": recipient.ods_code}, "display": recipient.name}
        ],
        "reasonCode": [{"coding": [{"system": codes.REASON_SYSTEM, "code": revision.reason, "display": reason}]}],
        "payload": [
            *(
                {
                    "contentAttachment": {
                        "contentType": "application/pdf",
                        "language": f"{language}-GB",
                        "data": base64.b64encode(pdf).decode(),
                        "size": len(pdf),
                        "title": title,
                        "creation": instant(revision.created_at),
                    }
                }
                for language, pdf in pdfs.items()
            ),
            {"contentReference": {"reference": f"Bundle/{bundle_id}"}},
        ],
    }


def sample_message() -> dict[str, Any]:
    """A message with every field filled, for the shape ``safetyplan assurance check-schema`` checks."""
    person = SimpleNamespace(nhs_number="9990000018", name="Sample Person")
    revision = SimpleNamespace(reason="discharge", created_at=datetime(2026, 1, 5, 10, 30, tzinfo=UTC))
    return communication(
        document_id="XDEV1-00000000-0000-4000-8000-000000000002",
        bundle_id="00000000-0000-4000-8000-000000000003",
        person=cast(Person, person),
        revision=cast(PlanRevision, revision),
        recipient=Recipient("gp", "Sample Surgery", "XGP01"),
        pdfs={"en": b"%PDF-1.7 example", "cy": b"%PDF-1.7 enghraifft"},
        at=datetime(2026, 1, 5, 11, 0, tzinfo=UTC),
    )
