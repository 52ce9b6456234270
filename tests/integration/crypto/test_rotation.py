import uuid

import pytest
from sqlalchemy import func, select

from safetyplan.cli import cli
from safetyplan.crypto import vault
from safetyplan.crypto.keyring import create_keyring_file
from safetyplan.crypto.models import DataKey
from safetyplan.crypto.services import kek_usage, rewrap_batch
from safetyplan.db import session, transaction
from tests.integration.crypto.test_fields import read_body, write_entry

OWNERS = 10_000


@pytest.fixture
def keyring_app(make_app, diary, tmp_path):
    """An app with a keyring of its own, so that rotating it leaves the other tests' keyring alone."""
    path = tmp_path / "rotating-keyring.json"
    create_keyring_file(path)
    return make_app(keyring_path=path)


def make_data_keys(count):
    with transaction():
        for _ in range(count):
            vault().create_data_key(session, uuid.uuid4())


def keys(app, *args):
    result = app.test_cli_runner().invoke(cli, ["keys", *args])
    return result.exit_code, result.output


def test_rotate_rewraps_ten_thousand_data_keys_and_every_record_still_opens(keyring_app):
    app = keyring_app
    with app.app_context():
        people = [uuid.uuid4() for _ in range(5)]
        entries = {write_entry(person, f"plan of {person}"): person for person in people}
        make_data_keys(OWNERS - len(people))
        old_kek = vault().provider.primary_kek_id()

        code, output = keys(app, "rotate")
        assert code == 0, output
        new_kek = vault().provider.primary_kek_id()
        assert new_kek != old_kek
        with transaction():
            assert kek_usage() == {new_kek: OWNERS}

        vault().forget_all()  # prove the records open through the newly wrapped keys, not from memory
        for entry, person in entries.items():
            assert read_body(entry) == f"plan of {person}"

        code, output = keys(app, "retire", old_kek)
        assert (code, output) == (0, f"Retired {old_kek}.\n")
        assert vault().provider.kek_ids() == [new_kek]


def test_an_interrupted_rotation_finishes_when_run_again(keyring_app):
    app = keyring_app
    with app.app_context():
        entry = write_entry(uuid.uuid4(), "still readable")
        make_data_keys(2_499)
        old_kek = vault().provider.primary_kek_id()
        new_kek = vault().provider.add_primary_kek()
        with transaction():
            assert rewrap_batch(limit=1_000) == 1_000  # then the operator's session dropped
        with transaction():
            assert kek_usage() == {old_kek: 1_500, new_kek: 1_000}

        code, output = keys(app, "retire", old_kek)
        assert code == 1
        assert f"{old_kek} still wraps 1500 data keys" in output

        code, output = keys(app, "rotate")
        assert code == 0, output
        assert f"Finishing the rotation to {new_kek}: 1500 data keys to re-wrap." in output
        assert vault().provider.primary_kek_id() == new_kek  # no third KEK was made
        with transaction():
            assert kek_usage() == {new_kek: 2_500}
        vault().forget_all()
        assert read_body(entry) == "still readable"

        code, output = keys(app, "rotate")  # run once more: nothing left, so a fresh rotation starts
        assert code == 0 and "New primary KEK" in output


def test_status_counts_data_keys_per_kek(keyring_app):
    app = keyring_app
    with app.app_context():
        make_data_keys(3)
        primary = vault().provider.primary_kek_id()
        code, output = keys(app, "status")
        assert (code, output) == (0, f"{primary} (primary): 3 data keys\n")


def test_the_primary_kek_cannot_be_retired(keyring_app):
    with keyring_app.app_context():
        primary = vault().provider.primary_kek_id()
        code, output = keys(keyring_app, "retire", primary)
        assert code == 1 and "is the primary KEK" in output


def test_rewrap_leaves_destroyed_keys_alone(keyring_app):
    app = keyring_app
    with app.app_context():
        person = uuid.uuid4()
        write_entry(person, "x")
        from safetyplan.crypto.services import shred_owner

        with transaction():
            shred_owner(person)
        vault().provider.add_primary_kek()
        with transaction():
            assert rewrap_batch() == 0
            assert session.scalar(select(func.count()).where(DataKey.wrapped_key.is_(None))) == 1
