"""The audit chain: recording in the caller's transaction, tamper detection, concurrent appends, the CLI."""

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from safetyplan.audit import Checkpoint, Grounds, checkpoint, events_for_person, recent_events, record, verify
from safetyplan.audit.chain import canonical_encoding
from safetyplan.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from safetyplan.cli import cli
from safetyplan.db import database, session, transaction

PERSON = uuid.UUID("6a0f4a1e-59a4-4d8e-9d6b-0d6f3b1f2c11")
CLINICIAN = uuid.UUID("0c6a2f4e-7e0b-4d16-a1b2-9f3c5d7e8a90")
TEAM = uuid.UUID("5b1d0c3e-2f4a-4e6b-8c7d-1a2b3c4d5e6f")


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    role: str


def record_viewed(action="person.viewed", **fields):
    defaults = {"by": Actor(CLINICIAN, "clinician"), "grounds": Grounds.team(TEAM), "person_id": PERSON}
    record(action, **(defaults | fields))


def record_events(count, **fields):
    """``count`` events, each in its own transaction."""
    for _ in range(count):
        with transaction():
            record_viewed(**fields)


def stored_events():
    with transaction():
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def verified(mark=None):
    # In a transaction of its own: on SQLite an open transaction holds the write lock, which tampering needs.
    with transaction():
        return verify(mark)


def tamper(statement, **params):
    """Change the stored trail behind the app's back, as someone with database access could."""
    with database().engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        connection.execute(text(statement), params)
        if postgres:
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))


def audit_cli(app, *args):
    result = app.test_cli_runner().invoke(cli, ["audit", *args])
    return result.exit_code, result.output


# Recording -----------------------------------------------------------------------------------------------------


def test_record_stores_a_chained_event_when_the_transaction_commits(app):
    with app.app_context():
        with transaction():
            record_viewed(section="warning_signs")
        [event] = stored_events()
        assert (event.seq, event.action, event.outcome) == (1, "person.viewed", "allowed")
        assert event.section == "warning_signs"
        assert (event.actor_id, event.actor_role, event.person_id) == (CLINICIAN, "clinician", PERSON)
        assert event.occurred_at.tzinfo == UTC
        assert event.prev_hash == GENESIS_HASH and len(event.hash) == 32
        assert verified().ok


def test_events_of_several_transactions_chain_in_order(app):
    with app.app_context():
        with transaction():
            record_viewed()
            record_viewed(action="plan.viewed")
        record_events(3)
        events = stored_events()
        assert [event.seq for event in events] == [1, 2, 3, 4, 5]
        assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
        result = verified()
        assert (result.ok, result.events, result.head) == (True, 5, Checkpoint(5, events[-1].hash))
        assert str(result) == f"OK: 5 events, head 5 {events[-1].hash.hex()}"


def test_appending_one_event_costs_two_statements_on_postgresql(app):
    """Every audited request pays for each statement sent: on PostgreSQL the head moves in the insert's WITH."""
    from sqlalchemy import event as sqlalchemy_event

    with app.app_context():
        record_events(1)
        engine = database().engine
        sent = []

        def count(conn, cursor, statement, parameters, context, executemany):
            if "audit_" in statement:
                sent.append(statement)

        sqlalchemy_event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction():
                record_viewed(action="plan.viewed")
            one_event = list(sent)
            with transaction():
                record_viewed(action="plan.printed")
                record_viewed(action="plan.revised")
        finally:
            sqlalchemy_event.remove(engine, "before_cursor_execute", count)
        postgres = engine.dialect.name == "postgresql"
        assert len(one_event) == (2 if postgres else 3), one_event
        assert len(sent) == len(one_event) + 3, sent  # several events: lock, insert them all, move the head
        events = stored_events()
        assert [(event.seq, event.action) for event in events] == [
            (1, "person.viewed"),
            (2, "plan.viewed"),
            (3, "plan.printed"),
            (4, "plan.revised"),
        ]
        with transaction():
            head = session.get(AuditChainHead, 1)
            assert (head.last_seq, head.last_hash) == (4, events[-1].hash)
        assert verified().ok


def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(app):
    with app.app_context():
        record_events(1)
        with pytest.raises(RuntimeError), transaction():
            record_viewed(action="plan.viewed")
            raise RuntimeError("the service failed after recording")
        record_viewed(action="plan.printed")
        session.rollback()  # before the session ran any SQL: the event must not leak into the next transaction
        record_events(1, action="plan.revised")
        assert [(event.seq, event.action) for event in stored_events()] == [(1, "person.viewed"), (2, "plan.revised")]
        assert verified().ok


def test_an_event_recorded_in_a_rolled_back_savepoint_is_dropped(app):
    with app.app_context():
        with transaction():
            record_viewed()
            savepoint = session.begin_nested()
            record_viewed(action="plan.viewed")
            savepoint.rollback()
            with session.begin_nested():
                record_viewed(action="plan.printed")
        assert [event.action for event in stored_events()] == ["person.viewed", "plan.printed"]


def test_record_takes_the_request_id_inside_a_request(app):
    with app.test_request_context("/"):
        g.request_id = "3f2c" * 8
        with transaction():
            record_viewed()
        assert stored_events()[0].request_id == "3f2c" * 8


@pytest.mark.parametrize(
    "fields",
    [{"outcome": "maybe"}, {"by": Actor(CLINICIAN, "visitor")}, {"section": "s" * 65}],
)
def test_record_refuses_values_the_trail_does_not_know(app, fields):
    with app.app_context(), pytest.raises(ValueError), transaction():
        record_viewed(**fields)


def test_an_event_holds_ids_and_names_only(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(database().engine).get_columns("audit_events")}
    assert columns == {
        "seq", "occurred_at", "actor_id", "actor_role", "grounds", "action", "outcome", "person_id", "plan_id",
        "revision_id", "section", "team_id", "subject_user_id", "request_id", "prev_hash", "hash",
    }  # fmt: skip


def test_the_head_is_made_again_when_its_table_was_emptied(app):
    with app.app_context():
        with database().engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_chain_head"))
        record_events(2)
        assert [event.seq for event in stored_events()] == [1, 2]
        with transaction():
            head = session.get(AuditChainHead, 1)
            assert head is not None and head.last_seq == 2
        assert verified().ok


def test_canonical_encoding_is_sorted_compact_json_of_every_field():
    fields = dict.fromkeys(
        ["actor_role", "grounds", "outcome", "plan_id", "revision_id", "section", "team_id", "subject_user_id"]
    )
    fields |= {
        "seq": 7,
        "occurred_at": datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC),
        "actor_id": None,
        "action": "sign_in.failed",
        "person_id": PERSON,
        "request_id": "ab",
    }
    assert canonical_encoding(fields) == (
        b'{"action":"sign_in.failed","actor_id":null,"actor_role":null,"grounds":null,'
        b'"occurred_at":"2026-11-22T03:04:05.000000Z","outcome":null,'
        b'"person_id":"6a0f4a1e-59a4-4d8e-9d6b-0d6f3b1f2c11","plan_id":null,"request_id":"ab",'
        b'"revision_id":null,"section":null,"seq":7,"subject_user_id":null,"team_id":null}'
    )


# Tamper detection ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "person.created"), ("person_id", uuid.uuid4().hex), ("outcome", "denied")],
)
def test_verify_names_an_edited_event(app, column, value):
    with app.app_context():
        record_events(5)
        tamper(f"UPDATE audit_events SET {column} = :value WHERE seq = 3", value=value)
        result = verified()
        assert (result.ok, result.broken_at, result.reason) == (False, 3, "edited: its fields do not match its hash")


def test_verify_names_a_deleted_event(app):
    with app.app_context():
        record_events(5)
        tamper("DELETE FROM audit_events WHERE seq = 3")
        assert str(verified()) == "BROKEN at event 3: missing: the trail goes from event 2 to event 4"


def test_verify_names_reordered_events(app):
    with app.app_context():
        with transaction():
            record_viewed(action="plan.viewed")
            record_viewed(action="plan.printed")
            record_viewed(action="plan.revised")
        # Swapping the seq of events 2 and 3 swaps every other field: as if recorded the other way round.
        tamper("UPDATE audit_events SET seq = 1000 WHERE seq = 2")
        tamper("UPDATE audit_events SET seq = 2 WHERE seq = 3")
        tamper("UPDATE audit_events SET seq = 3 WHERE seq = 1000")
        assert [event.action for event in stored_events()] == ["plan.viewed", "plan.revised", "plan.printed"]
        assert str(verified()) == "BROKEN at event 2: it does not follow event 1 (events removed or reordered)"


def test_verify_names_a_changed_head(app):
    with app.app_context():
        record_events(3)
        tamper("UPDATE audit_chain_head SET last_hash = :forged", forged=b"\x01" * 32)
        assert str(verified()) == "BROKEN at event 3: the chain head's hash is not this event's hash"
        tamper("UPDATE audit_chain_head SET last_seq = 2")
        assert str(verified()) == "BROKEN at event 3: after the chain head, which says the trail ends at event 2"
        tamper("DELETE FROM audit_chain_head")
        assert str(verified()) == "BROKEN at event 3: the chain head is missing"


def test_verify_names_removed_last_events_while_the_head_remembers_them(app):
    with app.app_context():
        record_events(5)
        tamper("DELETE FROM audit_events WHERE seq > 3")
        assert str(verified()) == "BROKEN at event 4: missing: the chain head says the trail ends at event 5"


def test_a_checkpoint_reveals_truncation_with_a_rewound_head(app):
    with app.app_context():
        record_events(5)
        with transaction():
            mark, count = checkpoint()
        assert (mark.seq, count) == (5, 5)
        truncate_to(3)
        assert verified().ok  # without a checkpoint, a shorter trail with a matching head looks intact
        assert str(verified(mark)) == (
            "BROKEN at event 4: missing: the trail ends at event 3, before the checkpoint at event 5"
        )
        record_events(3)  # the trail grows past the checkpoint again, but with other events
        assert str(verified(str(mark))) == (
            "BROKEN at event 5: it is not the event of the checkpoint (the trail was rewritten from here or before)"
        )


def test_an_intact_trail_passes_its_earlier_checkpoint(app):
    with app.app_context():
        record_events(3)
        with transaction():
            mark, _ = checkpoint()
        record_events(2)
        result = verified(mark)
        assert (result.ok, result.events) == (True, 5)


def test_a_walk_resumed_from_a_checkpoint_checks_what_came_after_it_and_only_that(app):
    """Resuming is for frequent checks: what follows the checkpoint is checked as fully as by a whole walk, and an
    edit before it is left to the whole walk, which still finds it."""
    with app.app_context():
        record_events(4)
        with transaction():
            mark, _ = checkpoint()
        record_events(3)
        with transaction():
            resumed = verify(mark, resume=True)
        assert (resumed.ok, resumed.events, resumed.checked_from) == (True, 7, 4)
        assert str(resumed).endswith("(checked from event 4, the checkpoint's)")
        tamper("UPDATE audit_events SET outcome = 'denied' WHERE seq = 2")
        with transaction():
            assert verify(mark, resume=True).ok  # before the checkpoint: not looked at
        assert verified().broken_at == 2  # the whole walk finds it
        tamper("UPDATE audit_events SET outcome = 'allowed' WHERE seq = 2")
        tamper("UPDATE audit_events SET outcome = 'denied' WHERE seq = 6")
        with transaction():
            after = verify(mark, resume=True)
        assert (after.ok, after.broken_at) == (False, 6)
        tamper("UPDATE audit_events SET outcome = 'allowed' WHERE seq = 6")
        tamper("UPDATE audit_events SET outcome = 'denied' WHERE seq = 4")
        with transaction():
            at = verify(mark, resume=True)
        assert (at.ok, at.broken_at, at.reason) == (False, 4, "edited: its fields do not match its hash")


def test_audit_verify_resumes_from_the_newest_checkpoint_only_when_asked_and_one_is_kept(make_app, tmp_path):
    kept = tmp_path / "checkpoints"
    app = make_app(audit_checkpoints=kept)
    code, output = audit_cli(app, "verify", "--resume")
    assert code == 1 and "--resume needs a checkpoint" in output
    with app.app_context():
        record_events(3)
    assert audit_cli(app, "checkpoint", "--to", str(kept))[0] == 0
    with app.app_context():
        record_events(2)
    code, output = audit_cli(app, "verify", "--resume")
    assert code == 0 and output.splitlines()[-1].endswith("(checked from event 3, the checkpoint's)"), output


def truncate_to(seq):
    with transaction():
        last_hash = session.scalars(select(AuditEvent.hash).where(AuditEvent.seq == seq)).one()
    tamper("DELETE FROM audit_events WHERE seq > :seq", seq=seq)
    tamper("UPDATE audit_chain_head SET last_seq = :seq, last_hash = :hash", seq=seq, hash=last_hash)


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_changing_or_deleting_events_is_refused_on_postgresql_and_detected_on_sqlite(app, statement):
    with app.app_context():
        record_events(2)
        if database().engine.dialect.name == "postgresql":
            with (
                pytest.raises(DBAPIError, match="audit events are append-only"),
                database().engine.begin() as connection,
            ):
                connection.execute(text(statement))
            assert len(stored_events()) == 2
            assert verified().ok
        else:  # SQLite has no trigger: the keyed chain is what shows the change
            with database().engine.begin() as connection:
                connection.execute(text(statement))
            assert not verified().ok


# Concurrency ---------------------------------------------------------------------------------------------------


def test_concurrent_transactions_append_without_gaps(app):
    threads, per_thread = 4, 25
    actions = ["plan.viewed", "plan.printed", "person.viewed", "plan.compared"]  # one for each thread
    start = threading.Barrier(threads)
    failures = []

    def work(number):
        try:
            with app.app_context():
                start.wait()
                for _ in range(per_thread):
                    with transaction():
                        record_viewed(action=actions[number])
        except Exception as error:  # noqa: BLE001 (reported below, with the thread's failure)
            failures.append(error)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    with app.app_context():
        events = stored_events()
        assert [event.seq for event in events] == list(range(1, threads * per_thread + 1))
        assert {event.action for event in events} == set(actions)
        result = verified()
        assert (result.ok, result.events) == (True, threads * per_thread)


# Reading -------------------------------------------------------------------------------------------------------


def test_events_for_person_are_the_newest_first(app):
    other = uuid.uuid4()
    with app.app_context():
        with transaction():
            record_viewed(action="person.viewed")
            record_viewed(action="plan.viewed")
            record_viewed(person_id=other)
            record_viewed(action="plan.printed")
        with transaction():
            assert [event.action for event in events_for_person(PERSON)] == [
                "plan.printed",
                "plan.viewed",
                "person.viewed",
            ]
            viewed = events_for_person(PERSON, actions=["person.viewed", "plan.viewed"])
            assert [event.seq for event in viewed] == [2, 1]
            assert [event.seq for event in events_for_person(PERSON, limit=1)] == [4]


def test_recent_events_are_the_newest_first_and_the_look_is_recorded(app):
    auditor = SimpleNamespace(id=uuid.uuid4(), role="auditor")
    with app.app_context():
        record_events(3)
        with transaction():
            assert [event.seq for event in recent_events(by=auditor, limit=2)] == [3, 2]
        [looked] = [event for event in stored_events() if event.action == "audit_trail.viewed"]
        assert (looked.seq, looked.actor_id, looked.grounds) == (4, auditor.id, "role:auditor")


# The command line ----------------------------------------------------------------------------------------------


def test_audit_verify_prints_ok_and_exits_0(app):
    with app.app_context():
        record_events(2)
        head = stored_events()[-1].hash.hex()
    assert audit_cli(app, "verify") == (0, f"OK: 2 events, head 2 {head}\n")


def test_audit_verify_on_an_empty_trail(app):
    with app.app_context(), database().engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_chain_head"))
    assert audit_cli(app, "verify") == (0, f"OK: 0 events, head 0 {GENESIS_HASH.hex()}\n")


def test_audit_verify_prints_the_broken_event_and_exits_1(app):
    with app.app_context():
        record_events(3)
        tamper("UPDATE audit_events SET grounds = 'self' WHERE seq = 2")
    assert audit_cli(app, "verify") == (1, "BROKEN at event 2: edited: its fields do not match its hash\n")


def test_audit_checkpoint_then_verify_with_it(app):
    with app.app_context():
        record_events(4)
        head = stored_events()[-1].hash.hex()
    code, output = audit_cli(app, "checkpoint")
    assert (code, output) == (0, f"4:{head}\n4 events\n")
    mark = output.splitlines()[0]

    with app.app_context():
        record_events(1)
    assert audit_cli(app, "verify", "--checkpoint", mark)[0] == 0

    with app.app_context():
        truncate_to(3)
    assert audit_cli(app, "verify", "--checkpoint", mark) == (
        1,
        "BROKEN at event 4: missing: the trail ends at event 3, before the checkpoint at event 4\n",
    )


def test_audit_verify_refuses_a_malformed_checkpoint(app):
    code, output = audit_cli(app, "verify", "--checkpoint", "4:abc")
    assert code == 2
    assert "a checkpoint is SEQ:HASH, with a 64-digit hexadecimal hash" in output


def test_an_action_without_a_plain_english_label_is_refused(app):
    """So that no reader of the trail ever meets a raw code."""
    with app.app_context(), pytest.raises(ValueError, match="plain-English label"):
        record("plan.frobnicated", by=None, grounds=Grounds.NONE)


def test_checkpoints_kept_as_files_and_verify_checks_the_newest_by_default(make_app, tmp_path):
    import stat

    kept = tmp_path / "checkpoints"
    app = make_app(audit_checkpoints=kept)
    with app.app_context():
        record_events(3)
    code, output = audit_cli(app, "verify")
    assert code == 0 and output.startswith(f"No checkpoint was found in {kept}: events removed from the end"), output
    code, output = audit_cli(app, "checkpoint", "--to", str(kept))
    assert code == 0 and output.splitlines()[-1] == f"Kept in {kept / 'checkpoint-000000000003.txt'}"
    with app.app_context():
        record_events(2)
    assert audit_cli(app, "checkpoint", "--to", str(kept))[0] == 0
    [newest] = [p for p in kept.iterdir() if p.name.endswith("05.txt")]
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    code, output = audit_cli(app, "verify")
    assert code == 0 and output.startswith(f"Checked against the checkpoint at event 5 ({newest}).\nOK: 5 events")
    # Events removed from the end, with the head rewound: only the newest checkpoint can tell.
    with app.app_context():
        truncate_to(4)
    code, output = audit_cli(app, "verify")
    assert code == 1 and "before the checkpoint at event 5" in output
    (kept / "checkpoint-000000000009.txt").write_text("not a checkpoint\n")
    code, output = audit_cli(app, "verify")
    assert code == 1 and "is not a checkpoint" in output
