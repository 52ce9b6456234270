"""Backups: a consistent copy of the database with a manifest, proved readable by restoring it somewhere else.

A backup is one tar file (mode 0600) holding ``manifest.json`` and the database: SQLite copied through its online
backup API (one step, so the copy is one consistent moment while the app serves), or PostgreSQL dumped by
``pg_dump`` in custom format from a snapshot that the manifest is read from too. The manifest says what a restore
must be able to open: the schema revision, the KEKs its data keys are wrapped with, the audit chain's head and
the count of rows in each table.

``verify`` restores the backup into a scratch database, brings its schema up to this version, opens every sealed
value with the keyring and its archive (so a backup from before a rotation still opens), walks the audit chain and
compares the counts. ``restore`` puts a backup in place of the database, refusing when the database holds audit
events newer than the backup unless told to, and records an audit event naming the backup, so that the chain's
continuation after the restore is explained.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import secrets
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from safetyplan import models, schema  # noqa: F401  (every table, so that the counts and the sealed values are all seen)
from safetyplan.audit import record
from safetyplan.audit import services as audit
from safetyplan.audit.checkpoints import set_aside_after
from safetyplan.audit.grounds import Grounds
from safetyplan.config import Settings, current_settings
from safetyplan.crypto.aead import DecryptionError
from safetyplan.crypto.fields import EncryptedRecord, attributes_of
from safetyplan.crypto.keyring import KeyringError
from safetyplan.db import Base, database, session, transaction

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"

Progress = Callable[[int], None]


class BackupError(Exception):
    """The backup cannot be made, read or restored; the message says why in one line."""


@dataclass(frozen=True)
class Manifest:
    id: str
    created_at: str
    engine: str
    schema: str | None
    kek_ids: list[str]
    audit_seq: int
    audit_hash: str
    counts: dict[str, int]
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise BackupError(f"this backup has format {data.get('format')!r}; this version reads {FORMAT}")
            return cls(**data)
        except (ValueError, TypeError) as error:
            raise BackupError(f"the backup's manifest cannot be read ({type(error).__name__})") from None


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    sealed_values: int
    audit: audit.Verification
    counts: dict[str, int]
    #: Sealed values that did not open, and the first of them (the kind of record and why).
    unopened: int = 0
    first_unopened: str | None = None

    @property
    def problems(self) -> list[str]:
        found = [] if self.audit.ok else [f"audit chain: {self.audit}"]
        if self.unopened:
            found.append(f"{self.unopened} sealed values did not open; the first: {self.first_unopened}")
        for table, count in sorted(self.manifest.counts.items()):
            if self.counts.get(table) != count:
                found.append(f"{table}: {self.counts.get(table)} rows, the manifest says {count}")
        return found


def _engine_name(url: str) -> str:
    return make_url(url).get_backend_name()


def _read_manifest(connection: Connection, engine: str) -> Manifest:
    """What the copy holds, read in the same snapshot as the copy itself."""
    head = connection.execute(text("SELECT last_seq, last_hash FROM audit_chain_head")).one_or_none()
    tables = list(Base.metadata.sorted_tables)
    return Manifest(
        id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}",
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        engine=engine,
        schema=connection.execute(text("SELECT version_num FROM alembic_version")).scalar(),
        kek_ids=sorted(connection.execute(text("SELECT DISTINCT kek_id FROM data_keys")).scalars()),
        audit_seq=int(head[0]) if head else 0,
        audit_hash=bytes(head[1]).hex() if head else "",
        counts={
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in tables
        },
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump and pg_restore take it, and the environment carrying its password (never in argv)."""
    parsed = make_url(url)
    environment = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from None
    except subprocess.CalledProcessError as error:
        last = (error.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{command[0]} failed: {last[0]}") from None


def _write_private_tar(output: Path, manifest: Manifest, database_file: Path, name: str) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
        data = manifest.to_json().encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o600
        archive.addfile(info, io.BytesIO(data))
        archive.add(database_file, arcname=name)
    with open(temporary, "rb") as written:
        os.fsync(written.fileno())
    os.replace(temporary, output)


def create(output: Path) -> Manifest:
    """Take a backup of the app's database into ``output`` while the app serves; returns its manifest."""
    url = current_settings().database_url
    engine = _engine_name(url)
    with tempfile.TemporaryDirectory(dir=output.parent if output.parent.exists() else None) as scratch:
        if engine == "sqlite":
            copy = Path(scratch) / SQLITE_FILE
            source = sqlite3.connect(str(make_url(url).database), timeout=30)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)  # one step: the copy is one moment, however busy the app is
            finally:
                source.close()
                target.close()
            copy_engine = create_engine(f"sqlite:///{copy}")
            with copy_engine.connect() as connection:
                manifest = _read_manifest(connection, engine)
            copy_engine.dispose()
            _write_private_tar(output, manifest, copy, SQLITE_FILE)
        elif engine == "postgresql":
            dump = Path(scratch) / PG_FILE
            libpq, environment = _libpq(url)
            with (
                database().engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
                connection.begin(),
            ):
                connection.execute(text("SET TRANSACTION READ ONLY"))
                # The dump and the manifest read the same snapshot: what the manifest counts is what was dumped.
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", libpq], environment)
                manifest = _read_manifest(connection, engine)
            _write_private_tar(output, manifest, dump, PG_FILE)
        else:
            raise BackupError(f"backups of {engine} databases are not supported")
    return manifest


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path) as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise BackupError(f"{path} holds no manifest")
            return Manifest.from_json(member.read().decode())
    except (OSError, tarfile.TarError, KeyError) as error:
        raise BackupError(f"{path} is not a SafetyPlan backup ({type(error).__name__})") from None


@contextmanager
def restored_copy(path: Path, build_app: Callable[[Settings], Flask]) -> Iterator[Flask]:
    """The backup restored into a scratch database (removed afterwards), as an app at this version's schema."""
    manifest = read_manifest(path)
    settings = current_settings()
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(path) as archive:
        if manifest.engine == "sqlite":
            archive.extract(SQLITE_FILE, scratch, filter="data")
            url, cleanup = f"sqlite:///{Path(scratch) / SQLITE_FILE}", None
        else:
            if _engine_name(settings.database_url) != "postgresql":
                raise BackupError("a PostgreSQL backup is verified on a PostgreSQL server: set SAFETYPLAN_DATABASE_URL")
            archive.extract(PG_FILE, scratch, filter="data")
            name = f"safetyplan_verify_{secrets.token_hex(6)}"
            admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
            libpq, environment = _libpq(url)
            try:
                _run(
                    [
                        "pg_restore",
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--exit-on-error",
                        f"--dbname={libpq}",
                        str(Path(scratch) / PG_FILE),
                    ],
                    environment,
                )
            except BackupError:
                _drop(admin, name)
                raise

            def cleanup() -> None:
                _drop(admin, name)

        app = build_app(dataclasses.replace(settings, database_url=url))
        try:
            with app.app_context():
                schema.upgrade()  # a backup from an older version opens as this version would after restoring it
                yield app
        finally:
            with app.app_context():
                database().dispose()
            if cleanup is not None:
                cleanup()


def _drop(admin: Any, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def sealed_rows(manifest: Manifest) -> int:
    """How many rows with sealed values the backup holds (the length of verify's progress)."""
    tables = {model.__tablename__ for model in EncryptedRecord.encrypted_attributes}  # type: ignore[attr-defined]
    return sum(count for table, count in manifest.counts.items() if table in tables)


def verify(path: Path, build_app: Callable[[Settings], Flask], progress: Progress | None = None) -> Verified:
    """Restore the backup into a scratch database and open all of it: every sealed value, the audit chain, the
    count of rows in each table. Raises BackupError when it cannot be restored; a sealed value that does not open
    raises the vault's own error, naming the record."""
    manifest = read_manifest(path)
    with restored_copy(path, build_app) as app, app.app_context(), transaction():
        opened, unopened, first_unopened = 0, 0, None
        # The tables the schema has (after the upgrade): a model defined elsewhere (a test's) has none here.
        present = set(inspect(session.connection()).get_table_names())
        for model in [m for m in EncryptedRecord.encrypted_attributes if m.__tablename__ in present]:  # type: ignore[attr-defined]
            names = [attribute.name for attribute in attributes_of(model)]
            row: Any
            for row in session.scalars(select(model).execution_options(yield_per=500)):
                for name in names:
                    try:
                        getattr(row, name)
                    except (DecryptionError, KeyringError) as error:  # a KEK in neither keyring nor archive, say
                        unopened += 1
                        first_unopened = first_unopened or f"{model.__name__}.{name}: {error}"
                    else:
                        opened += 1
                if progress is not None:
                    progress(1)
            session.expunge_all()
        chain = audit.verify()
        counts = {
            table.name: int(session.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in Base.metadata.sorted_tables
        }
    return Verified(
        manifest=manifest,
        sealed_values=opened,
        audit=chain,
        counts=counts,
        unopened=unopened,
        first_unopened=first_unopened,
    )


def newer_events(manifest: Manifest) -> int:
    """How many audit events the app's database holds beyond the backup's head."""
    with transaction():
        head = session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar()
    return max(0, int(head or 0) - manifest.audit_seq)


def restore(path: Path, *, force: bool) -> Manifest:
    """Put the backup in place of the app's database. Refused when the database holds audit events newer than the
    backup, unless ``force``. Stop the app servers first."""
    manifest = read_manifest(path)
    settings = current_settings()
    engine = _engine_name(settings.database_url)
    if engine != manifest.engine:
        raise BackupError(f"this is a {manifest.engine} backup; the database is {engine}")
    newer = newer_events(manifest)
    if newer and not force:
        raise BackupError(
            f"the database holds {newer} audit events newer than this backup; restoring would lose them "
            "(add --force to restore anyway)"
        )
    database().dispose()
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(path) as archive:
        if engine == "sqlite":
            archive.extract(SQLITE_FILE, scratch, filter="data")
            source = sqlite3.connect(Path(scratch) / SQLITE_FILE)
            target = sqlite3.connect(str(make_url(settings.database_url).database), timeout=30)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            archive.extract(PG_FILE, scratch, filter="data")
            libpq, environment = _libpq(settings.database_url)
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={libpq}",
                    str(Path(scratch) / PG_FILE),
                ],
                environment,
            )
    with transaction():
        record("backup.restored", by=None, grounds=Grounds("command_line", f"backup {manifest.id}"))
    if settings.audit_checkpoints is not None:
        set_aside_after(settings.audit_checkpoints, manifest.audit_seq, manifest.id)
    return manifest
