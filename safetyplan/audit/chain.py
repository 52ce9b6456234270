"""The hash that chains audit events: an HMAC over the previous hash and one canonical encoding of an event."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from safetyplan.audit.models import HASHED_FIELDS


def canonical_encoding(fields: Mapping[str, Any]) -> bytes:
    """Every hashed field of an event as compact JSON with sorted keys: one encoding for one event, always."""
    return json.dumps(
        {name: canonical_value(fields[name]) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")


def canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, (int, str)):
        return value
    raise TypeError(f"cannot encode a {type(value).__name__} in an audit event")


def event_hash(key: bytes, prev_hash: bytes, fields: Mapping[Any, Any]) -> bytes:
    """HMAC-SHA256 of the previous event's hash followed by this event's canonical encoding."""
    return hmac.new(key, prev_hash + canonical_encoding(fields), hashlib.sha256).digest()
