"""What the stratification detector found in saved plan text: metadata only, never the text around it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime


class StratificationFinding(EncryptedRecord, Base):
    """Words in a saved revision that read as stratifying a person (a level, a colour, a score or a named tool).

    Kept for the auditors' assurance report: which revision and section, the detector's category, who wrote the
    words (their role), when, and the matched words themselves (a few words from the detector's lexicon, never
    the sentence around them, and sealed). The finding is about the text; nothing here describes the person."""

    __tablename__ = "stratification_findings"
    __record_kind__ = "stratification_finding"
    __encryption_owner__ = "person_id"

    revision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_revisions.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    section: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    author_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The matched words, sealed with the person's data key like the plan they came from (so that shredding the
    #: person's key leaves nothing readable here either).
    matched_sealed: Mapped[bytes | None] = mapped_column("matched", LargeBinary)

    matched = encrypted("matched_sealed")
