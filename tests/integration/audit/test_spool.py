"""Reading while the database cannot be written: a read's audit event waits in this server's spool, on disk before
the page is answered, and joins the main chain in order when writes work again. Saves get 503, with the words kept.

The database is made read-only as a storage fault or a standby leaves it: SQLite with ``query_only`` (it refuses
writes with SQLITE_READONLY, as on a read-only file system), PostgreSQL with read-only transactions (it refuses them
with 25006, as a hot standby does).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, make_url, select

from safetyplan.audit import services
from safetyplan.audit.models import AuditEvent
from safetyplan.audit.spool import Spool, SpoolError, spool
from safetyplan.cli import cli
from safetyplan.db import database, session
from tests.factories import create_account, create_person, write_plan
from tests.integration.plans.test_pages import editor_data
from tests.pages import PageClient, check_page


def _read_only(connection, _record):
    cursor = connection.cursor()
    if "sqlite" in type(connection).__module__:
        cursor.execute("PRAGMA query_only = ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    if not type(connection).__module__.startswith("sqlite"):
        connection.commit()


def signed_in(app, team) -> PageClient:
    # As in production: an error at the commit (after the view) is answered by the error pages, not raised.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        account = create_account("clinician", team=team)
    client = PageClient(app.test_client())
    client.account = account
    client.sign_in(account)
    return client


def make_read_only(app, read_only: bool) -> None:
    with app.app_context():
        engine = database().engine
        if read_only:
            event.listen(engine, "connect", _read_only)
        elif event.contains(engine, "connect", _read_only):
            event.remove(engine, "connect", _read_only)
            database().read_only_until = 0.0  # as if the few seconds of reading only had passed
        engine.dispose()


@pytest.fixture
def spooling(make_app, tmp_path, team):
    """An app whose spool is this test's, a clinician signed in to it, and a person with a plan."""
    app = make_app(audit_spool=tmp_path / "spool" / "audit-spool.jsonl")
    client = signed_in(app, team)
    with app.app_context():
        person = create_person(team, name="Spool Person")
        write_plan(person, client.account, words="Ring my sister Jo")
    yield app, client, person
    make_read_only(app, False)


def trail(app) -> list[tuple[int, str, object]]:
    with app.app_context():
        return [
            (row.seq, row.action, row.person_id) for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        ]


def test_a_plan_is_read_while_the_database_cannot_be_written_and_its_read_joins_the_trail(spooling):
    app, client, person = spooling
    before = trail(app)
    make_read_only(app, True)

    page = client.get_page(f"/people/{person.id}/plan")
    assert "Ring my sister Jo" in page.get_text()
    client.get_page(f"/people/{person.id}/plan")  # within the few seconds: spooled at once, not tried first
    with app.app_context():
        assert spool().count() == 2  # both reads are on disk...

    make_read_only(app, False)
    assert trail(app) == before  # ...and nothing reached the database
    client.get_page("/")  # the first request once writes work again replays the spool after its commit
    after = trail(app)
    added = [(action, person_id) for _seq, action, person_id in after[len(before) :]]
    assert added[:2] == [("plan.viewed", person.id), ("plan.viewed", person.id)]
    assert ("audit.spool_replayed", None) in added[2:]
    with app.app_context():
        assert not spool().waiting()
        assert services.verify().ok


def test_a_save_is_refused_with_503_and_the_words_kept(spooling):
    app, client, person = spooling
    data = editor_data(client, person.id, reasons="Words typed during the outage")
    make_read_only(app, True)
    response = client.post_form(f"/people/{person.id}/plan/edit", data, status=503)
    assert response.status_code == 503
    assert "Words typed during the outage" in check_page(response.data).get_text()
    with app.app_context():
        assert spool().count() == 1  # the form's page, a read, before the save; the refused save spooled nothing


def test_a_spool_that_cannot_be_written_refuses_the_page(make_app, tmp_path, team):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    app = make_app(audit_spool=blocked / "audit-spool.jsonl")
    client = signed_in(app, team)
    with app.app_context():
        person = create_person(team, name="Unspooled Person")
        write_plan(person, client.account, words="Not shown unaudited")
    make_read_only(app, True)
    try:
        response = client.get(f"/people/{person.id}/plan")
    finally:
        make_read_only(app, False)
    assert response.status_code == 503
    assert "Not shown unaudited" not in response.get_data(as_text=True)


def events_count() -> int:
    count = session.scalar(select(func.count()).select_from(AuditEvent))
    session.rollback()  # lets go of SQLite's lock: a replay writes in a session of its own
    return count or 0


def _event(app, **fields):
    with app.app_context():
        return services.event_fields("audit_trail.viewed", by=None, grounds=services.Grounds.NONE, **fields)


def test_a_line_cut_short_by_a_crash_is_dropped_and_the_rest_replayed_once(spooling):
    app, _client, person = spooling
    with app.app_context():
        spooled = spool()
        spooled.append([_event(app, person_id=person.id)])
        with spooled.path.open("a") as f:
            f.write('{"n": 2, "event": {"act')  # a crash in the middle of a write: never acknowledged
        spooled.append([_event(app, person_id=person.id), _event(app)])
        assert spooled.count() == 3
        copy = spooled.path.read_bytes()
        before = events_count()
        assert services.replay_spool() == 3
        # A crash after the commit, before the replayed batch was removed: it is recognised, not added twice.
        spooled.replaying.write_bytes(copy)
        assert services.replay_spool() == 0
        assert not spooled.waiting()
        assert events_count() == before + 4  # 3 reads and the note that they joined
        assert services.verify().ok


def test_an_edited_spool_is_not_replayed(spooling):
    app, _client, person = spooling
    with app.app_context():
        spooled = spool()
        spooled.append([_event(app, person_id=person.id), _event(app, person_id=person.id)])
        lines = spooled.path.read_text().splitlines()
        edited = json.loads(lines[0])
        edited["event"]["action"] = "plan.viewed"
        spooled.path.write_text("\n".join([json.dumps(edited), lines[1]]) + "\n")
        with pytest.raises(SpoolError, match="line 1"):
            services.replay_spool()
        assert spooled.count() == 2  # kept for someone to look at


KILLED_WRITER = """
import sys
from safetyplan import create_app
from safetyplan.audit.services import event_fields, Grounds
from safetyplan.audit.spool import spool
from safetyplan.config import Settings
app = create_app(Settings.from_env())
with app.app_context(), app.test_request_context():
    n = 0
    while True:
        n += 1
        spool().append([event_fields("audit_trail.searched", by=None, grounds=Grounds.NONE, section=f"read {n}")])
        print(n, flush=True)  # acknowledged: the page would be answered now
"""


def test_a_killed_server_loses_no_acknowledged_read(spooling, tmp_path):
    """A process that spools as fast as it can is killed mid-write; every event it acknowledged is still there."""
    app, _client, _person = spooling
    settings = app.extensions["safetyplan.settings"]
    with app.app_context():
        path = spool().path
    environ = {
        **os.environ,
        "SAFETYPLAN_ENV": "test",
        "SAFETYPLAN_DATABASE_URL": settings.database_url,
        "SAFETYPLAN_INSTANCE_PATH": str(settings.instance_path),
        "SAFETYPLAN_KEYRING": str(settings.keyring_path),
        "SAFETYPLAN_SECRET_KEY": settings.secret_key,
        "SAFETYPLAN_AUDIT_SPOOL": str(path),
    }
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER], env=environ, stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    deadline = time.monotonic() + 60
    assert writer.stdout is not None
    while acknowledged < 200 and time.monotonic() < deadline:
        acknowledged = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    assert acknowledged >= 200
    with app.app_context():
        replayed = Spool(path).count()
        assert replayed >= acknowledged
        assert services.replay_spool() == replayed
        assert services.verify().ok


def test_the_operator_sees_and_replays_the_spool_from_the_command_line(spooling):
    app, _client, person = spooling
    with app.app_context():
        spool().append([_event(app, person_id=person.id)])
    runner = app.test_cli_runner()
    shown = runner.invoke(cli, ["audit", "spool"])
    assert shown.exit_code == 0, shown.output
    assert "1 events wait in" in shown.output
    replayed = runner.invoke(cli, ["audit", "spool", "--replay"])
    assert replayed.exit_code == 0, replayed.output
    assert "1 events joined the trail.\n0 events wait in" in replayed.output


def _as_postgres(command: list[str], **options) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the postgres user when we are root (it refuses to run as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + command, check=True, capture_output=True, text=True, **options)


@pytest.fixture
def replica(database_url):
    """A real streaming replica of the test database's server, on a port of its own; its URL."""
    primary = make_url(database_url)
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    pg_bin = binaries[-1] if binaries else Path(shutil.which("pg_ctl") or "pg_ctl").parent
    # Not under pytest's folder, which only root may enter: the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="safetyplan-replica-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    source = ["-h", primary.host or "127.0.0.1", "-p", str(primary.port or 5432), "-U", primary.username or "postgres"]
    _as_postgres([str(pg_bin / "pg_basebackup"), *source, "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c hot_standby=on -c fsync=off"
    _as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), "-w", "-o", options, "start"])
    try:
        yield primary.set(port=port).render_as_string(hide_password=False)
    finally:
        _as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(data)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # streaming replication is PostgreSQL's
def test_with_the_database_down_a_plan_is_read_from_the_replica(spooling, make_app, replica):
    app, client, person = spooling
    settings = app.extensions["safetyplan.settings"]
    down = make_url(settings.database_url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    degraded = make_app(database_url=down, database_replica_url=replica, audit_spool=settings.audit_spool)
    degraded.config["PROPAGATE_EXCEPTIONS"] = False
    reader = PageClient(degraded.test_client())
    reader.client.set_cookie("safetyplan_session", client.client.get_cookie("safetyplan_session").value)
    before = trail(app)

    deadline = time.monotonic() + 30
    while True:  # the replica replays what the primary wrote moments ago
        response = reader.get(f"/people/{person.id}/plan")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 200
    assert "Ring my sister Jo" in response.get_data(as_text=True)
    with app.app_context():
        assert spool().count() == 1

    client.get_page("/")  # on the primary, which writes: the read joins the trail
    added = [(action, person_id) for _seq, action, person_id in trail(app)[len(before) :]]
    assert added[0] == ("plan.viewed", person.id)
    with app.app_context():
        assert services.verify().ok
