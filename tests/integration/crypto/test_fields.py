import uuid

import pytest
from sqlalchemy import select, text, update

from safetyplan import create_app
from safetyplan.crypto import DecryptionError, vault
from safetyplan.crypto.models import DataKey
from safetyplan.crypto.services import rotate_owner_key, shred_owner
from safetyplan.db import database, session, transaction
from tests.conftest import make_settings
from tests.integration.crypto.conftest import DiaryBase, DiaryEntry

CANARY = "CANARY-7f3a-lavender-fields"


def write_entry(person_id, body, tags=None):
    with transaction():
        entry = DiaryEntry(person_id=person_id, body=body, tags=tags)
        session.add(entry)
    return entry.id


def read_body(entry_id):
    with transaction():
        session.expunge_all()
        return session.get(DiaryEntry, entry_id).body


def raw_column(entry_id, column="body"):
    with transaction():
        return session.execute(
            text(f"SELECT {column} FROM test_diary_entries WHERE id = :id"),
            {"id": entry_id.hex if session.bind.dialect.name == "sqlite" else entry_id},
        ).scalar_one()


def test_values_round_trip_and_are_stored_sealed(app, diary):
    person = uuid.uuid4()
    with app.app_context():
        entry_id = write_entry(person, "Walk by the river", tags=["coping", "outside"])
        assert read_body(entry_id) == "Walk by the river"
        with transaction():
            session.expunge_all()
            assert session.get(DiaryEntry, entry_id).tags == ["coping", "outside"]
        stored = bytes(raw_column(entry_id))
        assert b"river" not in stored and stored[0] == 1


def test_one_data_key_per_owner_made_on_first_use(app, diary):
    alex, sam = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        for body in ("one", "two"):
            write_entry(alex, body)
        write_entry(sam, "three")
        with transaction():
            owners = session.scalars(select(DataKey.owner_id).where(DataKey.state == "active")).all()
        assert sorted(owners) == sorted([alex, sam])


def test_a_value_tampered_in_the_database_fails_closed(app, diary):
    with app.app_context():
        entry_id = write_entry(uuid.uuid4(), "my hope box")
        stored = bytearray(raw_column(entry_id))
        stored[-3] ^= 0x10
        with transaction():
            session.execute(update(DiaryEntry).where(DiaryEntry.id == entry_id).values(body_sealed=bytes(stored)))
        with pytest.raises(DecryptionError):
            read_body(entry_id)


def test_a_value_swapped_to_another_record_or_person_fails_closed(app, diary):
    alex, sam = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        alex_first = write_entry(alex, "Alex's words")
        alex_second = write_entry(alex, "Alex's other words")
        sam_entry = write_entry(sam, "Sam's words")
        sealed = bytes(raw_column(alex_first))
        with transaction():
            for target in (alex_second, sam_entry):
                session.execute(update(DiaryEntry).where(DiaryEntry.id == target).values(body_sealed=sealed))
        for target in (alex_second, sam_entry):
            with pytest.raises(DecryptionError):
                read_body(target)


def test_a_value_moved_to_another_field_fails_closed(app, diary):
    with app.app_context():
        entry_id = write_entry(uuid.uuid4(), "body text", tags=["x"])
        sealed = bytes(raw_column(entry_id))
        with transaction():
            session.execute(update(DiaryEntry).where(DiaryEntry.id == entry_id).values(tags_sealed=sealed))
        with transaction():
            session.expunge_all()
            with pytest.raises(DecryptionError):
                _ = session.get(DiaryEntry, entry_id).tags


def test_another_keyring_cannot_read(app, diary, settings, tmp_path):
    with app.app_context():
        entry_id = write_entry(uuid.uuid4(), "words")
    stranger = create_app(make_settings(settings.database_url, tmp_path))  # a keyring of its own
    with stranger.app_context():
        with pytest.raises(DecryptionError, match="could not be unwrapped"):
            read_body(entry_id)
        database().dispose()


def test_rotating_an_owners_key_re_encrypts_everything_and_destroys_the_old_key(app, diary):
    person, bystander = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        entries = [write_entry(person, f"entry {n}", tags=[n]) for n in range(3)]
        other = write_entry(bystander, "not rotated")
        before = {entry: bytes(raw_column(entry)) for entry in entries}
        with transaction():
            new_key = rotate_owner_key(person)
        for n, entry in enumerate(entries):
            assert read_body(entry) == f"entry {n}"
            assert bytes(raw_column(entry)) != before[entry]
            assert bytes(raw_column(entry))[1:17] == new_key.bytes
        assert read_body(other) == "not rotated"
        with transaction():
            states = dict(session.execute(select(DataKey.id, DataKey.state).where(DataKey.owner_id == person)).all())
        assert states[new_key] == "active"
        assert sorted(states.values()) == ["active", "destroyed"]
        # An old copy (a backup taken before the rotation) no longer opens: its key is gone.
        with transaction():
            session.execute(
                update(DiaryEntry).where(DiaryEntry.id == entries[0]).values(body_sealed=before[entries[0]])
            )
        vault().forget_all()
        with pytest.raises(DecryptionError, match="destroyed"):
            read_body(entries[0])


def test_crypto_shredding_leaves_the_records_unreadable(app, diary):
    person = uuid.uuid4()
    with app.app_context():
        entry = write_entry(person, "to be forgotten at the end of retention")
        with transaction():
            assert shred_owner(person) == 1
        vault().forget_all()  # as another worker would, once its few minutes of memory have passed
        with pytest.raises(DecryptionError, match="destroyed"):
            read_body(entry)


def test_blind_index_is_keyed_exact_and_separated_by_purpose(app):
    with app.app_context():
        index = vault().blind_index
        assert index("nhs_number", "9434765919") == index("nhs_number", "9434765919")
        assert index("nhs_number", "9434765919") != index("nhs_number", "9434765910")
        assert index("nhs_number", "9434765919") != index("email", "9434765919")
        assert len(index("nhs_number", "9434765919")) == 32


def test_a_canary_appears_nowhere_in_the_sqlite_file_or_its_wal(make_app, tmp_path):
    database_file = tmp_path / "canary.db"
    app = make_app(database_url=f"sqlite:///{database_file}")
    from safetyplan import schema

    with app.app_context():
        schema.upgrade()
        DiaryBase.metadata.create_all(database().engine)
        person = uuid.uuid4()
        for n in range(20):
            write_entry(person, f"{CANARY} {n} Rwy'n iawn", tags=[CANARY])
        assert read_body(write_entry(person, CANARY)) == CANARY
        files = [database_file, database_file.with_name("canary.db-wal")]
        assert files[1].exists() and files[1].stat().st_size > 0  # the writes are still in the WAL
        for path in files:
            raw = path.read_bytes()
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert CANARY.encode(encoding) not in raw, f"{CANARY!r} found in {path.name} as {encoding}"
        database().dispose()


def test_values_selected_as_bare_columns_open_only_for_their_own_record_and_field(app, diary):
    """Lists open sealed columns without loading records; the record's id, owner and field are still bound in."""
    person, other = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        entry_id = write_entry(person, CANARY, tags=["walks", "tea"])
        other_id = write_entry(other, "someone else")
        with transaction():
            rows = {
                row.id: row
                for row in session.execute(select(DiaryEntry.id, DiaryEntry.body_sealed, DiaryEntry.tags_sealed))
            }
            mine = rows[entry_id]

            def opened(**where):
                return DiaryEntry.open_selected(**({"record_id": entry_id, "owner_id": person} | where))

            assert opened(body=mine.body_sealed, tags=mine.tags_sealed) == {"body": CANARY, "tags": ["walks", "tea"]}
            assert opened(body=None) == {"body": None}
            vault().forget_all()  # the owner's key not cached: the slow path unwraps it, and gives the same
            assert opened(body=mine.body_sealed) == {"body": CANARY}
            with pytest.raises(DecryptionError):  # another record's id, same owner
                opened(record_id=other_id, body=mine.body_sealed)
            with pytest.raises(DecryptionError):  # another owner
                opened(owner_id=other, body=mine.body_sealed)
            with pytest.raises(DecryptionError):  # another field's value
                opened(tags=mine.body_sealed)
            with pytest.raises(DecryptionError):  # another person's value, under their own key
                opened(body=rows[other_id].body_sealed)
            with pytest.raises(ValueError, match="person_id"):  # not an encrypted attribute of this model
                opened(person_id=mine.body_sealed)
