"""Pseudonymous references for auditors: stable, not reversible without the keyring's pseudonym key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from safetyplan.crypto import vault

PREFIX = "P-"


def person_reference(person_id: uuid.UUID) -> str:
    """The same short reference for a person every time (keyed HMAC-SHA256), so that an auditor can ask a team to
    follow a finding up without the report naming anyone. Only someone holding the keyring can link it back."""
    digest = hmac.new(vault().provider.secret("pseudonym"), b"person\x00" + person_id.bytes, hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest[:10]).decode().rstrip("=")
