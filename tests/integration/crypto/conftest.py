"""A small model that stores everything through the crypto API, as the domains do: a diary entry of a person."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import LargeBinary, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safetyplan.crypto import JSON, EncryptedRecord, encrypted
from safetyplan.db import database


class DiaryBase(DeclarativeBase):
    """Kept off the app's metadata, so the migrations check does not expect this table."""


class DiaryEntry(EncryptedRecord, DiaryBase):
    __tablename__ = "test_diary_entries"
    __record_kind__ = "diary_entry"
    __encryption_owner__ = "person_id"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    body_sealed: Mapped[bytes | None] = mapped_column("body", LargeBinary)
    tags_sealed: Mapped[bytes | None] = mapped_column("tags", LargeBinary)

    body = encrypted("body_sealed")
    tags = encrypted("tags_sealed", JSON)


@pytest.fixture
def diary(app: Flask) -> Iterator[type[DiaryEntry]]:
    with app.app_context():
        DiaryBase.metadata.create_all(database().engine)
    yield DiaryEntry
    with app.app_context():
        DiaryBase.metadata.drop_all(database().engine)
