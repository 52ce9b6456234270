"""``safetyplan backup create``, ``verify`` and ``restore``, on SQLite and on PostgreSQL, while clients save."""

from __future__ import annotations

import dataclasses
import stat
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from safetyplan import create_app
from safetyplan.audit.models import AuditEvent
from safetyplan.backup import services
from safetyplan.cli import cli
from safetyplan.crypto.keyring import create_keyring_file
from safetyplan.crypto.vault import vault
from safetyplan.db import session, transaction
from safetyplan.people.models import Person
from tests.factories import create_person, create_team

SAVERS = 8


def invoke(app, *args):
    result = app.test_cli_runner().invoke(cli, ["backup", *args])
    unexpected = result.exception if not isinstance(result.exception, SystemExit | None) else None
    return result.exit_code, result.output + (f"\n{unexpected!r}" if unexpected else "")


def test_a_backup_taken_while_8_clients_save_holds_every_acknowledged_save_and_verifies(app, tmp_path):
    with app.app_context():
        team = create_team("Busy Team")
    acknowledged: list[tuple[object, float]] = []
    stop = threading.Event()

    def save(n: int) -> None:
        with app.app_context():
            while not stop.is_set():
                try:
                    person = create_person(team, name=f"Saver {n}")
                except DBAPIError:  # busy: the client tries again, and nothing was acknowledged
                    continue
                acknowledged.append((person.id, time.monotonic()))

    savers = [threading.Thread(target=save, args=(n,)) for n in range(SAVERS)]
    for saver in savers:
        saver.start()
    try:
        while len(acknowledged) < 40:
            time.sleep(0.05)
        started = time.monotonic()
        before = {person_id for person_id, at in list(acknowledged) if at < started}
        output = tmp_path / "busy.tar"
        code, text = invoke(app, "create", "-o", str(output))
        while len(acknowledged) < len(before) + 20:  # saves go on after it
            time.sleep(0.05)
    finally:
        stop.set()
        for saver in savers:
            saver.join(timeout=30)
    assert code == 0, text
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    manifest = services.read_manifest(output)
    assert manifest.counts["people"] >= len(before)
    code, text = invoke(app, "verify", str(output))
    assert code == 0, text
    assert "The backup is whole and can be read." in text
    with app.app_context(), services.restored_copy(output, create_app) as copy, copy.app_context(), transaction():
        held = set(session.scalars(select(Person.id)))
    assert before <= held
    assert len(held) == manifest.counts["people"]


def test_a_restore_drill_end_to_end(app, tmp_path):
    with app.app_context():
        team = create_team("Drill Team")
        kept = create_person(team, name="Kept Person")
    output = tmp_path / "drill.tar"
    assert invoke(app, "create", "-o", str(output))[0] == 0
    with app.app_context():
        later = create_person(team, name="Added After")
    # The database now holds events the backup does not: a restore must be asked for twice.
    code, text = invoke(app, "restore", str(output))
    assert code == 1 and "audit events newer than this backup" in text
    code, text = invoke(app, "restore", str(output), "--force")
    assert code == 0, text
    with app.app_context(), transaction():
        ids = set(session.scalars(select(Person.id)))
        assert kept.id in ids and later.id not in ids
        assert str(session.get(Person, kept.id).name) == "Kept Person"
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        manifest = services.read_manifest(output)
        assert (last.action, last.grounds) == ("backup.restored", f"command_line:backup {manifest.id}")
        assert last.seq == manifest.audit_seq + 1  # the chain goes on from the backup's head, explained
    verified = app.test_cli_runner().invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_a_backup_from_before_a_rotation_and_a_retire_still_verifies_with_the_archive(make_app, app, tmp_path):
    keyring = tmp_path / "own-keyring.json"
    create_keyring_file(keyring)
    own = make_app(keyring_path=keyring)
    with own.app_context():
        create_person(create_team("Old Team"), name="Sealed Before Rotation")
        old_kek = vault().provider.primary_kek_id()
    output = tmp_path / "before-rotation.tar"
    assert invoke(own, "create", "-o", str(output))[0] == 0
    runner = own.test_cli_runner()
    assert runner.invoke(cli, ["keys", "rotate"]).exit_code == 0
    retired = runner.invoke(cli, ["keys", "retire", old_kek])
    assert retired.exit_code == 0, retired.output
    assert services.read_manifest(output).kek_ids == [old_kek]
    code, text = invoke(own, "verify", str(output))
    assert code == 0, text
    assert "Opened " in text and "The backup is whole" in text
    # Without the archive the same backup cannot be read: the archive is what keeps it readable.
    archive = keyring.with_name("own-keyring.archive.json")
    archive.rename(tmp_path / "moved.json")
    code, text = invoke(own, "verify", str(output))
    assert code == 1
    assert "sealed values did not open" in text and "neither the keyring nor its archive" in text
    (tmp_path / "moved.json").rename(archive)


def test_a_file_that_is_not_a_backup_is_refused(app, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    code, text = invoke(app, "verify", str(junk))
    assert code == 1 and "is not a SafetyPlan backup" in text


def test_a_restore_sets_aside_the_checkpoints_it_went_back_past(make_app, tmp_path):
    kept = tmp_path / "checkpoints"
    app = make_app(audit_checkpoints=kept)
    with app.app_context():
        create_person(create_team("Checkpoint Team"), name="Before")
    output = tmp_path / "cp.tar"
    assert invoke(app, "create", "-o", str(output))[0] == 0
    with app.app_context():
        create_person(create_team("Later Team"), name="After")
    runner = app.test_cli_runner()
    assert runner.invoke(cli, ["audit", "checkpoint", "--to", str(kept)]).exit_code == 0
    assert invoke(app, "restore", str(output), "--force")[0] == 0
    manifest = services.read_manifest(output)
    assert [p.name for p in kept.glob("checkpoint-*.txt")] == []
    assert len(list((kept / f"superseded-by-restore-{manifest.id}").iterdir())) == 1
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_a_backup_made_without_a_file_name_goes_to_the_instance_folder(app):
    code, text = invoke(app, "create")
    assert code == 0, text
    [written] = [line.rsplit(" written to ", 1)[1] for line in text.splitlines() if " written to " in line]
    from pathlib import Path

    path = Path(written)
    assert path.parent.name == "backups" and path.exists()
    path.unlink()


@pytest.fixture
def own(make_app, tmp_path):
    """An app with a keyring of its own (and so a key archive and a backup catalogue of its own) in ``tmp_path``."""
    keyring = tmp_path / "own-keyring.json"
    create_keyring_file(keyring)
    return make_app(keyring_path=keyring)


def sealed_under_the_primary(app, team: str) -> str:
    """Seal a person's record under the current primary KEK; returns that KEK's id."""
    with app.app_context():
        create_person(create_team(team), name=f"Sealed In {team}")
        return vault().provider.primary_kek_id()


def rotate_and_retire(app, kek_id: str) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(cli, ["keys", "rotate"]).exit_code == 0
    retired = runner.invoke(cli, ["keys", "retire", kek_id])
    assert retired.exit_code == 0, retired.output


def test_a_kek_is_destroyed_only_once_no_catalogued_backup_needs_it(own, tmp_path):
    runner = own.test_cli_runner()
    old_kek = sealed_under_the_primary(own, "Destroy Team")
    output = tmp_path / "needs-the-old-kek.tar"
    code, text = invoke(own, "create", "-o", str(output))
    assert code == 0 and "Added to the backup catalogue" in text, text
    # Catalogued before anything is printed, so that output cut short (a closed pipe) cannot leave it out.
    assert text.index("Added to the backup catalogue") < text.index(f"written to {output}")
    backup_id = services.read_manifest(output).id
    assert runner.invoke(cli, ["keys", "rotate"]).exit_code == 0
    still_live = runner.invoke(cli, ["keys", "destroy", old_kek, "--yes"])
    assert still_live.exit_code == 1
    assert f"{old_kek} is in the live keyring; retire it with 'safetyplan keys retire {old_kek}'" in still_live.output
    retired = runner.invoke(cli, ["keys", "retire", old_kek])
    assert retired.exit_code == 0 and "backups taken before the rotation need it" in retired.output

    status = runner.invoke(cli, ["keys", "status"]).output
    assert f"{old_kek} is needed by 1 catalogued backup:" in status and backup_id in status
    listed = invoke(own, "list")[1]
    assert backup_id in listed and old_kek in listed and str(output) in listed

    refused = runner.invoke(cli, ["keys", "destroy", old_kek])  # checked before asking: no question to answer
    assert refused.exit_code == 1 and "can never be read again" not in refused.output
    assert f"1 backup needs {old_kek}: {backup_id} ({output})" in refused.output
    with own.app_context():
        primary = vault().provider.primary_kek_id()
    live = runner.invoke(cli, ["keys", "destroy", primary, "--yes"])
    assert live.exit_code == 1
    assert f"{primary} is the primary KEK: run 'safetyplan keys rotate', then 'safetyplan keys retire" in live.output
    unknown = runner.invoke(cli, ["keys", "destroy", "kek-nobody", "--yes"])
    assert unknown.exit_code == 1 and "holds no KEK 'kek-nobody'" in unknown.output

    assert invoke(own, "forget", backup_id)[0] == 0
    not_confirmed = runner.invoke(cli, ["keys", "destroy", old_kek], input="n\n")
    assert not_confirmed.exit_code == 1 and "Aborted" in not_confirmed.output
    with own.app_context():
        assert old_kek in vault().provider.archived_kek_ids()
    destroyed = runner.invoke(cli, ["keys", "destroy", old_kek], input="y\n")
    assert destroyed.exit_code == 0, destroyed.output
    with own.app_context():
        assert old_kek not in vault().provider.archived_kek_ids()
    assert old_kek not in runner.invoke(cli, ["keys", "status"]).output
    # It is really gone: the backup that needed it can no longer be read.
    code, text = invoke(own, "verify", str(output))
    assert code == 1 and "sealed values did not open" in text
    # and, as it cannot be read, it is not catalogued again: nothing shows the destroyed KEK as needed.
    assert "Not added to the backup catalogue" in text
    assert backup_id not in invoke(own, "list")[1]
    assert "needed by" not in runner.invoke(cli, ["keys", "status"]).output


def test_a_backup_verified_but_not_catalogued_is_added_to_the_catalogue(own, tmp_path):
    output = tmp_path / "copied-in.tar"
    assert invoke(own, "create", "-o", str(output))[0] == 0
    catalogue_file = tmp_path / "own-keyring.backups.json"
    assert catalogue_file.exists() and stat.S_IMODE(catalogue_file.stat().st_mode) == 0o600
    catalogue_file.unlink()  # as for a backup made before there was a catalogue, or on another host
    assert "No backups are catalogued" in invoke(own, "list")[1]
    code, text = invoke(own, "verify", str(output))
    assert code == 0 and "Added to the backup catalogue" in text, text
    assert services.read_manifest(output).id in invoke(own, "list")[1]
    code, text = invoke(own, "verify", str(output))
    assert code == 0 and "Added to the backup catalogue" not in text  # once is enough
    code, text = invoke(own, "forget", "no-such-backup")
    assert code == 1 and "holds no backup no-such-backup" in text


def test_a_catalogue_that_cannot_be_read_is_named(own, tmp_path):
    (tmp_path / "own-keyring.backups.json").write_text("{not json")
    code, text = invoke(own, "create", "-o", str(tmp_path / "b.tar"))
    assert code == 1 and "the backup is whole, but it is not in the backup catalogue" in text
    assert "cannot be read (JSONDecodeError)" in text
    status = own.test_cli_runner().invoke(cli, ["keys", "status"])
    assert status.exit_code == 1 and "backup catalogue" in status.output


def test_with_no_catalogue_at_all_a_kek_is_destroyed_only_when_told_so(own, tmp_path):
    runner = own.test_cli_runner()
    old_kek = sealed_under_the_primary(own, "Uncatalogued Team")
    rotate_and_retire(own, old_kek)
    refused = runner.invoke(cli, ["keys", "destroy", old_kek, "--yes"])
    assert refused.exit_code == 1 and "there is no backup catalogue at" in refused.output
    destroyed = runner.invoke(cli, ["keys", "destroy", old_kek, "--yes", "--without-catalogue"])
    assert destroyed.exit_code == 0, destroyed.output


def test_a_backup_whose_kek_was_destroyed_while_it_was_taken_is_refused(own, tmp_path, monkeypatch):
    real_create = services.create

    def create_while_a_kek_goes(output):
        manifest = real_create(output)
        return dataclasses.replace(manifest, kek_ids=[*manifest.kek_ids, "kek-destroyed-meanwhile"])

    monkeypatch.setattr(services, "create", create_while_a_kek_goes)
    code, text = invoke(own, "create", "-o", str(tmp_path / "too-late.tar"))
    assert code == 1 and "the backup needs kek-destroyed-meanwhile, destroyed while it was being taken" in text
    assert "No backups are catalogued" in invoke(own, "list")[1]


def test_forgetting_by_a_path_that_several_backups_were_written_to_is_refused(own, tmp_path):
    nightly = tmp_path / "nightly.tar"
    assert invoke(own, "create", "-o", str(nightly))[0] == 0
    assert invoke(own, "create", "-o", str(nightly))[0] == 0  # the next night, the older one copied away first
    code, text = invoke(own, "forget", str(nightly))
    assert code == 1 and "2 catalogued backups were written to" in text
    assert invoke(own, "list")[1].count(str(nightly)) == 2
