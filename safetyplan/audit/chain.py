"""The hash that chains audit events: an HMAC over the previous hash and one canonical encoding of an event."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from safetyplan.audit.models import HASHED_FIELDS


def canonical_encoding(fields: Mapping[str, Any]) -> bytes:
    """Every hashed field of an event as compact JSON with sorted keys: one encoding for one event, always.

    Written out field by field rather than through ``json.dumps`` (which builds a dict and sorts it for each event):
    ``audit verify`` encodes every event of the trail, and this was most of its time. The bytes are the same as
    ``json.dumps({...}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`` gives (a property test checks)."""
    return ("{" + ",".join([f"{label}{_encoded(fields[name])}" for name, label in _SORTED_LABELS]) + "}").encode(
        "ascii"
    )


#: Each hashed field's name, and its JSON key as written, in the order sort_keys gives.
_SORTED_LABELS = tuple((name, f"{encode_basestring_ascii(name)}:") for name in sorted(HASHED_FIELDS))


def _encoded(value: Any) -> str:
    """One value as JSON, as canonical_value and json.dumps would write it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if isinstance(value, uuid.UUID):
        return f'"{value}"'
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        if 1000 <= moment.year <= 9999:
            return (
                f'"{moment.year}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:'
                f'{moment.second:02d}.{moment.microsecond:06d}Z"'
            )
        return encode_basestring_ascii(canonical_value(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    raise TypeError(f"cannot encode a {type(value).__name__} in an audit event")


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
    return hmac.digest(key, prev_hash + canonical_encoding(fields), "sha256")  # one call into OpenSSL
