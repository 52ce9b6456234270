"""The vault: finds (or makes) an owner's data key, unwraps it through the key provider, and seals and opens.

Unwrapped data keys are kept in this process's memory for a few minutes, so that a busy page costs one AES
operation per value rather than a key unwrap; they are never written anywhere. Which key is *active* for an
owner is always read from the database within the transaction, so that a key rotated by another process is
never used to seal new data.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import cast

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from safetyplan.crypto.aead import DataKeyCipher, DecryptionError, RecordContext, associated_tail, data_key_id_of
from safetyplan.crypto.keyring import KeyProvider, KeyringError
from safetyplan.crypto.models import DataKey
from safetyplan.db import utcnow

CACHE_SECONDS = 300
CACHE_SIZE = 4096
_SESSION_CACHE = "safetyplan.active_ciphers"


class Vault:
    """Seals and opens values for their owners; one per app."""

    def __init__(self, provider: KeyProvider, cache_seconds: float = CACHE_SECONDS, cache_size: int = CACHE_SIZE):
        self.provider = provider
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        # Keyed by the data key id's 16 bytes, as they appear in each sealed value's header.
        self._ciphers: OrderedDict[bytes, tuple[DataKeyCipher, float]] = OrderedDict()
        self._lock = threading.Lock()

    # Sealing and opening -------------------------------------------------------------------------------------

    def seal(self, session: Session, plaintext: bytes, context: RecordContext) -> bytes:
        """Encrypt ``plaintext`` under the owner's active data key (made on first use), bound to ``context``."""
        known = session.info.get(_SESSION_CACHE)
        cipher = known.get(context._owner) if known else None
        return (cipher or self.active_cipher(session, context.owner_id)).seal(plaintext, context)

    def open(self, session: Session, sealed: bytes, context: RecordContext) -> bytes:
        """Decrypt a sealed value for ``context``; raises DecryptionError and returns nothing on any failure."""
        # The fast path reads the key id straight from the header; the cipher then checks the whole header.
        cipher = self._recall(sealed[1:17])
        if cipher is not None:
            return cipher.open(sealed, context)
        return self.cipher_for_key(session, data_key_id_of(sealed, context), context).open(sealed, context)

    def open_fields(
        self, session: Session, sealed: Mapping[str, bytes | None], *, owner_id: uuid.UUID, kind: str, record_id: str
    ) -> dict[str, bytes | None]:
        """Open several values of one record (field name -> sealed value; None stays None): as open() for each,
        with the owner and record looked at once. A list page opens hundreds of records' values, and building a
        RecordContext for each value cost more than the AES. Any value the fast path cannot open goes through
        open(), which opens it (a key not cached yet) or raises the DecryptionError that says why."""
        owner = owner_id.int
        opened: dict[str, bytes | None] = {}
        for field_name, value in sealed.items():
            if value is None:
                opened[field_name] = None
                continue
            cipher = self._recall(value[1:17])
            plaintext = (
                cipher.open_bound(value, owner, associated_tail(kind, record_id, field_name)) if cipher else None
            )
            if plaintext is None:
                plaintext = self.open(session, value, RecordContext(owner_id, kind, record_id, field_name))
            opened[field_name] = plaintext
        return opened

    # Data keys -----------------------------------------------------------------------------------------------

    def active_cipher(self, session: Session, owner_id: uuid.UUID) -> DataKeyCipher:
        """The cipher of the owner's active data key, made if the owner has none yet."""
        # Keyed by the owner id's int: hashing a UUID costs more than the AES on a short value.
        per_transaction: dict[int, DataKeyCipher] = session.info.setdefault(_SESSION_CACHE, {})
        cipher = per_transaction.get(owner_id.int)
        if cipher is not None:
            return cipher
        # FOR SHARE (on PostgreSQL) holds off a concurrent rotation of this key until this transaction ends.
        data_key = session.scalars(
            select(DataKey).where(DataKey.owner_id == owner_id, DataKey.state == "active").with_for_update(read=True)
        ).one_or_none()
        if data_key is None:
            data_key, cipher = self.create_data_key(session, owner_id)
        else:
            cipher = self._cipher_of(data_key)
        per_transaction[owner_id.int] = cipher
        return cipher

    def create_data_key(self, session: Session, owner_id: uuid.UUID) -> tuple[DataKey, DataKeyCipher]:
        """A new random data key for ``owner_id``, wrapped by the primary KEK and added to the session."""
        raw = AESGCM.generate_key(bit_length=256)
        data_key = DataKey(id=uuid.uuid4(), owner_id=owner_id, state="active", created_at=utcnow())
        data_key.kek_id = self.provider.primary_kek_id()
        data_key.wrapped_key = self.provider.wrap(data_key.kek_id, raw, data_key.wrap_context())
        session.add(data_key)
        cipher = DataKeyCipher(data_key.id, owner_id, raw)
        self._remember(cipher)
        # Until the session flushes, a query would not find this key: remember it as the owner's active one.
        session.info.setdefault(_SESSION_CACHE, {})[owner_id.int] = cipher
        return data_key, cipher

    def forget_active_keys(self, session: Session) -> None:
        """Make the session read each owner's active key afresh (after a key was rotated or destroyed)."""
        session.info.pop(_SESSION_CACHE, None)

    def cipher_for_key(self, session: Session, data_key_id: bytes, context: RecordContext) -> DataKeyCipher:
        cipher = self._recall(data_key_id)
        if cipher is None:
            data_key = session.get(DataKey, uuid.UUID(bytes=data_key_id))
            if data_key is None or data_key.owner_id != context.owner_id:
                raise DecryptionError(f"cannot decrypt {context.describe()}: its data key is not this owner's")
            if data_key.wrapped_key is None:
                raise DecryptionError(f"cannot decrypt {context.describe()}: its data key was destroyed")
            cipher = self._cipher_of(data_key)
        return cipher

    def _cipher_of(self, data_key: DataKey) -> DataKeyCipher:
        cipher = self._recall(data_key.id.bytes)
        if cipher is not None:
            return cipher
        if data_key.wrapped_key is None:
            raise DecryptionError(f"data key {data_key.id} was destroyed")
        try:
            raw = self.provider.unwrap(data_key.kek_id, data_key.wrapped_key, data_key.wrap_context())
        except KeyringError as error:
            raise DecryptionError(f"data key {data_key.id} could not be unwrapped: {error}") from None
        cipher = DataKeyCipher(data_key.id, data_key.owner_id, raw)
        self._remember(cipher)
        return cipher

    def forget(self, data_key_id: uuid.UUID) -> None:
        """Drop an unwrapped key from memory (after it is destroyed or replaced)."""
        with self._lock:
            self._ciphers.pop(data_key_id.bytes, None)

    def forget_all(self) -> None:
        """Drop every unwrapped key from memory."""
        with self._lock:
            self._ciphers.clear()

    def _recall(self, data_key_id: bytes) -> DataKeyCipher | None:
        # A plain read, no lock: this is on the path of every value opened, and a dict read is atomic.
        entry = self._ciphers.get(data_key_id)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def _remember(self, cipher: DataKeyCipher) -> None:
        key = cipher.data_key_id.bytes
        with self._lock:
            self._ciphers.pop(key, None)  # re-insert at the end: the oldest entries are dropped first
            self._ciphers[key] = (cipher, time.monotonic() + self._cache_seconds)
            while len(self._ciphers) > self._cache_size:
                self._ciphers.popitem(last=False)

    # Blind index ---------------------------------------------------------------------------------------------

    def blind_index(self, purpose: str, normalised: str) -> bytes:
        """HMAC-SHA256 of a normalised identifier, for exact look-up without storing it. Never for free text."""
        message = purpose.encode() + b"\x00" + normalised.encode()
        return hmac.new(self.provider.secret("blind_index"), message, hashlib.sha256).digest()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_active_ciphers(session: Session) -> None:
    # Which key is active is re-read in each transaction; the unwrapped keys themselves stay in the Vault cache.
    session.info.pop(_SESSION_CACHE, None)


def vault() -> Vault:
    """The current app's vault."""
    return cast(Vault, current_app.extensions["safetyplan.vault"])
