from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import safetyplan.models  # noqa: F401  (every table on the metadata)
from safetyplan import schema
from safetyplan.db import Base, database


def test_models_and_migrations_agree(app):
    with app.app_context(), database().engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_database_is_at_the_newest_migration(app):
    with app.app_context():
        assert schema.is_at_head()


def test_every_migration_downgrades_and_upgrades_again(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        schema.upgrade()
        schema.downgrade("base")
        with database().engine.connect() as connection:
            assert schema.current_revision(connection) is None
        schema.upgrade()
        assert schema.is_at_head()
