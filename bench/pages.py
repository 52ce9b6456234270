"""In-process page benchmark (not a test): the cost of each page in one process, with no network and no wrk.

    .venv/bin/python bench/pages.py [--people 300] [--revisions-each 10] [--batches 7] [--database-url URL]

Generates the data set as bench/load.py does, signs in through Flask's test client as the clinician of a
300-person team, and times, in batches that take turns (each endpoint reported by its median batch): the bare
endpoint, the floor under every signed-in page (bench/floor_app.py), a plan page and the caseload page. On a
shared machine a load test's figures move with the neighbours from one run to the next; these move less, because
every endpoint runs on the same process, minutes apart at most, and the ratios are taken within each batch.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--revisions-each", type=int, default=10)
    parser.add_argument("--batches", type=int, default=7, help="each endpoint's time is its median batch")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--count-messages", action="store_true", help="PostgreSQL only: messages sent per page")
    args = parser.parse_args()
    messages = count_messages() if args.count_messages else None

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

        def token(path: str) -> str:
            return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]

        client.post("/sign-in", data={"csrf_token": token("/sign-in"), "email": email, "password": DEMO_PASSWORD})
        client.post("/sign-in/code", data={"csrf_token": token("/sign-in/code"), "code": pyotp.TOTP(secret).now()})
        person = re.search(r'href="/people/([0-9a-f-]{36})"', client.get("/caseload").text)
        if person is None:
            raise SystemExit("could not sign in as the load clinician")
        endpoints = {
            "bare /livez": ("/livez", 200),
            "floor: signed in": ("/bench/signed-in", 100),
            "floor: + audited read": ("/bench/audited", 100),
            "floor: + empty page": ("/bench/page", 50),
            "plan page": (f"/people/{person.group(1)}/plan", 30),
            "caseload (300 people)": ("/caseload", 10),
        }
        batches: dict[str, list[float]] = {name: [] for name in endpoints}
        for _ in range(args.batches):
            for name, (path, count) in endpoints.items():
                client.get(path)
                started = time.perf_counter()
                for _ in range(count):
                    if client.get(path).status_code != 200:
                        raise SystemExit(f"{path} did not answer 200")
                batches[name].append((time.perf_counter() - started) / count * 1000)
        sent: dict[str, int] = {}
        if messages is not None:
            for name, (path, _count) in endpoints.items():
                client.get(path)
                time.sleep(0.05)
                messages()
                client.get(path)
                sent[name] = messages()
    finally:
        shutil.rmtree(instance, ignore_errors=True)

    # A page's share of the bare endpoint's throughput, on one core, is the bare endpoint's time over the page's.
    print(f"\n{'endpoint':<26}{'ms (median batch)':>19}{'share of bare':>15}" + (f"{'messages':>10}" if sent else ""))
    for name, times in batches.items():
        shares = [bare / time_ for time_, bare in zip(times, batches["bare /livez"], strict=True)]
        line = f"{name:<26}{statistics.median(times):>19.2f}{statistics.median(shares):>15.1%}"
        print(line + (f"{sent[name]:>10}" if sent else ""))
    plan, caseload = batches["plan page"], batches["caseload (300 people)"]
    ratio = statistics.median(c / p for c, p in zip(caseload, plan, strict=True))
    print(f"\ncaseload time / plan page time: {ratio:.2f} (target < 2)")


if __name__ == "__main__":
    main()
