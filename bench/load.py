"""Load benchmark (not a test): gunicorn on loopback, a generated data set, wrk against seven endpoints.

    .venv/bin/python bench/load.py [--people 10000] [--revisions-each 10] [--seconds 10] [--rounds 3]
        [--database-url URL]

Measures, on one server, taking turns for --rounds rounds (each endpoint reported by its median round): the bare
endpoint (/livez: no database, the same middleware), a plan page, the caseload page of a 300-person team, and a
plan save (each request a new revision of one of the clinician's 300 people); and the floor under every signed-in page
(bench/floor_app.py: signed in and nothing else; signed in with one audited read; and the empty site page as well).
Prints throughput and latency (p50, p95, p99) for each, and the ratios the targets are about:
plan page throughput >= 30% of the bare endpoint's; plan page p95 < 100 ms at 16 connections; caseload page time
< 2x a plan page's. Needs wrk (apt-get install wrk). Every request goes to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""

# Each wrk thread saves revisions of its own share of the people, in turn, each from the revision it saved last.
SAVE_LUA = """
local people = {}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
init = function(args)
  local index = 0
  for line in io.lines(args[1]) do
    index = index + 1
    local person, base = line:match("(%S+) (%d+)")
    if index % tonumber(args[2]) == id % tonumber(args[2]) then
      table.insert(people, {person = person, base = tonumber(base)})
    end
  end
  position = 0
end
request = function()
  position = position % #people + 1
  local entry = people[position]
  local body = BODY:gsub("BASE", tostring(entry.base)):gsub("ROUND", tostring(entry.base))
  entry.base = entry.base + 1
  return wrk.format("POST", "/people/" .. entry.person .. "/plan/edit", nil, body)
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def generate(instance: Path, database_url: str, people: int, revisions_each: int) -> tuple[str, str]:
    """Make the keyring, the schema and the data set; returns the first load team's clinician (email, secret)."""
    from sqlalchemy import text

    from safetyplan import create_app, schema
    from safetyplan.config import Settings
    from safetyplan.crypto.keyring import create_keyring_file
    from safetyplan.demo import seed_load

    create_keyring_file(instance / "keyring.json")
    settings = Settings.from_env({"SAFETYPLAN_INSTANCE_PATH": str(instance), "SAFETYPLAN_DATABASE_URL": database_url})
    app = create_app(settings)
    with app.app_context():
        schema.upgrade()
        started = time.perf_counter()
        clinicians = seed_load(people, revisions_each)
        print(
            f"Generated {people:,} people x {revisions_each} revisions in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        # Fresh tables have no planner statistics; a database in use has them (autovacuum, or SQLite's optimize).
        # Without them the caseload's join is planned blind, and the run measures that rather than the page.
        from safetyplan.db import session

        session.execute(text("ANALYZE"))
        session.commit()
    return clinicians[0]


class Browser:
    """Just enough of a browser to sign in and read pages (cookies, CSRF tokens)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str], token_from: str | None = None) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get(token_from or path)).group(1)  # type: ignore[union-attr]
        body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.read().decode()

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def sign_in(browser: Browser, email: str, secret: str) -> None:
    import pyotp

    from safetyplan.demo import DEMO_PASSWORD

    browser.post("/sign-in", {"email": email, "password": DEMO_PASSWORD})
    page = browser.post("/sign-in/code", {"code": pyotp.TOTP(secret).now()})
    if "Caseload" not in page:
        raise SystemExit("could not sign in as the load clinician")


def wrk(url: str, seconds: int, cookie: str, script: str, *extra: str, connections: int = 16) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + REPORT_LUA)
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-H",
        f"Cookie: {cookie}",
        "-s",
        lua.name,
        url,
        *(["--", *extra] if extra else []),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False).stdout
    os.unlink(lua.name)
    found = re.search(r"RESULT (\{.*\})", output)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{output}")
    result = json.loads(found.group(1))
    result["rps"] = result["requests"] / result["seconds"]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["refused"] = int(non_2xx.group(1)) if non_2xx else 0
    return result


def median_round(runs: list[dict[str, float]]) -> dict[str, float]:
    """The round with the median throughput, whole: its latencies belong with its throughput."""
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--revisions-each", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="each endpoint's figures are its median round")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    instance = Path(tempfile.mkdtemp(prefix="safetyplan-load-"))
    database_url = args.database_url or f"sqlite:///{instance / 'load.db'}"
    email, secret = generate(instance, database_url, args.people, args.revisions_each)

    port = free_port()
    env = {**os.environ, "SAFETYPLAN_INSTANCE_PATH": str(instance), "SAFETYPLAN_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.floor_app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/livez", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        browser = Browser(base)
        sign_in(browser, email, secret)
        caseload = browser.get("/caseload")
        person_ids = re.findall(r'href="/people/([0-9a-f-]{36})"', caseload)
        print(f"Signed in as {email}: {len(person_ids)} people on the caseload", flush=True)

        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/caseload")).group(1)  # type: ignore[union-attr]
        review = date.today() + timedelta(days=30)
        body = urllib.parse.urlencode(
            {
                "csrf_token": token,
                "base_number": "BASE",
                "reason": "scheduled_review",
                "person_took_part": "y",
                "person_agrees": "yes",
                "reasons": "Saved by the load test, round ROUND",
                "next_review_on[day]": review.day,
                "next_review_on[month]": review.month,
                "next_review_on[year]": review.year,
            }
        )
        # Each round saves to its own share of the people, each from the revision it was generated with.
        people_files = []
        for number in range(args.rounds):
            people_files.append(instance / f"people-{number}.txt")
            share = person_ids[number :: args.rounds]
            people_files[-1].write_text("".join(f"{person} {args.revisions_each}\n" for person in share))
        save_script = f'BODY = "{body}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' + SAVE_LUA
        # The endpoints take turns, round after round, and each is reported by its median round: on a shared
        # machine one 10-second run can be twice as fast or slow as the next, and a ratio of two single runs
        # would measure the neighbours as much as the pages.
        endpoints = {
            "bare /livez": (base + "/livez", ""),
            "plan page": (base + f"/people/{person_ids[0]}/plan", ""),
            "caseload (300 people)": (base + "/caseload", ""),
            "plan save": (base + "/", save_script),
            "floor: signed in": (base + "/bench/signed-in", ""),
            "floor: + audited read": (base + "/bench/audited", ""),
            "floor: + empty page": (base + "/bench/page", ""),
        }
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
        for number in range(args.rounds):
            for name, (url, script) in endpoints.items():
                extra = (str(people_files[number]), "2") if script else ()
                rounds[name].append(wrk(url, args.seconds, browser.cookie(), script, *extra))
            print(
                f"round {number + 1} of {args.rounds}: "
                + ", ".join(f"{name} {r[-1]['rps']:.0f} req/s" for name, r in rounds.items()),
                flush=True,
            )
        results = {name: median_round(runs) for name, runs in rounds.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)

    plan = results["plan page"]
    print(f"\n{'endpoint':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'refused':>9}")
    for name, r in results.items():
        print(f"{name:<26}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['refused']:>9}")

    # Ratios are taken within each round, where the endpoints ran minutes apart rather than across the whole run,
    # and reported by their median: on a shared machine the neighbours change from one round to the next.
    def ratio(numerator: str, denominator: str) -> str:
        each = [top["rps"] / bottom["rps"] for top, bottom in zip(rounds[numerator], rounds[denominator], strict=True)]
        return f"{sorted(each)[len(each) // 2]:.2f} (round by round: {', '.join(f'{value:.2f}' for value in each)})"

    print(
        f"\nplan page throughput / bare: {ratio('plan page', 'bare /livez')} (target >= 0.30)\n"
        f"plan page p95: {plan['p95_ms']:.1f} ms (target < 100 ms at 16 connections)\n"
        f"caseload time / plan page time: {ratio('plan page', 'caseload (300 people)')} (target < 2)\n"
        "The floor under every signed-in page, as a share of the bare endpoint's throughput:\n"
        + "".join(f"  {name[7:]}: {ratio(name, 'bare /livez')}\n" for name in results if name.startswith("floor: "))
        + f"plan page throughput / the floor with one audited read: {ratio('plan page', 'floor: + audited read')}"
    )


if __name__ == "__main__":
    main()
