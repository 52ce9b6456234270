"""``safetyplan keys``: create the keyring, rotate and retire KEKs, and show which KEK wraps how many data keys."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from safetyplan.config import Settings
from safetyplan.crypto import services
from safetyplan.crypto.catalogue import catalogue
from safetyplan.crypto.keyring import KeyringError, create_keyring_file
from safetyplan.crypto.vault import vault
from safetyplan.db import transaction


@click.group()
def keys() -> None:
    """Manage the encryption keys."""


@keys.command("init")
@click.option("--if-missing", is_flag=True, help="Do nothing when a keyring already exists (for make run).")
def keys_init(if_missing: bool) -> None:
    """Create a new keyring at SAFETYPLAN_KEYRING (readable by its owner only). Never overwrites one."""
    path = Settings.from_env().keyring_path
    if if_missing and path.exists():
        return
    try:
        kek_id = create_keyring_file(path)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created a keyring at {path} with primary KEK {kek_id}. Keep it secret and back it up.")


@keys.command("status")
@with_appcontext
def keys_status() -> None:
    """Show each KEK and how many data keys it wraps."""
    provider = vault().provider
    usage = services.kek_usage()
    primary = provider.primary_kek_id()
    for kek_id in provider.kek_ids():
        marker = " (primary)" if kek_id == primary else ""
        click.echo(f"{kek_id}{marker}: {usage.pop(kek_id, 0)} data keys")
    try:
        archived = provider.archived_kek_ids()
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    for kek_id, count in usage.items():
        where = "ARCHIVED: rotate to move them to the primary" if kek_id in archived else "NOT IN THE KEYRING"
        click.echo(f"{kek_id} ({where}): {count} data keys")
    for kek_id, retired_at in archived.items():
        if kek_id not in usage:
            click.echo(f"{kek_id} (archived {retired_at}): kept for backups taken before then")
    try:
        backups = catalogue().backups()
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    if not backups:
        click.echo("No backups are catalogued ('safetyplan backup create' catalogues each backup it takes).")
    for kek_id in sorted({kek_id for backup in backups for kek_id in backup.kek_ids}):
        needing = [backup for backup in backups if kek_id in backup.kek_ids]
        click.echo(f"{kek_id} is needed by {_backups(len(needing))}:")
        for backup in needing:
            missing = "" if Path(backup.file).exists() else " (not at that path now)"
            click.echo(f"  {backup.id}, taken {backup.created_at}, at {backup.file}{missing}")


@keys.command("rotate")
@click.option("--batch-size", default=services.REWRAP_BATCH, show_default=True, help="Data keys per transaction.")
@with_appcontext
def keys_rotate(batch_size: int) -> None:
    """Make a new primary KEK and re-wrap every data key with it.

    Runs while the app serves. If it is stopped, run it again: it finishes the rotation it started instead of
    starting another.
    """
    provider = vault().provider
    with transaction():
        waiting = services.data_keys_awaiting_rewrap()
    if waiting:
        click.echo(f"Finishing the rotation to {provider.primary_kek_id()}: {waiting} data keys to re-wrap.")
    else:
        kek_id = provider.add_primary_kek()
        click.echo(f"New primary KEK {kek_id}.")
        with transaction():
            waiting = services.data_keys_awaiting_rewrap()
    with click.progressbar(length=waiting, label="Re-wrapping data keys") as bar:
        while True:
            with transaction():
                done = services.rewrap_batch(batch_size)
            if not done:
                break
            bar.update(done)
    click.echo(f"Every data key is wrapped by {provider.primary_kek_id()}.")
    retired = [kek_id for kek_id in provider.kek_ids() if kek_id != provider.primary_kek_id()]
    if retired:
        click.echo(f"Old KEKs that can now be retired with 'safetyplan keys retire ID': {', '.join(retired)}")


@keys.command("retire")
@click.argument("kek_id")
@with_appcontext
def keys_retire(kek_id: str) -> None:
    """Move KEK_ID from the keyring to the archive keyring beside it, where it is kept for older backups.

    Refused while it is the primary or any data key still uses it."""
    try:
        with transaction():
            services.retire_kek(kek_id)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    archive = getattr(vault().provider, "archive_path", None)
    click.echo(f"Retired {kek_id}: it is kept in the archive{f' at {archive}' if archive else ''}.")
    click.echo("Back up the archive with the keyring: backups taken before the rotation need it.")


@keys.command("destroy")
@click.argument("kek_id")
@click.option("--yes", is_flag=True, help="Do not ask: the KEK is destroyed (for scripts that have checked).")
@click.option("--without-catalogue", is_flag=True, help="Go ahead although there is no backup catalogue at all.")
@with_appcontext
def keys_destroy(kek_id: str, yes: bool, without_catalogue: bool) -> None:
    """Destroy archived KEK_ID for good, once no backup needs it.

    Refused while it is in the live keyring, while any data key uses it, or while any catalogued backup needs it.
    Whatever it wrapped can never be read again: a backup not in the catalogue that needs it is lost."""
    try:
        with transaction():
            services.check_destroy(kek_id, without_catalogue=without_catalogue)  # before asking; again once held
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    if not yes:
        click.confirm(
            f"Destroy {kek_id}? Any backup that needs it, catalogued or not, can never be read again", abort=True
        )
    try:
        with transaction():
            services.destroy_kek(kek_id, without_catalogue=without_catalogue)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Destroyed {kek_id}. Older copies of the key archive still hold it: replace them with this one.")


def _backups(count: int) -> str:
    return f"{count} catalogued backup{'' if count == 1 else 's'}"
