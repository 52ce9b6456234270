"""Deliveries: documents waiting to leave for another system (a crisis-view pointer for the National Record
Locator, its withdrawal, a plan sent on discharge or transfer), kept until they are sent.

What goes is sealed with the person's data key; plain columns hold only what sending needs: what kind, where
to, the stable id the receiver files it under, and how the attempts went (never anything personal in the error).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import JSON, EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime

#: Every kind of delivery: "crisis_pointer" (publish or supersede), "crisis_withdrawal", "plan_sent" (discharge or
#: transfer).
DELIVERY_KINDS = ("crisis_pointer", "crisis_withdrawal", "plan_sent")


class Delivery(EncryptedRecord, Base):
    __tablename__ = "deliveries"
    __record_kind__ = "delivery"
    __encryption_owner__ = "person_id"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    #: One of ``DELIVERY_KINDS``.
    kind: Mapped[str] = mapped_column(String(24))
    #: The id the receiver files the document under: sending it again replaces it, never adds a second.
    document_id: Mapped[str] = mapped_column(String(80), index=True)
    revision_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: "waiting" (to send, from next_attempt_at), "sending" (claimed at claimed_at), "sent".
    status: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last attempt failed, as the transport said it (a status code or a connection error), no data.
    last_error: Mapped[str | None] = mapped_column(String(200))
    payload_sealed: Mapped[bytes | None] = mapped_column("payload", LargeBinary)

    #: {"resources": [FHIR resources to put], "files": {name: base64}, "remove": [ids]}
    payload = encrypted("payload_sealed", JSON)

    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'sending', 'sent')", name="status"),
        CheckConstraint(f"kind IN {DELIVERY_KINDS!r}", name="kind"),
    )
