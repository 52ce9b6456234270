import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event

from safetyplan import schema
from safetyplan.db import database


def test_healthy_when_the_database_is_at_the_newest_migration_and_writes(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "head", "writes": "ok"}


def test_unavailable_when_migrations_have_not_run(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "migrations": "behind", "writes": "unknown"}


def test_unavailable_when_the_database_cannot_be_reached(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_livez_answers_without_the_database(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}")
    response = app.test_client().get("/livez")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def migrated(make_app, path: Path):
    app = make_app(database_url=f"sqlite:///{path}")
    with app.app_context():
        schema.upgrade()
    return app


def test_unavailable_when_the_database_can_be_read_but_not_written(make_app, tmp_path):
    """A read-only database (a storage fault, a failover to a replica): every page reads, every save fails."""
    app = migrated(make_app, tmp_path / "read-only.db")
    with app.app_context():
        engine = database().engine
        engine.dispose()
        event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA query_only = ON"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "migrations": "head", "writes": "failing"}


def test_a_failed_save_counts_against_health_until_a_write_works(make_app, tmp_path):
    app = migrated(make_app, tmp_path / "saves.db")
    with app.app_context():
        from safetyplan.db import WriteOutcomes

        outcomes: WriteOutcomes = database().writes
        outcomes.failed(OSError("No space left on device"))
        assert app.test_client().get("/healthz").json["writes"] == "failing"  # its own row went in, but saves did not
        outcomes.succeeded()
        assert app.test_client().get("/healthz").json["writes"] == "ok"


def _can_mount() -> bool:
    probe = Path("/tmp/safetyplan-mount-probe")
    probe.mkdir(exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True, check=False
        ).returncode
        == 0
    )
    if mounted:
        subprocess.run(["umount", str(probe)], check=True)
    return mounted


@pytest.mark.skipif(
    os.geteuid() != 0 or not _can_mount(), reason="a full disk is made with a small tmpfs, which needs root"
)
def test_unavailable_when_the_disk_is_full(make_app, tmp_path):
    """A real full disk: the database on a 2 MB file system, filled up beside it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    try:
        app = migrated(make_app, disk / "full.db")
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # its connection stays open, as a serving app's does
        filler = disk / "filler"
        with filler.open("wb") as fill:
            try:
                while True:
                    fill.write(b"\0" * 65536)
                    fill.flush()
            except OSError:
                pass  # the disk is full
        failing = [client.get("/healthz") for _ in range(3)]
        assert failing[-1].status_code == 503
        assert failing[-1].json["writes"] == "failing"
        filler.unlink()
        assert client.get("/healthz").status_code == 200
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)  # lazily: the app's connections close at teardown
