"""The database schema's version: Alembic migrations in ``migrations/``, run against the app's engine."""

from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from safetyplan.config import PROJECT_ROOT
from safetyplan.db import database

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration for the current app (migrations/env.py takes the engine from the app)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration in migrations/ (read once per process: the files do not change while it runs)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


def revision(message: str, rev_id: str | None = None) -> None:
    """Autogenerate a migration numbered after the newest one (0001, 0002, ...)."""
    head = head_revision()
    number = rev_id or f"{int(head or 0) + 1:04d}"
    command.revision(alembic_config(), message=message, autogenerate=True, rev_id=number)


def is_at_head() -> bool:
    with database().engine.connect() as connection:
        return current_revision(connection) == head_revision()
