"""``safetyplan audit``: verify the audit chain, and take checkpoints of it to keep outside the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from safetyplan.audit import services
from safetyplan.audit.checkpoints import CheckpointError, newest_checkpoint, write_checkpoint
from safetyplan.audit.spool import SpoolError, spool
from safetyplan.config import current_settings


@click.group()
def audit() -> None:
    """Check the audit trail."""


def _parse_checkpoint(_ctx: click.Context, _param: click.Parameter, value: str | None) -> services.Checkpoint | None:
    if value is None:
        return None
    try:
        return services.Checkpoint.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@audit.command("verify")
@click.option(
    "--checkpoint",
    "mark",
    metavar="SEQ:HASH",
    callback=_parse_checkpoint,
    help="A checkpoint taken earlier: also detects events removed from the end since then.",
)
@click.option(
    "--checkpoints",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where checkpoints are kept (default: SAFETYPLAN_AUDIT_CHECKPOINTS): the newest is checked against.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Check only from the checkpoint on (fast, for frequent runs); a whole walk also finds older edits.",
)
@with_appcontext
def audit_verify(mark: services.Checkpoint | None, directory: Path | None, resume: bool) -> None:
    """Walk the whole chain; exit 1 and name the first broken event if any was edited, removed or reordered.

    Without --checkpoint, it checks against the newest checkpoint kept, so that events removed from the end
    since then are found too."""
    directory = directory or current_settings().audit_checkpoints
    if mark is None and directory is not None:
        try:
            newest = newest_checkpoint(directory)
        except CheckpointError as error:
            raise click.ClickException(str(error)) from None
        if newest is not None:
            mark = newest[0]
            click.echo(f"Checked against the checkpoint at event {mark.seq} ({newest[1]}).")
        else:
            click.echo(
                f"No checkpoint was found in {directory}: events removed from the end of the trail cannot be told. "
                "Keep checkpoints there with 'safetyplan audit checkpoint --to DIR', or name the folder with "
                "--checkpoints."
            )
    if resume and mark is None:
        raise click.ClickException("--resume needs a checkpoint: none was found, and none was named with --checkpoint")
    result = services.verify(mark, resume=resume)
    click.echo(str(result))
    if not result.ok:
        sys.exit(1)


@audit.command("checkpoint")
@click.option(
    "--to",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also keep it as a file in this folder (somewhere the database's administrators cannot write).",
)
@with_appcontext
def audit_checkpoint(directory: Path | None) -> None:
    """Print the chain head as SEQ:HASH (keep it somewhere else, for 'verify') and the count."""
    mark, count = services.checkpoint()
    click.echo(str(mark))
    click.echo(f"{count} events")
    if directory is not None:
        click.echo(f"Kept in {write_checkpoint(directory, mark)}")


@audit.command("spool")
@click.option("--replay", is_flag=True, help="Add the waiting events to the trail now (the app does it by itself).")
@with_appcontext
def audit_spool(replay: bool) -> None:
    """Say how many reads' events wait in this server's spool, kept while the database could not be written."""
    waiting = spool()
    try:
        if replay:
            click.echo(f"{services.replay_spool()} events joined the trail.")
        click.echo(f"{waiting.count()} events wait in {waiting.path}.")
    except SpoolError as error:
        raise click.ClickException(str(error)) from None
