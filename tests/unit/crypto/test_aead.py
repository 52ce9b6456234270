import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetyplan.crypto.aead import HEADER, NONCE_BYTES, DataKeyCipher, DecryptionError, RecordContext

OWNER = uuid.uuid4()
KEY_ID = uuid.uuid4()


@pytest.fixture
def cipher():
    return DataKeyCipher(KEY_ID, OWNER, bytes(range(32)))


def context(**changes):
    values = {"owner_id": OWNER, "kind": "plan_revision", "record_id": "rev-1", "field": "content"}
    return RecordContext(**{**values, **changes})


def test_round_trip(cipher):
    sealed = cipher.seal(b"Call Jo", context())
    assert cipher.open(sealed, context()) == b"Call Jo"
    assert b"Call Jo" not in sealed


def test_the_format_names_its_version_and_key(cipher):
    sealed = cipher.seal(b"x", context())
    assert sealed[0] == 1
    assert sealed[1:17] == KEY_ID.bytes
    assert len(sealed) == HEADER.size + NONCE_BYTES + 1 + 16


@pytest.mark.parametrize("position", ["version", "key id", "nonce", "ciphertext", "tag"])
def test_a_tampered_byte_fails_closed(cipher, position):
    sealed = bytearray(cipher.seal(b"warning signs: not sleeping", context()))
    index = {"version": 0, "key id": 5, "nonce": 20, "ciphertext": 30, "tag": len(sealed) - 1}[position]
    sealed[index] ^= 0x01
    with pytest.raises(DecryptionError):
        cipher.open(bytes(sealed), context())


@pytest.mark.parametrize(
    "moved_to",
    [
        {"record_id": "rev-2"},
        {"field": "reason"},
        {"kind": "carer_contribution"},
        {"owner_id": uuid.uuid4()},
    ],
    ids=["another record", "another field", "another kind", "another person"],
)
def test_a_ciphertext_moved_elsewhere_fails_closed(cipher, moved_to):
    sealed = cipher.seal(b"my reasons for living", context())
    with pytest.raises(DecryptionError):
        cipher.open(sealed, context(**moved_to))


def test_an_unknown_format_version_is_refused(cipher):
    sealed = bytearray(cipher.seal(b"x", context()))
    sealed[0] = 2
    with pytest.raises(DecryptionError, match="unknown format version 2"):
        cipher.open(bytes(sealed), context())


def test_a_truncated_value_is_refused(cipher):
    with pytest.raises(DecryptionError, match="too short"):
        cipher.open(b"\x01abc", context())


def test_another_key_cannot_open(cipher):
    sealed = cipher.seal(b"x", context())
    impostor = DataKeyCipher(KEY_ID, OWNER, bytes(32))
    with pytest.raises(DecryptionError):
        impostor.open(sealed, context())


def test_errors_name_the_record_but_never_the_content(cipher):
    sealed = bytearray(cipher.seal(b"secret words", context()))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError) as raised:
        cipher.open(bytes(sealed), context())
    assert "plan_revision rev-1 field 'content'" in str(raised.value)
    assert "secret" not in str(raised.value)


def test_sealing_for_another_owner_is_refused(cipher):
    with pytest.raises(ValueError):
        cipher.seal(b"x", context(owner_id=uuid.uuid4()))


def test_no_nonce_repeats_in_100000_encryptions(cipher):
    nonces = {cipher.seal(b"", context())[HEADER.size : HEADER.size + NONCE_BYTES] for _ in range(100_000)}
    assert len(nonces) == 100_000


@settings(max_examples=300)
@given(st.text())
def test_any_unicode_text_round_trips(text):
    cipher = DataKeyCipher(KEY_ID, OWNER, bytes(range(32)))  # not a fixture: hypothesis runs many examples
    assert cipher.open(cipher.seal(text.encode(), context()), context()).decode() == text


@pytest.mark.parametrize(
    "text",
    ["Rwy'n teimlo'n well ar ôl cerdded ger y môr", "🌊🧡 breathe", "أتصل بأختي", "שיחה עם אמא", "a\x00b", ""],
)
def test_welsh_emoji_and_right_to_left_scripts_round_trip(cipher, text):
    assert cipher.open(cipher.seal(text.encode(), context()), context()).decode() == text
