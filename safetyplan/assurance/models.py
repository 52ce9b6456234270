"""What the stratification detector found in saved plan text: metadata only, never the text around it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.db import Base, UTCDateTime


class StratificationFinding(Base):
    """Words in a saved revision that read as stratifying a person (a level, a colour, a score or a named tool).

    Kept for the auditors' assurance report: which revision and section, the detector's category, who wrote the
    words (their role), when, and the matched words themselves (a few words from the detector's lexicon, never
    the sentence around them). The finding is about the text; nothing here describes the person."""

    __tablename__ = "stratification_findings"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    revision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_revisions.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    section: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    author_role: Mapped[str] = mapped_column(String(16))
    matched: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
