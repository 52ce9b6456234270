"""In-process page benchmark (not a test): what each page costs in CPU time in one process, and the targets of
docs/performance.md as ratios within the same run. Exits 1 when a target is missed.

    .venv/bin/python bench/pages.py [--people 300] [--revisions-each 10] [--history 200] [--batches 7]
                                    [--database-url URL] [--count-messages] [--wall] [--profile ENDPOINT]
                                    [--calls]

Generates the data set as bench/load.py does (and gives one person ``--history`` revisions), signs in through
Flask's test client as the clinician of a 300-person team, and measures, in batches that take turns (each endpoint
reported by its median batch): the bare endpoint, the floor under every signed-in page (bench/floor_app.py), a plan
page, the caseload, the history of a plan with 200 revisions, and a plan save. The measure is the process's CPU
time (``time.process_time``): on a shared machine the clock moves with the neighbours, CPU time much less. On
PostgreSQL it is this process's share only, not the server's (``--wall`` measures the clock instead).

With --calls it prints instead the Python function calls each page makes: not a time, but a count that noise on a
shared machine does not move, for telling whether a change cut work when the timings cannot (it does not see work
done in C, such as SQLite's or a hash's).

With --count-messages it also counts the messages each page sends to PostgreSQL (it then runs psycopg's
pure-Python libpq wrapper, PSYCOPG_IMPL=python, whose calls can be counted; the timings are then slower).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Each target: what is measured, what it is measured against, and at most how many times as costly it may be.
TARGETS = (
    ("floor: signed in", "bare /livez", 2.0),
    ("floor: + audited read", "bare /livez", 3.0),
    ("plan page", "floor: + audited read", 2.0),
    ("caseload (300 people)", "plan page", 2.0),
    ("history (200 revisions)", "plan page", 2.0),
    ("plan save", "plan page", 3.0),
)


def count_messages() -> Callable[[], int]:
    """Count what psycopg sends to the server (each query, prepare and transaction command); returns a reader that
    gives the count since it was last read."""
    os.environ["PSYCOPG_IMPL"] = "python"
    import psycopg

    if psycopg.pq.__impl__ != "python":
        raise SystemExit("--count-messages needs psycopg's Python implementation (set PSYCOPG_IMPL=python first)")
    sent = [0]
    for name in ("send_query", "send_query_params", "send_query_prepared", "send_prepare", "exec_", "exec_params"):
        original = getattr(psycopg.pq.PGconn, name)

        def counted(
            self: object, *args: object, _original: Callable[..., object] = original, **kwargs: object
        ) -> object:
            sent[0] += 1
            return _original(self, *args, **kwargs)

        setattr(psycopg.pq.PGconn, name, counted)

    def read() -> int:
        count, sent[0] = sent[0], 0
        return count

    return read


def give_history(app: Any, email: str, person_id: str, total: int) -> None:
    """Give one person ``total`` revisions in all, through the service every save uses."""
    import uuid
    from datetime import date, timedelta

    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.db import transaction
    from safetyplan.demo import ALEX_FIRST
    from safetyplan.plans import revisions, unchecked
    from safetyplan.plans.revisions import RevisionInput

    person = uuid.UUID(person_id)
    with app.app_context():
        clinician = find_user_by_email(email)
        assert clinician is not None
        while (number := unchecked.current_number(person)) < total:
            with transaction():
                revisions.save_revision(
                    by=clinician,
                    person_id=person,
                    base_number=number,
                    revision=RevisionInput(
                        content={**ALEX_FIRST, "reasons": {"items": [f"Reason of revision {number + 1}"]}},
                        reason="scheduled_review",
                        person_took_part=True,
                        person_agrees=True,
                        next_review_on=date.today() + timedelta(days=28),
                    ),
                )


def profile(endpoint: tuple[Any, int, int], client: Any, clock: Callable[[], float]) -> None:
    """Run one endpoint under cProfile, timed by ``clock`` as the batches are, and print the functions that cost
    most: by what they and what they call cost, then by their own time."""
    import cProfile
    import pstats

    path, count, _expected = endpoint
    run = path if callable(path) else (lambda: client.get(path))
    run()
    profiler = cProfile.Profile(clock)
    profiler.enable()
    for _ in range(count * 5):
        run()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    profiler.dump_stats(ROOT / "bench" / "last.prof")  # for pstats: who calls what (print_callers)
    print(f"Kept in {ROOT / 'bench' / 'last.prof'}")


def python_calls(run: Callable[[], object], count: int) -> float:
    """The Python and C functions called, per run, over ``count`` runs of ``run``."""
    calls = [0]

    def counted(_frame: object, event: str, _arg: object) -> None:
        if event in ("call", "c_call"):
            calls[0] += 1

    sys.setprofile(counted)
    try:
        for _ in range(count):
            run()
    finally:
        sys.setprofile(None)
    return calls[0] / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--revisions-each", type=int, default=10)
    parser.add_argument("--history", type=int, default=200, help="revisions of the plan whose history is shown")
    parser.add_argument("--batches", type=int, default=7, help="each endpoint's time is its median batch")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--count-messages", action="store_true", help="PostgreSQL only: messages sent per page")
    parser.add_argument("--wall", action="store_true", help="measure the clock rather than this process's CPU time")
    parser.add_argument("--profile", metavar="ENDPOINT", help="print where one endpoint's time goes (cProfile)")
    parser.add_argument("--calls", action="store_true", help="print the function calls each page makes, not times")
    args = parser.parse_args()
    messages = count_messages() if args.count_messages else None
    clock = time.perf_counter if args.wall else time.process_time

    import pyotp

    from bench.floor_app import create_app
    from bench.load import generate
    from safetyplan.demo import DEMO_PASSWORD

    instance = Path(tempfile.mkdtemp(prefix="safetyplan-pages-"))
    try:
        database_url = args.database_url or f"sqlite:///{instance / 'load.db'}"
        email, secret = generate(instance, database_url, args.people, args.revisions_each)
        os.environ.update(SAFETYPLAN_INSTANCE_PATH=str(instance), SAFETYPLAN_DATABASE_URL=database_url)
        app = create_app()
        client = app.test_client()

        def form(path: str) -> dict[str, str]:
            page = client.get(path).text
            fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}  # type: ignore[union-attr]
            base = re.search(r'name="base_number" type="hidden" value="(\d+)"', page)
            return fields | ({"base_number": base.group(1)} if base else {})

        client.post("/sign-in", data={**form("/sign-in"), "email": email, "password": DEMO_PASSWORD})
        client.post("/sign-in/code", data={**form("/sign-in/code"), "code": pyotp.TOTP(secret).now()})
        people = re.findall(r'href="/people/([0-9a-f-]{36})"', client.get("/caseload").text)
        if len(people) < 2:
            raise SystemExit("could not sign in as the load clinician")
        long_history, saved = people[0], people[1]
        give_history(app, email, long_history, args.history)
        review = time.localtime(time.time() + 30 * 86400)

        def save() -> int:
            # Only the save is measured: the editor page it is sent from is fetched before the clock starts.
            fields = form(f"/people/{saved}/plan/edit")
            data = {
                **fields,
                "reason": "scheduled_review",
                "person_took_part": "y",
                "person_agrees": "yes",
                "on_my_own": f"Saved at {time.time()}",
                "next_review_on[day]": str(review.tm_mday),
                "next_review_on[month]": str(review.tm_mon),
                "next_review_on[year]": str(review.tm_year),
            }
            started = clock()
            status = client.post(f"/people/{saved}/plan/edit", data=data).status_code
            measured[0] += clock() - started
            return status

        measured = [0.0]
        endpoints: dict[str, tuple[str | Callable[[], int], int, int]] = {
            "bare /livez": ("/livez", 200, 200),
            "floor: signed in": ("/bench/signed-in", 100, 200),
            "floor: + audited read": ("/bench/audited", 100, 200),
            "floor: + empty page": ("/bench/page", 50, 200),
            "plan page": (f"/people/{saved}/plan", 30, 200),
            "caseload (300 people)": ("/caseload", 10, 200),
            "history (200 revisions)": (f"/people/{long_history}/plan/history", 10, 200),
            "plan save": (save, 10, 302),
        }
        if args.profile:
            profile(endpoints[args.profile], client, clock)
            return
        if args.calls:
            print(f"\n{'endpoint':<26}{'calls per request':>20}")
            for name, (path, count, _expected) in endpoints.items():
                if isinstance(path, str):
                    client.get(path)
                    print(f"{name:<26}{python_calls(lambda path=path: client.get(path), count):>20.0f}")
            return
        batches: dict[str, list[float]] = {name: [] for name in endpoints}
        for _ in range(args.batches):
            for name, (path, count, expected) in endpoints.items():
                if callable(path):
                    path()  # warm
                    measured[0] = 0.0
                    for _ in range(count):
                        if path() != expected:
                            raise SystemExit(f"{name} did not answer {expected}")
                    batches[name].append(measured[0] / count * 1000)
                    continue
                client.get(path)
                started = clock()
                for _ in range(count):
                    if client.get(path).status_code != expected:
                        raise SystemExit(f"{path} did not answer {expected}")
                batches[name].append((clock() - started) / count * 1000)
        sent: dict[str, int] = {}
        if messages is not None:
            for name, (path, _count, _expected) in endpoints.items():
                if callable(path):
                    continue
                client.get(path)
                time.sleep(0.05)
                messages()
                client.get(path)
                sent[name] = messages()
    finally:
        shutil.rmtree(instance, ignore_errors=True)

    unit = "wall ms" if args.wall else "CPU ms"
    print(f"\n{'endpoint':<26}{unit + ' (median batch)':>22}{'x bare':>9}" + (f"{'messages':>10}" if sent else ""))
    for name, times in batches.items():
        ratio = statistics.median(t / bare for t, bare in zip(times, batches["bare /livez"], strict=True))
        line = f"{name:<26}{statistics.median(times):>22.2f}{ratio:>9.1f}"
        print(line + (f"{sent.get(name, ''):>10}" if sent else ""))
    print("\nTargets (the median of each batch's ratio):")
    missed = 0
    for measured_name, against, limit in TARGETS:
        ratios = [m / a for m, a in zip(batches[measured_name], batches[against], strict=True)]
        ratio = statistics.median(ratios)
        verdict = "met" if ratio <= limit else "MISSED"
        missed += ratio > limit
        print(f"  {measured_name} / {against}: {ratio:.2f} (at most {limit:g}) {verdict}")
    if missed:
        raise SystemExit(f"{missed} of {len(TARGETS)} targets missed")


if __name__ == "__main__":
    main()
