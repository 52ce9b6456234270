"""Plans, their revisions (append-only, sealed with the person's data key), drafts, suggestions, the person's own
disagreements, crisis contacts.

Plain columns hold only what scheduling and the quality measures need (numbers, dates, who took part, whether
the person agrees); every word anyone wrote is sealed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import JSON, TEXT, EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime


class Plan(Base):
    """A person's safety plan: the newest revision's number, and when it is next to be reviewed."""

    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The newest revision's number (0 before the first). Saves name the number they started from, and the
    #: update that moves it on names it too, so that two saves from one base never both succeed.
    current_number: Mapped[int] = mapped_column(Integer, default=0)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The newest revision records a plan that was offered and declined.
    declined: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanRevision(EncryptedRecord, Base):
    """One saved version of a plan. Never changed once written: every save, restore or accepted suggestion adds
    a new one."""

    __tablename__ = "plan_revisions"
    __record_kind__ = "plan_revision"
    __encryption_owner__ = "person_id"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    sections_version: Mapped[int] = mapped_column(Integer)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    person_took_part: Mapped[bool] = mapped_column(Boolean, default=False)
    carer_took_part: Mapped[bool] = mapped_column(Boolean, default=False)
    advocate_took_part: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether the person agrees with this revision (None: not asked, for example when the plan was declined).
    person_agrees: Mapped[bool | None] = mapped_column(Boolean)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    content_sealed: Mapped[bytes | None] = mapped_column("content", LargeBinary)
    participants_sealed: Mapped[bytes | None] = mapped_column("participants", LargeBinary)
    disagreement_sealed: Mapped[bytes | None] = mapped_column("disagreement", LargeBinary)
    origin_sealed: Mapped[bytes | None] = mapped_column("origin", LargeBinary)

    #: {section key: section content}; see safetyplan/plans/content.py.
    content = encrypted("content_sealed", JSON)
    #: {"carers": "names as typed", "advocate": "name as typed", "clinicians": "names"}
    participants = encrypted("participants_sealed", JSON)
    #: The person's own words on why they do not agree.
    disagreement = encrypted("disagreement_sealed", TEXT)
    #: For a plan received on transfer, where it came from and its record there, as text: {"organisation",
    #: "document", "history": [{"number", "recorded", "author", "role", "reason", "took_part", "person_agrees",
    #: "disagreement", "organisation"}]} (see safetyplan/exchange/reading.py). None for a plan written here.
    origin = encrypted("origin_sealed", JSON)

    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_id_number"),)


class PlanDraft(EncryptedRecord, Base):
    """What one user has typed into a person's plan and not yet saved, kept as they type."""

    __tablename__ = "plan_drafts"
    __record_kind__ = "plan_draft"
    __encryption_owner__ = "person_id"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    base_number: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fields_sealed: Mapped[bytes | None] = mapped_column("fields", LargeBinary)

    #: The form's fields as typed: {field name: value}.
    fields = encrypted("fields_sealed", JSON)

    __table_args__ = (UniqueConstraint("person_id", "user_id", name="uq_plan_drafts_person_id_user_id"),)


class Suggestion(EncryptedRecord, Base):
    """A change the person (or later a carer) suggests in their own words, waiting for the clinician."""

    __tablename__ = "plan_suggestions"
    __record_kind__ = "plan_suggestion"
    __encryption_owner__ = "person_id"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    section_key: Mapped[str] = mapped_column(String(32))
    base_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_number: Mapped[int | None] = mapped_column(Integer)
    text_sealed: Mapped[bytes | None] = mapped_column("text", LargeBinary)
    answer_sealed: Mapped[bytes | None] = mapped_column("answer", LargeBinary)

    text = encrypted("text_sealed", TEXT)
    #: Why it was not taken up, in the clinician's words, which the person sees.
    answer = encrypted("answer_sealed", TEXT)

    __table_args__ = (CheckConstraint("status IN ('waiting', 'accepted', 'declined')", name="status"),)


class PlanDisagreement(EncryptedRecord, Base):
    """The person, in their own account, saying in their own words that they disagree with their plan or a part of
    it. Kept for good: taking it back records when, and the words stay in the history."""

    __tablename__ = "plan_disagreements"
    __record_kind__ = "plan_disagreement"
    __encryption_owner__ = "person_id"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: The revision they read when they said it.
    revision_number: Mapped[int] = mapped_column(Integer)
    #: The part they disagree with; None for the whole plan.
    section_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    words_sealed: Mapped[bytes | None] = mapped_column("words", LargeBinary)

    words = encrypted("words_sealed", TEXT)


class CrisisContact(Base):
    """A service everyone's plan lists (Samaritans, NHS 111, Shout, 999), in English and Welsh; admins edit them.

    Not personal data, so plain."""

    __tablename__ = "crisis_contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    position: Mapped[int] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(80))
    name_cy: Mapped[str] = mapped_column(String(80))
    number: Mapped[str] = mapped_column(String(32))
    #: "call" for a phone number, "text" for a text-message service (a one-tap sms: link).
    channel: Mapped[str] = mapped_column(String(8), default="call")
    detail_en: Mapped[str] = mapped_column(String(160), default="")
    detail_cy: Mapped[str] = mapped_column(String(160), default="")

    __table_args__ = (CheckConstraint("channel IN ('call', 'text')", name="channel"),)

    def name(self, language: str) -> str:
        return self.name_cy if language == "cy" else self.name_en

    def detail(self, language: str) -> str:
        return self.detail_cy if language == "cy" else self.detail_en


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
