"""Encrypted attributes on models: assign plaintext, read plaintext, store only ciphertext.

    class Person(EncryptedRecord, Base):
        __record_kind__ = "person"
        __encryption_owner__ = "id"          # the attribute holding the owner's id
        name_sealed: Mapped[bytes | None] = mapped_column("name", LargeBinary)
        name = encrypted("name_sealed")

    person.name = "Sam"       # kept in memory until the session flushes, then sealed into name_sealed
    person.name               # opened with the owner's data key on each read

The associated data (owner, kind, record id, field) comes from the model, so a service cannot forget it. Values
are sealed in the session's before_flush step, when the record's id and owner are known whatever order the
constructor's keywords came in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from sqlalchemy import Uuid, event
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import flag_dirty

from safetyplan.crypto.aead import RecordContext
from safetyplan.crypto.vault import vault
from safetyplan.db import session

T = TypeVar("T")
_PENDING = "_safetyplan_pending_plaintext"
_CONTEXTS = "_safetyplan_record_contexts"


class Codec(Protocol[T]):
    def encode(self, value: T) -> bytes: ...
    def decode(self, raw: bytes) -> T: ...


class TextCodec:
    def encode(self, value: str) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        return value.encode("utf-8")

    def decode(self, raw: bytes) -> str:
        return raw.decode("utf-8")


class JsonCodec:
    """Structured values (lists, mappings) as compact JSON."""

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw)


class DateCodec:
    def encode(self, value: date) -> bytes:
        return value.isoformat().encode()

    def decode(self, raw: bytes) -> date:
        return date.fromisoformat(raw.decode())


TEXT = TextCodec()
JSON = JsonCodec()
DATE = DateCodec()


class EncryptedRecord:
    """Mixin for a model with encrypted attributes: a UUID id made in Python, and the owner and kind to bind to."""

    __record_kind__: ClassVar[str]
    __encryption_owner__: ClassVar[str]
    #: Filled in as ``encrypted`` attributes are declared: model class -> its encrypted attributes.
    encrypted_attributes: ClassVar[dict[type, list[EncryptedAttribute[Any]]]] = {}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

    def encryption_owner_id(self) -> uuid.UUID:
        owner = getattr(self, self.__encryption_owner__)
        if owner is None:
            raise ValueError(f"{type(self).__name__} has no {self.__encryption_owner__} to encrypt for")
        return cast(uuid.UUID, owner)

    @classmethod
    def open_selected(cls, *, record_id: uuid.UUID, owner_id: uuid.UUID, **sealed: bytes | None) -> dict[str, Any]:
        """Values of this model's encrypted attributes selected as bare columns (attribute name = sealed bytes),
        opened without loading the record, bound to its id and owner as the attributes are: for long lists, where
        building hundreds of records costs more than opening their values. Returns attribute name -> value."""
        attributes = _attributes_by_name(cls)
        if not attributes.keys() >= sealed.keys():
            raise ValueError(
                f"not encrypted attributes of {cls.__name__}: {', '.join(sealed.keys() - attributes.keys())}"
            )
        opened = vault().open_fields(
            session, sealed, owner_id=owner_id, kind=cls.__record_kind__, record_id=str(record_id)
        )
        return {name: None if raw is None else attributes[name].codec.decode(raw) for name, raw in opened.items()}

    def record_context(self, field: str) -> RecordContext:
        """Where this record's ``field`` belongs; made once per loaded record and field (a list page opens many)."""
        owner, record_id = self.encryption_owner_id(), self.id
        contexts: dict[str, tuple[uuid.UUID, uuid.UUID, RecordContext]] = self.__dict__.setdefault(_CONTEXTS, {})
        made = contexts.get(field)
        if made is not None and made[0] == owner and made[1] == record_id:
            return made[2]
        context = RecordContext(owner, self.__record_kind__, str(record_id), field)
        contexts[field] = (owner, record_id, context)
        return context


_ATTRIBUTES_BY_NAME: dict[type[EncryptedRecord], dict[str, EncryptedAttribute[Any]]] = {}


def _attributes_by_name(model: type[EncryptedRecord]) -> dict[str, EncryptedAttribute[Any]]:
    found = _ATTRIBUTES_BY_NAME.get(model)
    if found is None:
        found = {attribute.name: attribute for attribute in EncryptedRecord.encrypted_attributes[model]}
        _ATTRIBUTES_BY_NAME[model] = found
    return found


class EncryptedAttribute(Generic[T]):
    """A descriptor that reads and writes plaintext while its mapped column holds the sealed bytes."""

    def __init__(self, column_attribute: str, codec: Codec[T]) -> None:
        self.column_attribute = column_attribute
        self.codec = codec
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        EncryptedRecord.encrypted_attributes.setdefault(owner, []).append(self)

    def __get__(self, record: EncryptedRecord | None, owner: type | None = None) -> Any:
        if record is None:
            return self
        pending = record.__dict__.get(_PENDING)
        if pending and self.name in pending:
            return pending[self.name]
        sealed = getattr(record, self.column_attribute)
        if sealed is None:
            return None
        return self.codec.decode(vault().open(session, sealed, record.record_context(self.name)))

    def __set__(self, record: EncryptedRecord, value: T | None) -> None:
        record.__dict__.setdefault(_PENDING, {})[self.name] = value
        # Mark the record changed so that the session flushes it (and so seals the value).
        state = getattr(record, "_sa_instance_state", None)
        if state is not None and state.persistent:
            flag_dirty(record)  # so that the session's before_flush sees it and seals the value

    def seal_into(self, session: Session, record: EncryptedRecord, value: T | None) -> None:
        if value is None:
            setattr(record, self.column_attribute, None)
            return
        sealed = vault().seal(session, self.codec.encode(value), record.record_context(self.name))
        setattr(record, self.column_attribute, sealed)


def encrypted(column_attribute: str, codec: Codec[Any] = TEXT) -> Any:
    """Declare an encrypted attribute stored, sealed, in the mapped attribute ``column_attribute``."""
    return EncryptedAttribute(column_attribute, codec)


def attributes_of(model: type) -> Iterator[EncryptedAttribute[Any]]:
    for cls in model.__mro__:
        yield from EncryptedRecord.encrypted_attributes.get(cls, [])


@event.listens_for(Session, "before_flush")
def _seal_pending_values(session: Session, _context: Any, _instances: Any) -> None:
    for record in [*session.new, *session.dirty]:
        pending = record.__dict__.get(_PENDING)
        if not pending:
            continue
        if record.id is None:
            record.id = uuid.uuid4()
        attributes = {attribute.name: attribute for attribute in attributes_of(type(record))}
        for name, value in pending.items():
            attributes[name].seal_into(session, record, value)
        del record.__dict__[_PENDING]


@event.listens_for(EncryptedRecord, "init", propagate=True)
def _give_new_records_an_id(record: EncryptedRecord, _args: Any, kwargs: dict[str, Any]) -> None:
    # The id is part of the associated data, so it is known from the moment the record exists.
    kwargs.setdefault("id", uuid.uuid4())
