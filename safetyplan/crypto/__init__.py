"""Encryption at rest: a keyring of KEKs, per-owner data keys, AES-256-GCM bound to each record, blind index.

Other domains use ``EncryptedRecord`` and ``encrypted(...)`` on their models (see fields.py), and
``vault().blind_index(...)`` for exact look-ups of identifiers.
"""

from flask import Flask

from safetyplan.config import Settings
from safetyplan.crypto.aead import DecryptionError, RecordContext
from safetyplan.crypto.fields import DATE, JSON, TEXT, EncryptedRecord, encrypted
from safetyplan.crypto.keyring import FileKeyring, KeyProvider
from safetyplan.crypto.vault import Vault, vault

__all__ = [
    "DATE",
    "JSON",
    "TEXT",
    "DecryptionError",
    "EncryptedRecord",
    "RecordContext",
    "Vault",
    "encrypted",
    "init_app",
    "vault",
]


def init_app(app: Flask, settings: Settings, provider: KeyProvider | None = None) -> None:
    """Open the keyring (a missing or readable-by-others file stops start-up) and give the app its vault."""
    app.extensions["safetyplan.vault"] = Vault(provider or FileKeyring.open(settings.keyring_path))
