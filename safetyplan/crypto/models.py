"""Data keys: one random AES-256 key per owner of personal data, stored only wrapped by a KEK."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.db import Base, UTCDateTime

DataKeyState = Literal["active", "retired", "destroyed"]


class DataKey(Base):
    """An owner's data key, wrapped by the KEK named in ``kek_id``.

    An owner has one active key. Rotating it (after a suspected exposure) re-encrypts the owner's records under a
    new key and destroys the old one; destroying every key of an owner (crypto-shredding, at the end of the
    retention period) leaves their records unreadable for good.
    """

    __tablename__ = "data_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kek_id: Mapped[str] = mapped_column(String(64), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("state IN ('active', 'retired', 'destroyed')", name="state"),
        CheckConstraint("(state = 'destroyed') = (wrapped_key IS NULL)", name="destroyed_has_no_key"),
        Index(
            "uq_data_keys_one_active_per_owner",
            "owner_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    def wrap_context(self) -> bytes:
        return wrap_context(self.id, self.owner_id)


def wrap_context(data_key_id: uuid.UUID, owner_id: uuid.UUID) -> bytes:
    """What a wrapped key is bound to: the key's row and its owner, so it cannot be moved to another row."""
    return b"safetyplan:data-key:v1:" + owner_id.bytes + data_key_id.bytes
