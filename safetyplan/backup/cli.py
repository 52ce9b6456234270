"""``safetyplan backup``: take a backup while the app serves, prove it can be read, and restore it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from safetyplan.backup import services
from safetyplan.config import Settings, current_settings
from safetyplan.crypto.catalogue import CataloguedBackup, catalogue
from safetyplan.crypto.keyring import KeyringError
from safetyplan.crypto.vault import vault


def backup_group(build_app: Callable[[Settings], Flask]) -> click.Group:
    """The command group; ``build_app`` makes the app a backup is verified in (the app factory)."""

    @click.group("backup")
    def backup() -> None:
        """Back up, verify and restore the database."""

    @backup.command("create")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Where to write it (default: backups/ in the instance folder).",
    )
    @with_appcontext
    def create(output: Path | None) -> None:
        """Take a backup of the database (safe while the app serves), with its manifest."""
        if output is None:
            stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
            output = current_settings().instance_path / "backups" / f"safetyplan-{stamp}.tar"
        try:
            manifest = services.create(output)
        except services.BackupError as error:
            raise click.ClickException(str(error)) from None
        # Catalogued before anything is printed: output that cannot be written (a closed pipe) stops the command.
        _catalogue(manifest, output, just_taken=True)
        click.echo(f"Backup {manifest.id} written to {output}")
        _describe(manifest)

    @backup.command("verify")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_appcontext
    def verify(file: Path) -> None:
        """Restore FILE into a scratch database, open every sealed value, verify the audit chain, print the counts."""
        try:
            manifest = services.read_manifest(file)
            with click.progressbar(length=services.sealed_rows(manifest), label="Opening sealed records") as bar:
                result = services.verify(file, build_app, progress=bar.update)
        except services.BackupError as error:
            raise click.ClickException(str(error)) from None
        if not result.problems:
            _catalogue(result.manifest, file)
        _describe(result.manifest)
        click.echo(f"Opened {result.sealed_values} sealed values. Audit chain: {result.audit}")
        for problem in result.problems:
            click.echo(f"PROBLEM: {problem}")
        if result.problems:
            if not _catalogued(result.manifest):
                click.echo(
                    "Not added to the backup catalogue: it cannot be read, so the KEKs it names are not kept for it."
                )
            sys.exit(1)
        click.echo("The backup is whole and can be read.")

    @backup.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Restore even though the database holds newer audit events.")
    @with_appcontext
    def restore(file: Path, force: bool) -> None:
        """Put FILE in place of the database (stop the app servers first)."""
        try:
            manifest = services.restore(file, force=force)
        except services.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored backup {manifest.id} (taken {manifest.created_at}).")

    @backup.command("list")
    @with_appcontext
    def list_backups() -> None:
        """Show each catalogued backup, with the KEKs it needs and whether it is still where it was written."""
        try:
            backups = catalogue().backups()
        except KeyringError as error:
            raise click.ClickException(str(error)) from None
        if not backups:
            click.echo(f"No backups are catalogued in {catalogue().path}.")
        for entry in backups:
            missing = "" if Path(entry.file).exists() else " (not at that path now)"
            click.echo(f"{entry.id}: taken {entry.created_at}, needs {', '.join(entry.kek_ids) or 'no KEK'}")
            click.echo(f"  {entry.file}{missing}")

    @backup.command("forget")
    @click.argument("backup_id_or_file")
    @with_appcontext
    def forget(backup_id_or_file: str) -> None:
        """Take a backup out of the catalogue once it has been destroyed everywhere (at the end of its retention):
        the KEKs it needed may then be destroyed."""
        try:
            gone = catalogue().forget(backup_id_or_file)
        except KeyringError as error:
            raise click.ClickException(str(error)) from None
        if Path(gone.file).exists():
            click.echo(f"Note: {gone.file} is still there. Destroy it too: without the catalogue it is not protected.")
        click.echo(f"Forgot backup {gone.id} (taken {gone.created_at}).")

    return backup


def _catalogue(manifest: services.Manifest, file: Path, *, just_taken: bool = False) -> None:
    """Note the backup in the catalogue, so that no KEK it needs is destroyed; a failure is an error, named.

    A backup just taken is checked, while the catalogue is held, for a KEK destroyed while it was being taken."""
    entry = CataloguedBackup(manifest.id, str(file.resolve()), manifest.created_at, tuple(manifest.kek_ids))
    book = catalogue()
    try:
        with book.holding():
            provider = vault().provider
            known = set(provider.kek_ids()) | set(provider.archived_kek_ids())
            gone = [kek_id for kek_id in manifest.kek_ids if kek_id not in known]
            if just_taken and gone:
                raise click.ClickException(
                    f"the backup needs {', '.join(gone)}, destroyed while it was being taken: it cannot be read. "
                    "Take another."
                )
            added = book.add(entry)
    except (KeyringError, OSError) as error:
        raise click.ClickException(
            f"the backup is whole, but it is not in the backup catalogue ({error}): fix that and run "
            f"'safetyplan backup verify {file}', which adds it"
        ) from None
    if added:
        click.echo(f"Added to the backup catalogue at {book.path}.")


def _catalogued(manifest: services.Manifest) -> bool:
    try:
        return any(entry.id == manifest.id for entry in catalogue().backups())
    except KeyringError:
        return False


def _describe(manifest: services.Manifest) -> None:
    click.echo(f"Taken {manifest.created_at} from {manifest.engine}, schema {manifest.schema}")
    click.echo(f"Needs the KEKs: {', '.join(manifest.kek_ids) or 'none'}")
    click.echo(f"Audit chain head: {manifest.audit_seq}:{manifest.audit_hash}")
    rows = sum(manifest.counts.values())
    click.echo(
        f"{rows} rows: " + ", ".join(f"{table} {count}" for table, count in sorted(manifest.counts.items()) if count)
    )
