"""Recording audit events in the caller's transaction, appending them to the hash chain, and verifying it.

``record`` only buffers an event on the session. When the session commits, a ``before_commit`` hook locks the
chain head, numbers and hashes the buffered events, inserts them and moves the head, so that the head is held
for the last moments of the transaction only. A rollback drops the buffer: no event and no gap in ``seq``.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import g, has_request_context
from sqlalchemy import Row, Table, bindparam, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from safetyplan.audit.actions import ACTIONS
from safetyplan.audit.chain import event_hash
from safetyplan.audit.grounds import Grounds
from safetyplan.audit.models import (
    ACTOR_ROLES,
    GENESIS_HASH,
    HASH_BYTES,
    HEAD_ID,
    OUTCOMES,
    AuditChainHead,
    AuditEvent,
)
from safetyplan.audit.spool import spool
from safetyplan.crypto.vault import vault
from safetyplan.db import SPOOL_AUDIT, database, note_written, session, take_write_lock, utcnow, within


class Actor(Protocol):
    """Whoever acts, as the trail needs them: an account (accounts' User) has both. Accounts sit above audit and
    record through it, so audit names only what it reads."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> str: ...


_PENDING = "safetyplan.audit.pending"
VERIFY_BATCH = 2000
_EVENTS = cast(Table, AuditEvent.__table__)


@dataclass
class _Pending:
    """An event waiting for its transaction to commit, and the (sub)transaction it was recorded in."""

    fields: dict[str, Any]
    recorded_in: SessionTransaction


def record(
    action: str,
    *,
    by: Actor | None,
    grounds: Grounds,
    outcome: str = "allowed",
    person_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    revision_id: uuid.UUID | None = None,
    section: str | None = None,
    team_id: uuid.UUID | None = None,
    subject_user_id: uuid.UUID | None = None,
) -> None:
    """Record an audit event in the current transaction: it is stored if and only if the transaction commits.

    Ids and names only, never content. The event is numbered and chained when the transaction commits, so it
    is not visible to queries in the transaction that records it. ``by`` is who acted (None: no one signed in, or
    the command line); ``grounds`` why they could.
    """
    fields = event_fields(
        action,
        by=by,
        grounds=grounds,
        outcome=outcome,
        person_id=person_id,
        plan_id=plan_id,
        revision_id=revision_id,
        section=section,
        team_id=team_id,
        subject_user_id=subject_user_id,
    )
    buffer(session, [fields])


def event_fields(
    action: str,
    *,
    by: Actor | None,
    grounds: Grounds,
    outcome: str = "allowed",
    person_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    revision_id: uuid.UUID | None = None,
    section: str | None = None,
    team_id: uuid.UUID | None = None,
    subject_user_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """An event's fields, checked (every field the hash covers but seq, which the chain gives it)."""
    actor_id, actor_role = (by.id, str(by.role)) if by is not None else (None, None)
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} has no plain-English label in safetyplan/audit/actions.py")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if actor_role is not None and actor_role not in ACTOR_ROLES:
        raise ValueError(f"audit actor_role must be one of {', '.join(ACTOR_ROLES)} or None, not {actor_role!r}")
    # Checked here, where the caller is, rather than as a database error at commit (SQLite does not check).
    for name, value in (("action", action), ("grounds", str(grounds)), ("section", section)):
        if value is not None and not 0 < len(value) <= 64:
            raise ValueError(f"audit {name} must be 1 to 64 characters")
    fields = {
        "occurred_at": utcnow(),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "grounds": str(grounds),
        "action": action,
        "outcome": outcome,
        "person_id": person_id,
        "plan_id": plan_id,
        "revision_id": revision_id,
        "section": section,
        "team_id": team_id,
        "subject_user_id": subject_user_id,
        "request_id": g.get("request_id") if has_request_context() else None,
    }
    return fields


def buffer(db_session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Hold events (their fields, without seq) on ``db_session`` until its transaction commits, in this order."""
    # Begin the session's transaction now (no SQL yet), so that a rollback before any query still ends it and
    # so drops these events, rather than the events leaking into the session's next transaction.
    root = db_session.get_transaction() or db_session.begin()
    recorded_in = db_session.get_nested_transaction() or root
    db_session.info.setdefault(_PENDING, []).extend(_Pending(dict(fields), recorded_in) for fields in events)


@event.listens_for(Session, "before_commit")
def _append_pending_events(db_session: Session) -> None:
    pending: list[_Pending] | None = db_session.info.get(_PENDING)
    if not pending or db_session.in_nested_transaction():
        return  # a savepoint's events wait for the outer transaction
    if db_session.info.get(SPOOL_AUDIT):
        # A read while the database cannot be written (safetyplan/audit/spool.py): anything else this
        # transaction wrote is refused by the database here, before any event is spooled for it.
        db_session.flush()
        spool().append([entry.fields for entry in pending])
        pending.clear()
        return
    # Write everything else first, so that the head is locked only for the few statements below.
    db_session.flush()
    take_write_lock(db_session)  # SQLite: a read waits here for the write lock, for these few statements only
    last_seq, last_hash = _lock_head(db_session)
    key = vault().provider.secret("audit_chain")
    rows = []
    for entry in pending:
        last_seq += 1
        fields = {**entry.fields, "seq": last_seq}
        digest = event_hash(key, last_hash, fields)
        rows.append({**fields, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    moved = {"new_seq": last_seq, "new_hash": last_hash}
    # Through the connection, not the ORM: these are plain rows, and the ORM's handling cost as much as the rest of
    # an audited read.
    connection = db_session.connection()
    if len(rows) == 1 and connection.dialect.name == "postgresql":
        # The usual case, one event (a read): one round trip rather than two, as the head moves in a data-modifying
        # WITH of the event's insert. Every audited request pays for each trip to the server.
        connection.execute(_APPEND_ONE_MOVING_HEAD, {**rows[0], **moved})
    else:
        connection.execute(_APPEND, rows)
        connection.execute(_HEAD_MOVED, moved)
    note_written(db_session)
    # Cleared only once appended: if a statement above failed, the transaction must be rolled back anyway.
    pending.clear()


# The statements every audited request runs, built once (building them cost about as much as running them). Rows
# and values go in as parameters, so that each compiled statement is cached too.
_HEAD = select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID).with_for_update()
_HEAD_MOVED = (
    update(AuditChainHead)
    .where(AuditChainHead.id == HEAD_ID)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)
_APPEND = insert(_EVENTS)
_APPEND_ONE_MOVING_HEAD = insert(_EVENTS).add_cte(_HEAD_MOVED.cte("head_moved"))


def _lock_head(db_session: Session) -> tuple[int, bytes]:
    """Lock the chain head (PostgreSQL: FOR UPDATE; SQLite: its write lock is already held) and read it."""
    head = db_session.connection().execute(_HEAD).one_or_none()
    if head is None:
        # The migration makes the head; this puts it back if it was emptied (the test suite truncates tables).
        # Concurrent transactions may both get here: ON CONFLICT DO NOTHING lets one insert and the other wait
        # for it, then lock the row it made.
        seq, digest = _last_event(db_session)
        dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
        db_session.execute(
            dialect.insert(AuditChainHead)
            .values(id=HEAD_ID, last_seq=seq, last_hash=digest)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = db_session.execute(_HEAD).one()
    return int(head.last_seq), bytes(head.last_hash)


def _last_event(db_session: Session) -> tuple[int, bytes]:
    last = db_session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).one_or_none()
    return (0, GENESIS_HASH) if last is None else (int(last.seq), bytes(last.hash))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_events(db_session: Session, rolled_back: SessionTransaction) -> None:
    pending: list[_Pending] | None = db_session.info.get(_PENDING)
    if pending:
        pending[:] = [entry for entry in pending if not within(entry.recorded_in, rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _forget_pending_events(db_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        db_session.info.pop(_PENDING, None)


# Events spooled while the database could not be written ------------------------------------------------------


def replay_spool() -> int:
    """Append the events this server spooled while the database could not be written to the main chain, in order,
    with an event that says they joined it; return how many. Safe to run at any time, from any process.

    In its own transaction (not the request's). If a crash came after the commit but before the spool's batch was
    removed, the batch's first event is already in the trail (a batch commits whole), and it is not added again.
    """
    waiting = spool()
    if not waiting.waiting():
        return 0
    with waiting.replay_batch() as events, database().sessions() as db_session:
        if not events or _already_appended(db_session, events[0]):
            return 0
        buffer(db_session, events)
        buffer(db_session, [event_fields("audit.spool_replayed", by=None, grounds=Grounds.NONE)])
        db_session.commit()
        return len(events)


def _already_appended(db_session: Session, first: Mapping[str, Any]) -> bool:
    query = select(AuditEvent.seq).where(
        AuditEvent.occurred_at == first["occurred_at"],
        AuditEvent.action == first["action"],
        AuditEvent.request_id == first["request_id"],
    )
    if first["actor_id"] is not None:
        query = query.where(AuditEvent.actor_id == first["actor_id"])  # read off the actor's index
    return db_session.execute(query.limit(1)).first() is not None


# Checkpoints and verification ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A point on the chain (an event's seq and hash), to keep outside the database to detect truncation."""

    seq: int
    hash: bytes

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash.hex()}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read ``SEQ:HASH`` (as printed by ``safetyplan audit checkpoint``); raises ValueError otherwise."""
        seq, _, hex_hash = text.strip().partition(":")
        try:
            parsed = cls(int(seq), bytes.fromhex(hex_hash))
        except ValueError:
            parsed = None
        if parsed is None or parsed.seq < 0 or len(parsed.hash) != HASH_BYTES:
            raise ValueError(f"a checkpoint is SEQ:HASH, with a {HASH_BYTES * 2}-digit hexadecimal hash")
        return parsed


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: the events checked and the head, or the first broken event and why."""

    events: int
    head: Checkpoint | None
    broken_at: int | None = None
    reason: str | None = None
    #: The first event checked: 1, or the checkpoint's event when resumed from one.
    checked_from: int = 1

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def __str__(self) -> str:
        if not self.ok:
            return f"BROKEN at event {self.broken_at}: {self.reason}"
        assert self.head is not None
        resumed = f" (checked from event {self.checked_from}, the checkpoint's)" if self.checked_from > 1 else ""
        return f"OK: {self.events} events, head {self.head.seq} {self.head.hash.hex()}{resumed}"


def checkpoint() -> tuple[Checkpoint, int]:
    """The chain head as a checkpoint, and the number of events (read together, as of one moment)."""
    head_seq, head_hash, _, count = _chain_state(with_count=True)
    if head_seq is None or head_hash is None:
        return Checkpoint(*_last_event(session)), count
    return Checkpoint(head_seq, head_hash), count


def verify(checkpoint: Checkpoint | str | None = None, *, resume: bool = False) -> Verification:
    """Walk the chain in order and name the first event that was edited, removed, reordered or truncated.

    Without a checkpoint, removing the last events *and* rewinding the head cannot be told from a shorter
    trail; with a checkpoint taken earlier, the event it names must still be there with the same hash.
    Events appended while this runs are left for the next run.

    With ``resume``, the walk starts at the checkpoint's event rather than the first: what came after the
    checkpoint is checked as fully, but an event edited before it is found only by a whole walk (run one now and
    then). The checkpoint's event must still have the checkpoint's hash, recomputed from its fields.
    """
    mark = Checkpoint.parse(checkpoint) if isinstance(checkpoint, str) else checkpoint
    if resume and mark is None:
        raise ValueError("resuming needs a checkpoint")
    start = mark.seq if resume and mark is not None and mark.seq > 0 else 1
    # One statement, so one snapshot: each commit moves the head and adds its events together, so in an
    # intact chain the head and the last event agree at any single moment, however busy the app is.
    head_seq, head_hash, max_seq, _ = _chain_state(with_count=False)
    bound = max(head_seq or 0, max_seq or 0)
    key = vault().provider.secret("audit_chain")
    expected, prev_hash = start, GENESIS_HASH
    # yield_per streams (a server-side cursor on PostgreSQL), so millions of events need little memory.
    with session.execute(
        select(*_EVENTS.columns)
        .where(_EVENTS.c.seq >= start, _EVENTS.c.seq <= bound)
        .order_by(_EVENTS.c.seq)
        .execution_options(yield_per=VERIFY_BATCH)
    ) as rows:
        for row in rows:
            if expected == start > 1:
                prev_hash = bytes(row.prev_hash)  # resumed: the checkpoint's hash, checked below, covers it
            problem = _check(row, expected, prev_hash, key, mark)
            if problem:
                return Verification(expected - 1, None, *problem, checked_from=start)
            expected, prev_hash = row.seq + 1, bytes(row.hash)
    last = expected - 1

    if head_seq is None and last:
        return Verification(last, None, last, "the chain head is missing")
    head = Checkpoint(head_seq or 0, head_hash or GENESIS_HASH)
    problem = None
    if head.seq > last:
        problem = last + 1, f"missing: the chain head says the trail ends at event {head.seq}"
    elif head.seq < last:
        problem = head.seq + 1, f"after the chain head, which says the trail ends at event {head.seq}"
    elif not hmac.compare_digest(head.hash, prev_hash):
        problem = last, "the chain head's hash is not this event's hash"
    elif mark is not None and mark.seq > last:
        problem = last + 1, f"missing: the trail ends at event {last}, before the checkpoint at event {mark.seq}"
    elif mark is not None and mark.seq == 0 and mark.hash != GENESIS_HASH:
        problem = 0, "the checkpoint is not on this chain"
    if problem:
        return Verification(last, head, *problem, checked_from=start)
    return Verification(last, head, checked_from=start)


def _check(
    row: Row[Any], expected: int, prev_hash: bytes, key: bytes, mark: Checkpoint | None
) -> tuple[int, str] | None:
    """The first thing wrong with one event, given what came before it; None when it is sound."""
    if row.seq != expected:
        return expected, f"missing: the trail goes from event {expected - 1} to event {row.seq}"
    if not hmac.compare_digest(bytes(row.prev_hash), prev_hash):
        return row.seq, f"it does not follow event {row.seq - 1} (events removed or reordered)"
    if not hmac.compare_digest(event_hash(key, prev_hash, row._mapping), bytes(row.hash)):
        return row.seq, "edited: its fields do not match its hash"
    if mark is not None and mark.seq == row.seq and not hmac.compare_digest(mark.hash, bytes(row.hash)):
        return row.seq, "it is not the event of the checkpoint (the trail was rewritten from here or before)"
    return None


def _chain_state(*, with_count: bool) -> tuple[int | None, bytes | None, int | None, int]:
    """The head's seq and hash, the highest event seq and (optionally) the number of events, in one statement."""
    head = select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
    columns = [
        head.with_only_columns(AuditChainHead.last_seq).scalar_subquery(),
        head.with_only_columns(AuditChainHead.last_hash).scalar_subquery(),
        select(func.max(AuditEvent.seq)).scalar_subquery(),
    ]
    if with_count:
        columns.append(select(func.count()).select_from(AuditEvent).scalar_subquery())
    row = session.execute(select(*columns)).one()
    head_hash = None if row[1] is None else bytes(row[1])
    return row[0], head_hash, row[2], row[3] if with_count else 0


# Reading -------------------------------------------------------------------------------------------------------


def events_for_person(person_id: uuid.UUID, actions: Sequence[str] | None = None, limit: int = 50) -> list[AuditEvent]:
    """The newest events about a person (optionally only these actions), newest first: who looked at their plan."""
    query = select(AuditEvent).where(AuditEvent.person_id == person_id)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(actions))
    return list(session.scalars(query.order_by(AuditEvent.seq.desc()).limit(limit)))


def recent_events(*, by: Actor, limit: int = 50) -> list[AuditEvent]:
    """The newest events of the whole trail, newest first, for an auditor; looking at the trail is audited too."""
    record("audit_trail.viewed", by=by, grounds=Grounds.role(by.role))
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)))
