import json
import os
import stat
import uuid

import pytest

from safetyplan.config import ConfigError
from safetyplan.crypto.keyring import (
    SECRET_NAMES,
    FileKeyring,
    KeyringError,
    UnknownKeyError,
    create_keyring_file,
)
from safetyplan.crypto.models import wrap_context

CONTEXT = wrap_context(uuid.uuid4(), uuid.uuid4())


@pytest.fixture
def path(tmp_path):
    keyring = tmp_path / "keyring.json"
    create_keyring_file(keyring)
    return keyring


def test_a_new_keyring_is_private_and_complete(path):
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keyring = FileKeyring(path)
    assert keyring.kek_ids() == [keyring.primary_kek_id()]
    assert keyring.primary_kek_id().startswith("kek-")
    secrets = {keyring.secret(name) for name in SECRET_NAMES}
    assert len(secrets) == 3 and all(len(secret) == 32 for secret in secrets)


def test_init_refuses_to_overwrite(path):
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        create_keyring_file(path)
    assert path.read_bytes() == before


def test_a_keyring_others_can_read_stops_start_up(path):
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=f"SAFETYPLAN_KEYRING: .* can be read by other users; run: chmod 600 {path}"):
        FileKeyring.open(path)


def test_a_missing_keyring_stops_start_up_with_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="Create one with 'safetyplan keys init'"):
        FileKeyring.open(tmp_path / "nowhere.json")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.update(format=99),
        lambda data: data.update(primary="kek-missing"),
        lambda data: data["keks"].update({next(iter(data["keks"])): "c2hvcnQ="}),
        lambda data: data["secrets"].pop("audit_chain"),
        lambda data: data.pop("keks"),
    ],
    ids=["format", "primary", "short key", "missing secret", "no keks"],
)
def test_a_damaged_keyring_is_refused_in_one_line(path, damage):
    data = json.loads(path.read_text())
    damage(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as raised:
        FileKeyring.open(path)
    assert "\n" not in str(raised.value)


def test_wrap_and_unwrap_are_bound_to_their_context(path):
    keyring = FileKeyring(path)
    kek = keyring.primary_kek_id()
    wrapped = keyring.wrap(kek, b"k" * 32, CONTEXT)
    assert keyring.unwrap(kek, wrapped, CONTEXT) == b"k" * 32
    with pytest.raises(KeyringError):
        keyring.unwrap(kek, wrapped, wrap_context(uuid.uuid4(), uuid.uuid4()))


def test_a_new_primary_keeps_the_old_kek_until_it_is_archived(path):
    keyring = FileKeyring(path)
    old = keyring.primary_kek_id()
    wrapped = keyring.wrap(old, b"k" * 32, CONTEXT)
    new = keyring.add_primary_kek()
    assert keyring.primary_kek_id() == new != old
    assert keyring.unwrap(old, wrapped, CONTEXT) == b"k" * 32
    keyring.archive_kek(old)
    assert old not in keyring.kek_ids()
    with pytest.raises(UnknownKeyError):
        keyring.wrap(old, b"k" * 32, CONTEXT)  # never used for new keys again ...
    assert keyring.unwrap(old, wrapped, CONTEXT) == b"k" * 32  # ... but still opens what it wrapped
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(keyring.archive_path).st_mode) == 0o600
    # Without its archive, the keyring cannot open it.
    with pytest.raises(UnknownKeyError, match="neither the keyring nor its archive"):
        FileKeyring(path, archive_path=path.with_name("elsewhere.json")).unwrap(old, wrapped, CONTEXT)


def test_the_primary_kek_cannot_be_archived(path):
    keyring = FileKeyring(path)
    with pytest.raises(KeyringError, match="is the primary KEK"):
        keyring.archive_kek(keyring.primary_kek_id())


def test_a_running_worker_sees_a_rotation_made_by_another_process(path):
    worker, operator = FileKeyring(path), FileKeyring(path)
    new = operator.add_primary_kek()
    assert worker.primary_kek_id() == new
    assert new in worker.kek_ids()
