"""People on caseloads: identifiers sealed with each person's own data key, and which teams hold them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from safetyplan.crypto import DATE, EncryptedRecord, encrypted
from safetyplan.db import Base, UTCDateTime


class Person(EncryptedRecord, Base):
    """A person whose safety plan is kept here. Every identifier is sealed; the NHS number is found by its
    blind index."""

    __tablename__ = "people"
    __record_kind__ = "person"
    __encryption_owner__ = "id"

    name_sealed: Mapped[bytes | None] = mapped_column("name", LargeBinary)
    preferred_name_sealed: Mapped[bytes | None] = mapped_column("preferred_name", LargeBinary)
    pronouns_sealed: Mapped[bytes | None] = mapped_column("pronouns", LargeBinary)
    date_of_birth_sealed: Mapped[bytes | None] = mapped_column("date_of_birth", LargeBinary)
    nhs_number_sealed: Mapped[bytes | None] = mapped_column("nhs_number", LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column("phone", LargeBinary)
    address_sealed: Mapped[bytes | None] = mapped_column("address", LargeBinary)
    nhs_number_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    name = encrypted("name_sealed")
    preferred_name = encrypted("preferred_name_sealed")
    pronouns = encrypted("pronouns_sealed")
    date_of_birth = encrypted("date_of_birth_sealed", DATE)
    nhs_number = encrypted("nhs_number_sealed")
    phone = encrypted("phone_sealed")
    address = encrypted("address_sealed")

    @property
    def known_as(self) -> str:
        """The name to use with the person: their preferred name if they gave one."""
        return str(self.preferred_name or self.name or "")


class CaseloadEntry(Base):
    """A person on a team's caseload: the legitimate relationship through which the team's clinicians reach them."""

    __tablename__ = "caseload_entries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "person_id", name="uq_caseload_entries_team_id_person_id"),)
