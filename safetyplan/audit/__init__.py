"""The audit trail: every read, change, share, export, sign-in and refused access, as a keyed hash chain.

Services call ``record(...)`` in the transaction of what they do; the event lands when it commits, or not at
all. ``verify`` walks the chain (``safetyplan audit verify``) and names the first edited, removed, reordered or
truncated event.
"""

from safetyplan.audit.grounds import Grounds
from safetyplan.audit.services import (
    Checkpoint,
    Verification,
    checkpoint,
    events_for_person,
    recent_events,
    record,
    verify,
)

__all__ = [
    "Checkpoint",
    "Grounds",
    "Verification",
    "checkpoint",
    "events_for_person",
    "recent_events",
    "record",
    "verify",
]
