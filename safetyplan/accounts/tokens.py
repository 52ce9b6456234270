"""Secret tokens (a link's, a session's): how one is stored, as its SHA-256, never the token."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> bytes:
    """How a secret token (a link's, a session's) is stored: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).digest()
