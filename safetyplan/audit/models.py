"""Audit events, chained by a keyed hash, and the one-row head of the chain that appends take turns on."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.db import Base, UTCDateTime
from safetyplan.roles import Role

OUTCOMES = ("allowed", "denied", "failed")
ACTOR_ROLES = tuple(Role)

#: Every field of an event that its hash covers, in a fixed list (not read from the table) so that adding a
#: column later cannot silently change the hashes of the events already stored.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_role",
    "grounds",
    "action",
    "outcome",
    "person_id",
    "plan_id",
    "revision_id",
    "section",
    "team_id",
    "subject_user_id",
    "request_id",
)

HASH_BYTES = 32
#: The previous hash of the first event, and the head of an empty chain.
GENESIS_HASH = bytes(HASH_BYTES)

# SQLite makes an INTEGER primary key the row id itself (no separate index); PostgreSQL needs 64 bits to last.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """Who did what to which record, when, on what grounds and with what outcome. Never any content.

    Written only through ``safetyplan.audit.record``; ``seq`` counts from 1 without gaps and ``hash`` is the
    HMAC of ``prev_hash`` and every field, so that an edited, removed or reordered event breaks the chain.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    grounds: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    revision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    section: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    subject_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    request_id: Mapped[str | None] = mapped_column(String(32))
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint("outcome IN ('allowed', 'denied', 'failed')", name="outcome"),
        # With seq in the index, "newest events of this person (or actor)" is read straight off the index.
        Index("ix_audit_events_person_id_seq", "person_id", "seq"),
        Index("ix_audit_events_actor_id_seq", "actor_id", "seq"),
    )


class AuditChainHead(Base):
    """The last event of the chain. Appending locks this one row, so that appends take turns."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


#: The id of the head's only row.
HEAD_ID = 1
