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
        _describe(result.manifest)
        click.echo(f"Opened {result.sealed_values} sealed values. Audit chain: {result.audit}")
        for problem in result.problems:
            click.echo(f"PROBLEM: {problem}")
        if result.problems:
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

    return backup


def _describe(manifest: services.Manifest) -> None:
    click.echo(f"Taken {manifest.created_at} from {manifest.engine}, schema {manifest.schema}")
    click.echo(f"Needs the KEKs: {', '.join(manifest.kek_ids) or 'none'}")
    click.echo(f"Audit chain head: {manifest.audit_seq}:{manifest.audit_hash}")
    rows = sum(manifest.counts.values())
    click.echo(
        f"{rows} rows: " + ", ".join(f"{table} {count}" for table, count in sorted(manifest.counts.items()) if count)
    )
