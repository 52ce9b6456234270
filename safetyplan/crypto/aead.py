"""The sealed-record format: AES-256-GCM under an owner's data key, bound by associated data to its place.

    sealed = version (1 byte) || data key id (16 bytes) || nonce (12 bytes) || ciphertext || GCM tag (16 bytes)

The associated data is the header plus the owner, the record kind, the record id and the field. A ciphertext
copied to another field, record, kind or person therefore fails to decrypt, as does one with any byte changed.
The version byte lets a later format (or algorithm) sit beside this one.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = 1
HEADER = struct.Struct(">B16s")
NONCE_BYTES = 12
TAG_BYTES = 16
MINIMUM_LENGTH = HEADER.size + NONCE_BYTES + TAG_BYTES
_BODY = HEADER.size + NONCE_BYTES  # where the ciphertext starts (plain constants: this runs for every value)
_HEADER_SIZE = HEADER.size


class DecryptionError(Exception):
    """A sealed value could not be opened: it was changed, moved, or its key is missing. Nothing is returned."""


@dataclass(frozen=True)
class RecordContext:
    """Where a sealed value belongs. Everything here is bound into the ciphertext as associated data."""

    owner_id: uuid.UUID
    kind: str
    record_id: str
    field: str
    # dataclasses.field spelled out: the attribute named "field" above shadows the bare name in this class body.
    _tail: bytes = dataclasses.field(init=False, repr=False, compare=False)
    _owner: int = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tail", associated_tail(self.kind, self.record_id, self.field))
        object.__setattr__(self, "_owner", self.owner_id.int)

    def describe(self) -> str:
        """For error messages and logs: ids and names only, never content."""
        return f"{self.kind} {self.record_id} field {self.field!r}"


def associated_tail(kind: str, record_id: str, field: str) -> bytes:
    """kind NUL record id NUL field: the part of the associated data that says where a value belongs.

    NUL separates the parts, so no part may contain one (they are identifiers, never user text)."""
    if not (kind and record_id and field) or "\0" in kind or "\0" in record_id or "\0" in field:
        raise ValueError("record kind, id and field must be non-empty and contain no NUL character")
    return f"{kind}\0{record_id}\0{field}".encode()


def data_key_id_of(sealed: bytes, context: RecordContext) -> bytes:
    """The 16-byte id of the data key that sealed ``sealed``; raises DecryptionError for an unknown format."""
    if len(sealed) < MINIMUM_LENGTH:
        raise DecryptionError(f"cannot decrypt {context.describe()}: the value is too short to be sealed")
    if sealed[0] != FORMAT_V1:
        raise DecryptionError(f"cannot decrypt {context.describe()}: unknown format version {sealed[0]}")
    return sealed[1 : HEADER.size]


class DataKeyCipher:
    """AES-256-GCM under one owner's data key. Made by the Vault; holds the unwrapped key in memory only.

    The associated data is header || owner id (16 bytes) || kind NUL record id NUL field.
    """

    __slots__ = ("_aad_prefix", "_aead", "_header", "_owner", "data_key_id", "owner_id")

    def __init__(self, data_key_id: uuid.UUID, owner_id: uuid.UUID, data_key: bytes) -> None:
        self.data_key_id = data_key_id
        self.owner_id = owner_id
        self._aead = AESGCM(data_key)
        self._header = HEADER.pack(FORMAT_V1, data_key_id.bytes)
        self._aad_prefix = self._header + owner_id.bytes
        self._owner = owner_id.int  # compared on every call: an int compares faster than a UUID

    def seal(self, plaintext: bytes, context: RecordContext) -> bytes:
        if context._owner != self._owner:
            raise ValueError("a value is sealed only with its own owner's data key")
        nonce = os.urandom(NONCE_BYTES)
        return self._header + nonce + self._aead.encrypt(nonce, plaintext, self._aad_prefix + context._tail)

    def open_bound(self, sealed: bytes, owner: int, tail: bytes) -> bytes | None:
        """open() for a caller that made the associated data's tail itself (``associated_tail``) and holds the
        owner id as an int: the plaintext, or None on any mismatch or failure, for the caller to open the value
        again through open(), which raises the error that explains it. For lists of hundreds of values."""
        if owner != self._owner or sealed[:_HEADER_SIZE] != self._header:
            return None
        try:
            return self._aead.decrypt(sealed[_HEADER_SIZE:_BODY], sealed[_BODY:], self._aad_prefix + tail)
        except InvalidTag:
            return None

    def open(self, sealed: bytes, context: RecordContext) -> bytes:
        plaintext = self.open_bound(sealed, context._owner, context._tail)
        if plaintext is not None:
            return plaintext
        # Say why it failed.
        if sealed[:_HEADER_SIZE] != self._header or context._owner != self._owner:
            data_key_id_of(sealed, context)  # names a bad format or a short value, if that is what it is
            raise DecryptionError(f"cannot decrypt {context.describe()}: it was sealed for another key or owner")
        raise DecryptionError(f"cannot decrypt {context.describe()}: it was changed, or belongs to another record")
