"""Fixtures shared by the whole suite: settings, apps on SQLite and PostgreSQL, clean data per test, clients."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from sqlalchemy import create_engine, inspect, text

from safetyplan import create_app, schema
from safetyplan.accounts.models import Team
from safetyplan.config import PasswordHashing, Settings
from safetyplan.crypto.keyring import create_keyring_file
from safetyplan.db import Base, database
from safetyplan.outbox import MemoryOutbox
from tests.factories import create_account, create_person, create_team
from tests.pages import PageClient

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-production-rules"


def _required(variable: str) -> bool:
    """CI sets these, so that nothing it must run can quietly skip."""
    return os.environ.get(variable) == "1"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every database test runs on SQLite, and on PostgreSQL when SAFETYPLAN_TEST_DATABASE_URL names one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'safetyplan-test.db'}"
    url = os.environ.get("SAFETYPLAN_TEST_DATABASE_URL")
    if not url:
        if _required("SAFETYPLAN_REQUIRE_POSTGRES"):
            pytest.fail("SAFETYPLAN_REQUIRE_POSTGRES=1 but SAFETYPLAN_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need SAFETYPLAN_TEST_DATABASE_URL (CI sets it; see README.md)")
    _drop_everything(url)
    return url


def _drop_everything(url: str) -> None:
    """Start PostgreSQL runs from an empty schema, whatever an earlier interrupted run left behind."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_settings(database_url: str, instance_path: Path) -> Settings:
    """Test settings; the instance folder gets a keyring of its own the first time."""
    keyring = instance_path / "keyring.json"
    if not keyring.exists():
        create_keyring_file(keyring)
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        keyring_path=instance_path / "keyring.json",
        instance_path=instance_path,
        # Cheap hashing: the suite signs in hundreds of times (see RECIPES.md).
        password_hashing=PasswordHashing(time_cost=1, memory_cost_kib=8 * 1024, parallelism=1),
    )


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def settings(database_url: str, instance_path: Path) -> Settings:
    return make_settings(database_url, instance_path)


@pytest.fixture(scope="session")
def migrated_app(settings: Settings) -> Iterator[Flask]:
    """One app per database backend, its schema made by the migrations (so they are exercised every run)."""
    app = create_app(settings)
    with app.app_context():
        schema.upgrade()
    yield app
    with app.app_context():
        database().dispose()


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app, with every table emptied after the test, so that each test starts from no data."""
    yield migrated_app
    with migrated_app.app_context():
        empty_all_tables()


#: Reference data the migrations put in, which every test expects to find.
REFERENCE_TABLES = {"crisis_contacts"}


def empty_all_tables() -> None:
    engine = database().engine
    existing = set(inspect(engine).get_table_names()) - REFERENCE_TABLES  # a test may use an empty database
    tables = [table.name for table in reversed(Base.metadata.sorted_tables) if table.name in existing]
    if not tables:
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # TRUNCATE, not DELETE: the audit table refuses row deletes by design.
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def make_app(settings: Settings, migrated_app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build a further app on the same migrated database, optionally with test-only blueprints."""
    made: list[Flask] = []

    def build(*blueprints: Blueprint, **changes: object) -> Flask:
        app = create_app(dataclasses.replace(settings, **changes))  # type: ignore[arg-type]
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            if app.extensions["safetyplan.settings"].database_url == settings.database_url:
                empty_all_tables()
            database().dispose()


@pytest.fixture
def client(app: Flask) -> PageClient:
    """A browser-like client that checks and parses every page it fetches."""
    return PageClient(app.test_client())


@pytest.fixture
def outbox(app: Flask) -> MemoryOutbox:
    """The messages the app sent during the test."""
    sent = app.extensions["safetyplan.outbox"]
    sent.sent.clear()
    return sent


def _signed_in_client(app: Flask, role: str, **account_options: object) -> PageClient:
    with app.app_context():
        account = create_account(role, **account_options)  # type: ignore[arg-type]
    client = PageClient(app.test_client())
    client.account = account  # type: ignore[attr-defined]
    client.sign_in(account)
    return client


@pytest.fixture
def team(app: Flask) -> Team:
    with app.app_context():
        return create_team("Riverside Test Team")


@pytest.fixture
def clinician_client(app: Flask, team: Team) -> PageClient:
    """A clinician of ``team``, signed in."""
    return _signed_in_client(app, "clinician", team=team)


@pytest.fixture
def admin_client(app: Flask) -> PageClient:
    return _signed_in_client(app, "admin")


@pytest.fixture
def auditor_client(app: Flask) -> PageClient:
    return _signed_in_client(app, "auditor")


@pytest.fixture
def carer_client(app: Flask) -> PageClient:
    return _signed_in_client(app, "carer")


@pytest.fixture
def person_client(app: Flask, team: Team) -> PageClient:
    """A person on ``team``'s caseload, signed in to their own account."""
    with app.app_context():
        person = create_person(team, name="Alex Own-Account")
    client = _signed_in_client(app, "person", person=person)
    client.person_id = person.id  # type: ignore[attr-defined]
    return client
