"""``safetyplan audit``: verify the audit chain, and take checkpoints of it to keep outside the database."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from safetyplan.audit import services


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
@with_appcontext
def audit_verify(mark: services.Checkpoint | None) -> None:
    """Walk the whole chain; exit 1 and name the first broken event if any was edited, removed or reordered."""
    result = services.verify(mark)
    click.echo(str(result))
    if not result.ok:
        sys.exit(1)


@audit.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Print the chain head as SEQ:HASH (keep it somewhere else, for 'verify --checkpoint') and the count."""
    mark, count = services.checkpoint()
    click.echo(str(mark))
    click.echo(f"{count} events")
