"""The keyring: key-encryption keys (KEKs) that wrap each owner's data key, and the service's HMAC keys.

``KeyProvider`` is the seam where a KMS or Vault plugs in (docs/adr/0002-encryption-at-rest.md): the rest of the
app only asks a provider to wrap and unwrap data keys and for the named HMAC secrets, never for a KEK itself.
``FileKeyring`` keeps the keys in one JSON file (mode 0600), which suits one organisation's deployment with the
file mounted from a secret store. A retired KEK moves to a second file beside it, the archive (same format, same
protection), and is never destroyed: backups taken before a rotation still hold data keys wrapped by it, and
records are kept for 20 years. The live keyring never wraps with an archived KEK; it unwraps with one only for a
data key that names it (a restored backup from before the rotation).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safetyplan.config import ConfigError

SecretName = Literal["blind_index", "audit_chain", "pseudonym"]
SECRET_NAMES: tuple[SecretName, ...] = ("blind_index", "audit_chain", "pseudonym")

KEYRING_FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(Exception):
    """The keyring cannot do what was asked: a missing key, a key still in use, a file that is not safe."""


class UnknownKeyError(KeyringError):
    """A wrapped data key names a KEK that this keyring does not hold (retired, or from another keyring)."""


class KeyProvider(Protocol):
    """What the app needs from wherever its keys are kept."""

    def primary_kek_id(self) -> str:
        """The KEK that wraps new data keys."""
        ...

    def kek_ids(self) -> list[str]:
        """Every KEK that can still unwrap, the primary among them."""
        ...

    def wrap(self, kek_id: str, data_key: bytes, context: bytes) -> bytes:
        """Encrypt ``data_key`` under the KEK, bound to ``context`` (who the key belongs to)."""
        ...

    def unwrap(self, kek_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt a wrapped data key; raises KeyringError when the KEK is unknown or the context differs."""
        ...

    def secret(self, name: SecretName) -> bytes:
        """A named HMAC key: the NHS number blind index, the audit chain, the auditors' pseudonyms."""
        ...

    def add_primary_kek(self) -> str:
        """Make a new KEK and make it the primary; returns its id."""
        ...

    def archive_kek(self, kek_id: str) -> None:
        """Move a KEK that no live data key uses any more (the caller checks that) to the archive."""
        ...

    def archived_kek_ids(self) -> dict[str, str]:
        """Each archived KEK, with when it was retired (ISO 8601)."""
        ...

    def destroy_archived_kek(self, kek_id: str) -> None:
        """Remove an archived KEK for good (the caller checks that nothing needs it)."""
        ...


@dataclass(frozen=True)
class KeyringContents:
    primary: str
    keks: Mapping[str, bytes]
    secrets: Mapping[str, bytes]


def new_kek_id() -> str:
    """A KEK id that sorts by creation date and says nothing about the key."""
    return f"kek-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def _encode(contents: KeyringContents) -> str:

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return json.dumps(
        {
            "format": KEYRING_FORMAT,
            "primary": contents.primary,
            "keks": {kek_id: b64(key) for kek_id, key in contents.keks.items()},
            "secrets": {name: b64(key) for name, key in contents.secrets.items()},
        },
        indent=2,
    )


def _decode(text: str, path: Path) -> KeyringContents:
    try:
        data = json.loads(text)
        if data.get("format") != KEYRING_FORMAT:
            raise KeyringError(f"the keyring at {path} has format {data.get('format')!r}; expected {KEYRING_FORMAT}")
        keks = {kek_id: base64.b64decode(key, validate=True) for kek_id, key in data["keks"].items()}
        named = {name: base64.b64decode(key, validate=True) for name, key in data["secrets"].items()}
        contents = KeyringContents(primary=data["primary"], keks=keks, secrets=named)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise KeyringError(f"the keyring at {path} cannot be read ({type(error).__name__})") from None
    if contents.primary not in contents.keks:
        raise KeyringError(f"the keyring at {path} names a primary KEK it does not hold")
    if any(len(key) != KEY_BYTES for key in [*keks.values(), *named.values()]):
        raise KeyringError(f"the keyring at {path} holds a key that is not {KEY_BYTES} bytes")
    if set(named) != set(SECRET_NAMES):
        raise KeyringError(f"the keyring at {path} must hold the secrets {', '.join(SECRET_NAMES)}")
    return contents


def write_private(path: Path, text: str, *, exclusive: bool) -> None:
    """Write a file only its owner can read; replace an existing one atomically, so a crash leaves old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        return
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


@contextmanager
def locked_beside(path: Path) -> Iterator[None]:
    """Take turns with other processes that change ``path`` (or the files kept with it): ``flock`` on a lock file
    beside it. Two key commands at once (a retire and a destroy) must not each write back what the other changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield


ARCHIVE_KIND = "archive"


@dataclass(frozen=True)
class Archive:
    """Retired KEKs, each with when it was retired: kept for as long as any backup may need them."""

    keks: Mapping[str, bytes]
    retired_at: Mapping[str, str]


def default_archive_path(keyring_path: Path) -> Path:
    """The archive beside the keyring: keyring.json -> keyring.archive.json."""
    return keyring_path.with_name(f"{keyring_path.stem}.archive{keyring_path.suffix or '.json'}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _encode_archive(archive: Archive) -> str:
    return json.dumps(
        {
            "format": KEYRING_FORMAT,
            "kind": ARCHIVE_KIND,
            "keks": {kek_id: base64.b64encode(key).decode() for kek_id, key in archive.keks.items()},
            "retired_at": dict(archive.retired_at),
        },
        indent=2,
    )


def _decode_archive(text: str, path: Path) -> Archive:
    try:
        data = json.loads(text)
        if data.get("format") != KEYRING_FORMAT or data.get("kind") != ARCHIVE_KIND:
            raise KeyringError(f"the file at {path} is not a key archive of format {KEYRING_FORMAT}")
        keks = {kek_id: base64.b64decode(key, validate=True) for kek_id, key in data["keks"].items()}
        retired_at = {str(kek_id): str(when) for kek_id, when in data["retired_at"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise KeyringError(f"the key archive at {path} cannot be read ({type(error).__name__})") from None
    if any(len(key) != KEY_BYTES for key in keks.values()) or set(keks) != set(retired_at):
        raise KeyringError(f"the key archive at {path} is not whole")
    return Archive(keks=keks, retired_at=retired_at)


def create_keyring_file(path: Path) -> str:
    """Make a new keyring at ``path`` (mode 0600); refuses to overwrite one. Returns the primary KEK id."""
    if path.exists():
        raise KeyringError(f"a keyring already exists at {path}; it was not changed")
    kek_id = new_kek_id()
    contents = KeyringContents(
        primary=kek_id,
        keks={kek_id: AESGCM.generate_key(bit_length=256)},
        secrets={name: secrets.token_bytes(KEY_BYTES) for name in SECRET_NAMES},
    )
    try:
        write_private(path, _encode(contents), exclusive=True)
    except FileExistsError:
        raise KeyringError(f"a keyring already exists at {path}; it was not changed") from None
    return kek_id


class FileKeyring:
    """A KeyProvider backed by a JSON file readable by its owner only.

    The file is read again when it changes on disk, so that every running worker learns a new primary KEK made
    by ``safetyplan keys rotate`` without a restart.
    """

    def __init__(self, path: Path, archive_path: Path | None = None) -> None:
        self.path = path
        self.archive_path = archive_path or default_archive_path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._contents = self._read()

    @classmethod
    def open(cls, path: Path, archive_path: Path | None = None) -> FileKeyring:
        """Load the keyring for the app; a missing or unsafe file is a configuration error (one clear line)."""
        if not path.exists():
            raise ConfigError(
                f"SAFETYPLAN_KEYRING: there is no keyring at {path}. Create one with 'safetyplan keys init'."
            )
        try:
            return cls(path, archive_path)
        except KeyringError as error:
            raise ConfigError(f"SAFETYPLAN_KEYRING: {error}") from None

    def _read(self) -> KeyringContents:
        info = self.path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(f"the keyring at {self.path} can be read by other users; run: chmod 600 {self.path}")
        contents = _decode(self.path.read_text(), self.path)
        self._stamp = (info.st_mtime_ns, info.st_size)
        return contents

    def _current(self) -> KeyringContents:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return self._contents  # keep serving with the keys in memory; start-up will catch a missing file
        if (info.st_mtime_ns, info.st_size) != self._stamp:
            with self._lock:
                self._contents = self._read()
        return self._contents

    def primary_kek_id(self) -> str:
        return self._current().primary

    def kek_ids(self) -> list[str]:
        return sorted(self._current().keks)

    def _kek(self, kek_id: str) -> bytes:
        key = self._current().keks.get(kek_id)
        if key is None:
            raise UnknownKeyError(f"the keyring holds no KEK {kek_id!r}")
        return key

    def _read_archive(self) -> Archive:
        if not self.archive_path.exists():
            return Archive(keks={}, retired_at={})
        if self.archive_path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(
                f"the key archive at {self.archive_path} can be read by other users; run: chmod 600 {self.archive_path}"
            )
        return _decode_archive(self.archive_path.read_text(), self.archive_path)

    def archived_kek_ids(self) -> dict[str, str]:
        return dict(sorted(self._read_archive().retired_at.items()))

    def wrap(self, kek_id: str, data_key: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + AESGCM(self._kek(kek_id)).encrypt(nonce, data_key, context)

    def unwrap(self, kek_id: str, wrapped: bytes, context: bytes) -> bytes:
        try:
            kek = self._kek(kek_id)
        except UnknownKeyError:
            # A data key from before a rotation (a restored backup): its KEK is in the archive, if anywhere.
            archived = self._read_archive().keks.get(kek_id)
            if archived is None:
                raise UnknownKeyError(f"neither the keyring nor its archive holds a KEK {kek_id!r}") from None
            kek = archived
        try:
            return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise KeyringError(f"a data key wrapped by {kek_id} did not unwrap for its owner") from None

    def secret(self, name: SecretName) -> bytes:
        return self._current().secrets[name]

    def add_primary_kek(self) -> str:
        with self._lock, locked_beside(self.path):
            contents = self._read()
            kek_id = new_kek_id()
            updated = KeyringContents(
                primary=kek_id,
                keks={**contents.keks, kek_id: AESGCM.generate_key(bit_length=256)},
                secrets=contents.secrets,
            )
            write_private(self.path, _encode(updated), exclusive=False)
            self._contents = self._read()
        return kek_id

    def destroy_archived_kek(self, kek_id: str) -> None:
        with self._lock, locked_beside(self.path):
            archive = self._read_archive()
            if kek_id not in archive.keks:
                raise UnknownKeyError(f"the key archive at {self.archive_path} holds no KEK {kek_id!r}")
            kept = Archive(
                keks={key_id: key for key_id, key in archive.keks.items() if key_id != kek_id},
                retired_at={key_id: at for key_id, at in archive.retired_at.items() if key_id != kek_id},
            )
            write_private(self.archive_path, _encode_archive(kept), exclusive=False)

    def archive_kek(self, kek_id: str) -> None:
        """Write the KEK to the archive first (and to disk), then take it out of the keyring: a crash between the two
        leaves it in both, never in neither."""
        with self._lock, locked_beside(self.path):
            contents = self._read()
            if kek_id not in contents.keks:
                raise UnknownKeyError(f"the keyring holds no KEK {kek_id!r}")
            if kek_id == contents.primary:
                raise KeyringError(f"{kek_id} is the primary KEK; rotate to a new one before retiring it")
            archive = self._read_archive()
            kept = Archive(
                keks={**archive.keks, kek_id: contents.keks[kek_id]},
                retired_at={**archive.retired_at, kek_id: archive.retired_at.get(kek_id) or _now()},
            )
            write_private(self.archive_path, _encode_archive(kept), exclusive=False)
            if (
                _decode_archive(self.archive_path.read_text(), self.archive_path).keks.get(kek_id)
                != contents.keks[kek_id]
            ):
                raise KeyringError(
                    f"the key archive at {self.archive_path} did not keep {kek_id}; the keyring is unchanged"
                )
            remaining = {key_id: key for key_id, key in contents.keks.items() if key_id != kek_id}
            updated = KeyringContents(primary=contents.primary, keks=remaining, secrets=contents.secrets)
            write_private(self.path, _encode(updated), exclusive=False)
            self._contents = self._read()
