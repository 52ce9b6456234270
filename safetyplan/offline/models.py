"""A device that keeps an offline copy of a plan: whose account, whose plan, when it was added and forgotten.

Nothing here counts or times how often the copy is opened or refreshed (not opening a plan is not a signal): a
device is added, and perhaps forgotten, and that is all that is kept. Its name is sealed with the person's key.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import TEXT, EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime


class OfflineDevice(EncryptedRecord, Base):
    __tablename__ = "offline_devices"
    __record_kind__ = "offline_device"
    __encryption_owner__ = "person_id"

    #: The account the copy is for: the person themself, or a carer they share with.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: Whose plan it holds.
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When its owner forgot it (its next contact wipes the copy); None while it keeps one.
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name_sealed: Mapped[bytes] = mapped_column("name", LargeBinary)

    #: What its owner called it ("My phone").
    name = encrypted("name_sealed", TEXT)
