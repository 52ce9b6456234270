"""The ``safetyplan`` command: a Flask CLI group, installed as a console script."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from safetyplan import create_app, schema
from safetyplan.admin.cli import teams, users
from safetyplan.assurance.cli import assurance
from safetyplan.audit.cli import audit
from safetyplan.backup.cli import backup_group
from safetyplan.config import ConfigError
from safetyplan.crypto.cli import keys
from safetyplan.db import database
from safetyplan.demo import demo
from safetyplan.exchange.cli import deliveries, people_group, plans
from safetyplan.identity.cli import identity


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """SafetyPlan: safety plans written with people, in their own words."""


@cli.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (the newest by default)."""
    schema.upgrade(revision)
    click.echo(f"Database at revision {schema.head_revision() if revision == 'head' else revision}.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    schema.downgrade(revision)
    click.echo(f"Database at revision {revision}.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does, in a few words.")
@click.option("--rev-id", default=None, help="The revision id (default: the next number).")
@with_appcontext
def db_revision(message: str, rev_id: str | None) -> None:
    """Write a new migration from the difference between the models and the database (review it before use)."""
    schema.revision(message, rev_id)


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's revision and whether it is the newest."""
    state = "up to date" if schema.is_at_head() else f"behind; the newest is {schema.head_revision()}"
    with database().engine.connect() as connection:
        click.echo(f"{schema.current_revision(connection) or 'empty'} ({state})")


cli.add_command(keys)
cli.add_command(audit)
cli.add_command(users)
cli.add_command(teams)
cli.add_command(demo)
cli.add_command(assurance)
cli.add_command(plans)
cli.add_command(deliveries)
cli.add_command(people_group)
cli.add_command(identity)
cli.add_command(backup_group(create_app))


def main() -> None:
    """Entry point of the console script: a broken configuration is one line, not a stack trace."""
    try:
        cli.main(prog_name="safetyplan")
    except ConfigError as error:
        click.echo(f"safetyplan: {error}", err=True)
        sys.exit(2)
