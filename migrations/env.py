"""Alembic environment: runs migrations on the engine of the current SafetyPlan app."""

from alembic import context

import safetyplan.models  # noqa: F401  (registers every table on Base.metadata)
from safetyplan.db import Base, database


def run_migrations_online() -> None:
    engine = database().engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run 'safetyplan db upgrade'.")
run_migrations_online()
