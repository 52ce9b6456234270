"""The audit spool: where a read's audit event waits while the database cannot be written.

A storage fault or a failover can leave the database readable but not writable. A crisis plan must still open
then, and its read must still be audited, so a read's events go to this file instead (one per app server, in
``SAFETYPLAN_AUDIT_SPOOL``), and the page is answered only once they are on disk. Each line is one event, chained
to the one before by the audit chain's key, as in the database. When writes work again, the events join the main
chain in the order they were spooled (``services.replay_spool``), followed by an event that says they did.

Appends from the server's processes take turns on a lock file. A replay first renames the spool to ``.replaying``,
so that a crash between committing the events and removing the file is recognised next time rather than replayed
twice; new reads meanwhile start a new spool.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetyplan.audit.chain import canonical_value, event_hash
from safetyplan.audit.models import GENESIS_HASH, HASHED_FIELDS
from safetyplan.config import current_settings
from safetyplan.crypto.vault import vault


class SpoolError(Exception):
    """The spool cannot be written, or what it holds is not a sound chain (edited, or not ours)."""


_UUID_FIELDS = ("actor_id", "person_id", "plan_id", "revision_id", "team_id", "subject_user_id")
#: How far back from the end of the spool its last line is looked for (a line is well under 1 KB).
_TAIL_BYTES = 8192


@dataclass(frozen=True)
class Spool:
    """The spool file at ``path``, with its lock file and the file a replay works from beside it."""

    path: Path

    @property
    def replaying(self) -> Path:
        return self.path.with_name(self.path.name + ".replaying")

    def append(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Add events (their fields, without seq) to the end of the chain, and return only once they are on disk."""
        key = vault().provider.secret("audit_chain")
        try:
            with self._locked():
                number, last_hash = self._tail()
                lines = []
                for fields in events:
                    number += 1
                    encoded = {name: canonical_value(fields[name]) for name in HASHED_FIELDS if name != "seq"}
                    digest = event_hash(key, last_hash, {**encoded, "seq": number})
                    lines.append(
                        json.dumps({"n": number, "event": encoded, "prev": last_hash.hex(), "hash": digest.hex()})
                    )
                    last_hash = digest
                created = not self.path.exists()
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, "".join(line + "\n" for line in lines).encode("ascii"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if created:
                    _sync_directory(self.path.parent)
        except OSError as error:
            raise SpoolError(f"the audit spool {self.path} cannot be written: {error.strerror}") from error

    def waiting(self) -> bool:
        """Whether any event waits to join the main chain (one stat or two: asked after every request)."""
        return any(_size(path) > 0 for path in (self.path, self.replaying))

    def count(self) -> int:
        """The number of events waiting."""
        return sum(len(_lines(path)) for path in (self.replaying, self.path))

    @contextmanager
    def replay_batch(self) -> Iterator[list[dict[str, Any]] | None]:
        """Under the lock, the events of the batch being replayed (checked, as their fields), or None if none wait.

        The caller commits them to the database within the block; the batch's file is removed only if it does.
        """
        with self._locked():
            if _size(self.replaying) == 0 and _size(self.path) > 0:
                os.replace(self.path, self.replaying)
                _sync_directory(self.path.parent)
            if _size(self.replaying) == 0:
                yield None
                return
            yield self._read(self.replaying)
            self.replaying.unlink()
            _sync_directory(self.path.parent)

    def _read(self, path: Path) -> list[dict[str, Any]]:
        key = vault().provider.secret("audit_chain")
        events, last_hash = [], GENESIS_HASH
        for number, line in enumerate(_lines(path), start=1):
            try:
                entry = json.loads(line)
                fields = {**entry["event"], "seq": entry["n"]}
                sound = (
                    entry["n"] == number
                    and bytes.fromhex(entry["prev"]) == last_hash
                    and hmac.compare_digest(event_hash(key, last_hash, fields), bytes.fromhex(entry["hash"]))
                )
            except (ValueError, KeyError, TypeError):
                sound = False
            if not sound:
                raise SpoolError(f"the audit spool {path} is not a sound chain at line {number}: nothing was replayed")
            events.append(_decoded(entry["event"]))
            last_hash = bytes.fromhex(entry["hash"])
        return events

    def _tail(self) -> tuple[int, bytes]:
        """The number and hash of the last whole line; a line cut short by a crash (never acknowledged) is cut off."""
        if _size(self.path) == 0:
            return 0, GENESIS_HASH
        with self.path.open("rb+") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read()
            whole = tail.rfind(b"\n") + 1
            if whole < len(tail):
                f.truncate(size - len(tail) + whole)
                os.fsync(f.fileno())
            lines = tail[:whole].splitlines()
        if not lines:
            return 0, GENESIS_HASH
        last = json.loads(lines[-1])
        return int(last["n"]), bytes.fromhex(last["hash"])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing lets go of the lock


def spool() -> Spool:
    """This app server's spool, from the settings."""
    settings = current_settings()
    return Spool(settings.audit_spool or settings.instance_path / "audit-spool.jsonl")


def _decoded(encoded: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(encoded)
    fields["occurred_at"] = datetime.strptime(fields["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    for name in _UUID_FIELDS:
        if fields[name] is not None:
            fields[name] = uuid.UUID(fields[name])
    return fields


def _lines(path: Path) -> list[str]:
    """The whole lines of a spool file (a last line cut short by a crash was never acknowledged: it is left out)."""
    try:
        text = path.read_text("ascii")
    except (FileNotFoundError, NotADirectoryError):
        return []
    return text.splitlines()[: text.count("\n")]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        return 0


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
