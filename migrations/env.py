"""Alembic environment: runs migrations on the engine of the current SafetyPlan app."""

from typing import Any

from alembic import context
from sqlalchemy import TypeDecorator

import safetyplan.models  # noqa: F401  (registers every table on Base.metadata)
from safetyplan.db import Base, database


def render_item(type_: str, obj: Any, _context: Any) -> str | bool:
    """Write the app's own column types (UTCDateTime) as the plain SQLAlchemy types they store as."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_online() -> None:
    engine = database().engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run 'safetyplan db upgrade'.")
run_migrations_online()
