"""Audit trail benchmark (not a test): how fast ``safetyplan audit verify`` walks the chain, and how fast events can
be appended for a data set of millions.

    .venv/bin/python bench/audit.py [--events 200000] [--database-url URL]

Appends ``--events`` events in batches through the same code every audited request uses (``audit.services.buffer``
and the chain's before-commit hook: one HMAC per event, the head moved once per batch), then verifies the whole
chain, and then again resumed from a checkpoint kept at nine tenths of the way (``audit verify --resume``). Prints
events a second for each, in CPU time of this process (``time.process_time``) and on the clock. Issue 18's target:
at least 100,000 events a second verified; exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Events appended per transaction while generating.
BATCH = 5_000
TARGET_PER_SECOND = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    args = parser.parse_args()

    from safetyplan import create_app, schema
    from safetyplan.audit import Grounds
    from safetyplan.audit.services import buffer, checkpoint, event_fields, verify
    from safetyplan.config import Settings
    from safetyplan.crypto.keyring import create_keyring_file
    from safetyplan.db import session

    instance = Path(tempfile.mkdtemp(prefix="safetyplan-audit-"))
    try:
        database_url = args.database_url or f"sqlite:///{instance / 'audit.db'}"
        create_keyring_file(instance / "keyring.json")
        os.environ.update(SAFETYPLAN_INSTANCE_PATH=str(instance), SAFETYPLAN_DATABASE_URL=database_url)
        app = create_app(Settings.from_env())
        with app.app_context():
            schema.upgrade()
            people = [uuid.uuid4() for _ in range(1_000)]
            kept = None
            started, cpu = time.perf_counter(), time.process_time()
            for first in range(0, args.events, BATCH):
                events = []
                for number in range(first, min(first + BATCH, args.events)):
                    fields = event_fields("plan.viewed", by=None, grounds=Grounds.NONE, person_id=people[number % 1000])
                    events.append(fields)
                buffer(session, events)
                session.commit()
                if kept is None and first + BATCH >= args.events * 9 // 10:
                    kept = checkpoint()[0]
            report("appended", args.events, time.process_time() - cpu, time.perf_counter() - started)

            started, cpu = time.perf_counter(), time.process_time()
            result = verify()
            seconds, wall = time.process_time() - cpu, time.perf_counter() - started
            if not result.ok:
                raise SystemExit(f"the chain did not verify: {result}")
            per_second = report("verified", args.events, seconds, wall)
            assert kept is not None
            started, cpu = time.perf_counter(), time.process_time()
            resumed = verify(kept, resume=True)
            seconds, wall = time.process_time() - cpu, time.perf_counter() - started
            if not resumed.ok:
                raise SystemExit(f"the chain did not verify from the checkpoint: {resumed}")
            report(f"verified from the checkpoint at event {kept.seq:,}", args.events - kept.seq + 1, seconds, wall)
            print(f"  the whole walk took {args.events / per_second:.2f} s of CPU, the resumed one {seconds:.2f} s")

    finally:
        shutil.rmtree(instance, ignore_errors=True)
    if per_second < TARGET_PER_SECOND:
        raise SystemExit(f"verified {per_second:,.0f} events a second: the target is {TARGET_PER_SECOND:,}")


def report(what: str, events: int, cpu: float, wall: float) -> float:
    per_second = events / cpu if cpu else float("inf")
    print(f"{what}: {events:,} events, {per_second:,.0f} a second of CPU ({events / wall:,.0f} a second by the clock)")
    return per_second


if __name__ == "__main__":
    main()
