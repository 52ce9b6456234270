"""Devices that keep an offline copy: only the person's newest agreed plan, or for a carer only what is shared;
forgotten, closed or no longer shared means the next contact wipes it; asking whether to keep it records nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select, text

from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.offline.devices import (
    DeviceError,
    Status,
    copy_for_device,
    device_status,
    devices_of,
    forget_device,
    keep_on_device,
)
from safetyplan.sharing import consent
from tests.factories import create_account, create_person, create_team, get_user, link_carer, write_plan
from tests.pages import PageClient, text_of

CANARY = "Canary-offline-Quokka"


@pytest.fixture
def world(app):
    with app.app_context():
        team = create_team("Offline Team")
        person = create_person(team, name="Offline Person", nhs_number="9990000018")
        clinician = create_account("clinician", team=team, name="Dr Offline")
        own = create_account("person", person=person)
        carer = create_account("carer", name="Offline Carer")
        write_plan(
            person,
            clinician,
            CANARY,
            content={
                "reasons": {"items": [CANARY]},
                "warning_signs": {"items": ["Pacing at night"]},
                "people_to_ask": {"contacts": [{"name": "Jo", "relationship": "sister", "phone": "07700 900 123"}]},
            },
        )
        involved_id = link_carer(person, carer, sections={"warning_signs"}, by=clinician)
    return person, clinician, own, carer, involved_id


def keep(app, account, person, name="My phone"):
    with app.app_context(), transaction():
        return keep_on_device(by=get_user(account), person_id=person.id, name=name)


def copy(app, account, device):
    with app.app_context(), transaction():
        return copy_for_device(by=get_user(account), device_id=device.id, language="en")


def status(app, device):
    with app.app_context(), transaction():
        return device_status(device.id)


def test_the_person_keeps_their_whole_agreed_plan(app, world):
    person, _clinician, own, _carer, _involved = world
    device = keep(app, own, person)
    kept = copy(app, own, device)
    assert kept.revision_number == 1
    assert [part["key"] for part in kept.sections][:3] == ["reasons", "warning_signs", "on_my_own"]
    assert kept.sections[0]["items"] == [CANARY]
    people = next(part for part in kept.sections if part["key"] == "people_to_ask")
    assert people["contacts"][0]["phone"] == "07700 900 123"
    assert any(line["number"] for line in kept.crisis_lines)
    assert status(app, device).keep and status(app, device).revision_number == 1
    assert len(status(app, device).section_keys) == len(kept.sections)
    assert kept.saved_on and kept.language == "en"


def test_a_carer_keeps_only_what_is_shared_and_loses_it_when_sharing_ends(app, world):
    person, clinician, _own, carer, involved_id = world
    device = keep(app, carer, person)
    kept = copy(app, carer, device)
    assert [part["key"] for part in kept.sections] == ["warning_signs"]
    assert CANARY not in repr(kept)
    # The device learns what it may keep now, so that a copy drops a section the moment sharing narrows.
    assert status(app, device).section_keys == ("warning_signs",)
    with app.app_context(), transaction():
        consent.choose_sections(
            by=get_user(clinician), person_id=person.id, involved_id=involved_id, keys=set(), decided_on=date.today()
        )
    assert not status(app, device).keep
    with pytest.raises(NotFound):
        copy(app, carer, device)


def test_someone_who_may_not_read_the_plan_cannot_keep_it(app, world):
    person, clinician, _own, _carer, _involved = world
    with app.app_context():
        other = create_account("person", person=create_person(create_team("Elsewhere"), name="Other Person"))
        stranger = create_account("carer", name="Stranger Carer")
    for account in (other, stranger, clinician):
        with pytest.raises(NotFound):
            keep(app, account, person)
    with app.app_context(), transaction():
        assert session.scalar(select(func.count()).select_from(text("offline_devices"))) == 0


def test_a_forgotten_device_is_refused_and_told_to_wipe(app, world):
    person, _clinician, own, _carer, _involved = world
    device = keep(app, own, person)
    with app.app_context(), transaction():
        assert [d.name for d in devices_of(by=get_user(own))] == ["My phone"]
        forget_device(by=get_user(own), device_id=device.id)
        assert devices_of(by=get_user(own)) == []
    assert not status(app, device).keep
    with pytest.raises(NotFound):
        copy(app, own, device)


def test_another_users_device_cannot_be_read_or_forgotten(app, world):
    person, _clinician, own, carer, _involved = world
    device = keep(app, own, person)
    with pytest.raises(NotFound):
        copy(app, carer, device)
    with app.app_context(), transaction(), pytest.raises(NotFound):
        forget_device(by=get_user(carer), device_id=device.id)
    assert status(app, device).keep


def test_asking_whether_to_keep_the_copy_records_nothing_and_a_copy_is_audited(app, world):
    person, _clinician, own, _carer, _involved = world
    device = keep(app, own, person)
    with app.app_context(), transaction():
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for _ in range(3):
        status(app, device)
    with app.app_context(), transaction():
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
    copy(app, own, device)
    with app.app_context(), transaction():
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("%device%"))).all()
        assert actions == ["device.added", "plan.copied_to_device"]
        sealed = session.execute(text("SELECT name FROM offline_devices")).scalar_one()
        assert b"My phone" not in bytes(sealed)


def test_a_long_device_name_is_refused(app, world):
    person, _clinician, own, _carer, _involved = world
    with pytest.raises(DeviceError) as refused:
        keep(app, own, person, name="x" * 61)
    assert refused.value.code == "name_too_long"


# --- The pages and calls ---------------------------------------------------------------------------------------


def test_the_device_calls_and_the_devices_page(app, world):
    _person, _clinician, own, _carer, _involved = world
    client = PageClient(app.test_client())
    client.sign_in(own)
    token = client.csrf_token("/my-plan/devices")
    added = client.client.post("/offline/devices", data={"csrf_token": token, "name": "Phone in my bag"})
    assert added.status_code == 201
    device_id = added.get_json()["device_id"]
    kept = client.client.get(f"/offline/devices/{device_id}/copy")
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == "no-store"
    assert kept.get_json()["revision_number"] == 1 and CANARY in kept.get_data(as_text=True)
    asked = app.test_client().get(f"/offline/devices/{device_id}/status")  # not signed in
    assert asked.status_code == 200 and asked.get_json()["keep"] is True and asked.get_json()["revision"] == 1
    assert asked.get_json()["sections"][:2] == ["reasons", "warning_signs"]
    assert kept.get_json()["known_as"] == "Offline Person" and kept.get_json()["language"] == "en"
    page = client.get_page("/my-plan/devices")
    assert "Phone in my bag" in text_of(page, "main")
    forgotten = client.post_form(f"/my-plan/devices/{device_id}/forget", {}, status=302, from_url="/my-plan/devices")
    assert forgotten.headers["Location"] == "/my-plan/devices"
    assert app.test_client().get(f"/offline/devices/{device_id}/status").status_code == 410
    assert client.client.get(f"/offline/devices/{device_id}/copy").status_code == 410
    assert "No device keeps a copy of the plan." in text_of(client.get_page("/my-plan/devices"), "main")


def test_a_closed_account_is_told_to_wipe_at_the_next_contact(app, world):
    from safetyplan.db import utcnow

    person, _clinician, own, _carer, _involved = world
    device = keep(app, own, person)
    assert status(app, device).keep
    with app.app_context(), transaction():
        get_user(own).deactivated_at = utcnow()
    assert status(app, device) == Status(keep=False)


def test_the_offline_page_is_the_same_for_everyone_and_a_new_crisis_number_makes_a_new_service_worker(app, world):
    import re

    from safetyplan.plans.models import CrisisContact

    _person, _clinician, own, _carer, _involved = world
    client = PageClient(app.test_client())
    client.sign_in(own)
    signed_in = client.client.get("/offline/shell/en").get_data(as_text=True)
    anonymous = app.test_client().get("/offline/shell/cy").get_data(as_text=True)
    for page, samaritans in ((signed_in, "Samaritans"), (anonymous, "Samariaid")):
        assert "csrf" not in page.lower() and "Offline Person" not in page and samaritans in page
    worker = app.test_client().get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-store" and worker.mimetype == "text/javascript"
    body = worker.get_data(as_text=True)
    precache = re.search(r"const PRECACHE = (\[.*?\]);", body).group(1)
    assert "/my-plan" not in precache and "/offline/devices" not in precache
    version = re.search(r'const VERSION = "(\w+)"', body).group(1)
    assert re.search(r'const VERSION = "(\w+)"', app.test_client().get("/sw.js").get_data(as_text=True)).group(1) == (
        version
    )
    with app.app_context(), transaction():
        line = session.scalars(select(CrisisContact).order_by(CrisisContact.position)).first()
        kept_number, line.number = line.number, "116 999"
    try:
        changed = re.search(r'const VERSION = "(\w+)"', app.test_client().get("/sw.js").get_data(as_text=True))
        assert changed.group(1) != version
    finally:  # the crisis lines are reference data that every test expects as the migrations made them
        with app.app_context(), transaction():
            session.scalars(select(CrisisContact).order_by(CrisisContact.position)).first().number = kept_number
