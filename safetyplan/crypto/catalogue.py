"""The backup catalogue: each backup ``safetyplan backup create`` made (or ``backup verify`` read), with the KEKs it
needs, so that ``keys status`` can say which backups need which KEKs and ``keys destroy`` is refused while any does.

It is a JSON file beside the key archive (``keyring.backups.json``, or ``SAFETYPLAN_BACKUP_CATALOGUE``), kept and
backed up with the keyring and its archive: it must outlive the database, since it is what stops a KEK that old
backups need from being destroyed. It holds no key and no personal data: ids, file paths, times and KEK ids.
Writers take turns through ``flock`` and replace the file atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from safetyplan.config import current_settings
from safetyplan.crypto.keyring import KeyringError, locked_beside, write_private

CATALOGUE_FORMAT = 1


@dataclass(frozen=True)
class CataloguedBackup:
    id: str
    file: str  # where it was written or read, as an absolute path
    created_at: str
    kek_ids: tuple[str, ...]


def default_catalogue_path(keyring_path: Path) -> Path:
    """Beside the keyring: keyring.json -> keyring.backups.json."""
    return keyring_path.with_name(f"{keyring_path.stem}.backups{keyring_path.suffix or '.json'}")


class BackupCatalogue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._held = False

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold the catalogue for a check and what follows from it (``keys destroy``: nothing needs this KEK, so
        destroy it; ``backup create``: every KEK this backup needs is still there, so catalogue it)."""
        with locked_beside(self.path):
            self._held = True
            try:
                yield
            finally:
                self._held = False

    def exists(self) -> bool:
        return self.path.exists()

    def backups(self) -> list[CataloguedBackup]:
        """Every catalogued backup, oldest first."""
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text())
            if data.get("format") != CATALOGUE_FORMAT:
                raise ValueError("format")
            found = [
                CataloguedBackup(entry["id"], entry["file"], entry["created_at"], tuple(entry["kek_ids"]))
                for entry in data["backups"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KeyringError(f"the backup catalogue at {self.path} cannot be read ({type(error).__name__})") from None
        return sorted(found, key=lambda backup: (backup.created_at, backup.id))

    def needing(self, kek_id: str) -> list[CataloguedBackup]:
        return [backup for backup in self.backups() if kek_id in backup.kek_ids]

    def add(self, backup: CataloguedBackup) -> bool:
        """Add ``backup`` unless a backup of that id is there already; whether it was added."""
        with self._locked():
            kept = self.backups()
            if any(entry.id == backup.id for entry in kept):
                return False
            self._write([*kept, backup])
            return True

    def forget(self, id_or_file: str) -> CataloguedBackup:
        """Take a backup out (by its id, or its file), once it has been destroyed everywhere."""
        with self._locked():
            kept = self.backups()
            as_file = str(Path(id_or_file).resolve())
            gone = [entry for entry in kept if id_or_file == entry.id or as_file == entry.file]
            if not gone:
                raise KeyringError(f"the backup catalogue at {self.path} holds no backup {id_or_file}")
            if len(gone) > 1:
                raise KeyringError(
                    f"{len(gone)} catalogued backups were written to {id_or_file}: forget each by its id "
                    f"({', '.join(entry.id for entry in gone)})"
                )
            self._write([entry for entry in kept if entry not in gone])
            return gone[0]

    def _write(self, backups: list[CataloguedBackup]) -> None:
        entries = [{**asdict(backup), "kek_ids": list(backup.kek_ids)} for backup in backups]
        write_private(
            self.path, json.dumps({"format": CATALOGUE_FORMAT, "backups": entries}, indent=2), exclusive=False
        )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self._held:
            yield  # within holding(): the lock is this process's already
            return
        with self.holding():
            yield


def catalogue() -> BackupCatalogue:
    """The app's backup catalogue, from its settings."""
    settings = current_settings()
    return BackupCatalogue(settings.backup_catalogue or default_catalogue_path(settings.keyring_path))
