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
        assert code == 0, output
        assert output.startswith(f"Retired {old_kek}: it is kept in the archive at ")
        assert vault().provider.kek_ids() == [new_kek]
        assert list(vault().provider.archived_kek_ids()) == [old_kek]


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
        listed = f"{primary} (primary): 3 data keys\n"
        listed += "No backups are catalogued ('safetyplan backup create' catalogues each backup it takes).\n"
        assert (code, output) == (0, listed)


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


def test_a_backup_from_before_a_rotation_and_a_retire_still_opens_with_the_archive(keyring_app):
    """Retiring a KEK moves it to the archive: the data keys a backup from before the rotation holds (wrapped by
    the old KEK) still open once that backup is restored."""
    import stat

    from sqlalchemy import update

    app = keyring_app
    with app.app_context():
        person = uuid.uuid4()
        entry = write_entry(person, "words kept for twenty years")
        with transaction():
            before = session.execute(select(DataKey.id, DataKey.kek_id, DataKey.wrapped_key)).all()  # the "backup"
        old_kek = vault().provider.primary_kek_id()
        assert keys(app, "rotate")[0] == 0
        code, output = keys(app, "retire", old_kek)
        assert code == 0, output
        archive = vault().provider.archive_path
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600
        assert old_kek not in vault().provider.kek_ids()

        # The backup is restored: its data keys, wrapped by the retired KEK, are back in the table.
        with transaction():
            for key_id, kek_id, wrapped in before:
                session.execute(update(DataKey).where(DataKey.id == key_id).values(kek_id=kek_id, wrapped_key=wrapped))
        vault().forget_all()
        assert read_body(entry) == "words kept for twenty years"

        code, output = keys(app, "status")
        assert f"{old_kek} (ARCHIVED: rotate to move them to the primary): " in output
        # Without the archive, the same backup would not open: it is what keeps the old KEK.
        archive.rename(archive.with_suffix(".moved"))
        vault().forget_all()
        with pytest.raises(Exception, match="neither the keyring nor its archive"):
            read_body(entry)
        archive.with_suffix(".moved").rename(archive)


def test_the_archive_keeps_every_retired_kek_and_refuses_to_be_readable_by_others(keyring_app):
    app = keyring_app
    with app.app_context():
        first = vault().provider.primary_kek_id()
        assert keys(app, "rotate")[0] == 0
        second = vault().provider.primary_kek_id()
        assert keys(app, "retire", first)[0] == 0
        assert keys(app, "rotate")[0] == 0
        assert keys(app, "retire", second)[0] == 0
        assert list(vault().provider.archived_kek_ids()) == sorted([first, second])
        code, output = keys(app, "status")
        assert f"{first} (archived " in output and f"{second} (archived " in output
        archive = vault().provider.archive_path
        archive.chmod(0o644)
        code, output = keys(app, "status")
        assert code == 1 and "chmod 600" in output
        archive.chmod(0o600)
