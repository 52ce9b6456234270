"""The people a person wants involved, what each carer may see, invitations, and conversations about involvement.

Names, relationships, contact details and what was agreed are sealed with the person's data key. Plain columns
hold only what access checks and the quality measures need: links, dates, and which sections are shared.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import TEXT, EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime

#: How someone is involved: family, a friend, a carer, or an independent advocate. Not a judgement of anyone.
KINDS = ("family", "friend", "carer", "advocate")


class InvolvedPerson(EncryptedRecord, Base):
    """Someone the person wants involved in their care. Once they accept an invitation and the link is confirmed,
    their carer account (``user_id``) sees the sections the person chooses."""

    __tablename__ = "involved_people"
    __record_kind__ = "involved_person"
    __encryption_owner__ = "person_id"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: Set when the person no longer wants them involved: every link and share ends with it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The carer account that accepted an invitation for this person.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The person (or a clinician, where the person cannot) confirmed that the account is who they meant.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    name_sealed: Mapped[bytes | None] = mapped_column("name", LargeBinary)
    relationship_sealed: Mapped[bytes | None] = mapped_column("relationship", LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column("phone", LargeBinary)
    email_sealed: Mapped[bytes | None] = mapped_column("email", LargeBinary)

    name = encrypted("name_sealed")
    relationship = encrypted("relationship_sealed")
    phone = encrypted("phone_sealed")
    email = encrypted("email_sealed")

    #: One account may be linked again after its earlier involvement was ended (the ended row stays, for the
    #: record), so (person, account) is not unique here: the service refuses a second *active* link.
    __table_args__ = (CheckConstraint("kind IN ('family', 'friend', 'carer', 'advocate')", name="kind"),)

    @property
    def active(self) -> bool:
        """Linked to an account and confirmed, and still involved: the only state in which anything is shown."""
        return self.removed_at is None and self.user_id is not None and self.confirmed_at is not None


class SharingChoice(Base):
    """One decision about what an involved person sees. Never changed: a change of mind adds a newer one, so the
    history of consent is kept. The newest decision is the one that counts."""

    __tablename__ = "sharing_choices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    involved_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("involved_people.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    #: The section keys shared, space-separated ("" shares nothing).
    sections: Mapped[str] = mapped_column(String(400), default="")
    #: When the person made the decision (a clinician may record it later).
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_role: Mapped[str | None] = mapped_column(String(16))

    @property
    def section_keys(self) -> frozenset[str]:
        return frozenset(self.sections.split())


class CrisisViewChoice(Base):
    """One decision about the crisis view: which plan sections urgent care (an ambulance crew, NHS 111, A&E) may
    see, through the National Record Locator. Kept like carer sharing: never changed, the newest counts, "" shares
    nothing. The first is recorded by a clinician, after talking it through with the person."""

    __tablename__ = "crisis_view_choices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    sections: Mapped[str] = mapped_column(String(400), default="")
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_role: Mapped[str | None] = mapped_column(String(16))

    @property
    def section_keys(self) -> frozenset[str]:
        return frozenset(self.sections.split())


class CarerInvitation(Base):
    """A single-use, expiring link for an involved person to make (or use) a carer account. Only a hash of its
    token is kept; the token itself travels in the link's fragment, which never reaches a server log."""

    __tablename__ = "carer_invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    involved_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("involved_people.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Used, or replaced by a newer invitation, or the person stopped involving them: it no longer works.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class InvolvementConversation(EncryptedRecord, Base):
    """A conversation with the person about who they want involved and the limits of confidentiality."""

    __tablename__ = "involvement_conversations"
    __record_kind__ = "involvement_conversation"
    __encryption_owner__ = "person_id"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: The agreement is written in the person's own words.
    own_words: Mapped[bool] = mapped_column(Boolean, default=False)
    agreed_sealed: Mapped[bytes | None] = mapped_column("agreed", LargeBinary)

    agreed = encrypted("agreed_sealed", TEXT)
