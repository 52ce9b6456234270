"""The crisis view for urgent care: chosen by the person after a clinician has talked it through, published as a
PDF and a National Record Locator pointer through the outbox, superseded, withdrawn, never holding an unchosen
section; and the outbox, which retries with backoff and never sends a document twice, even when killed mid-send."""

import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from pypdf import PdfReader
from sqlalchemy import select, update

from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.exchange import codes
from safetyplan.exchange.crisis import published
from safetyplan.exchange.deliveries import (
    LEASE,
    DirectoryTransport,
    HttpTransport,
    TransportError,
    backoff,
    send_due,
)
from safetyplan.exchange.models import Delivery
from safetyplan.sharing.crisis_view import choose_crisis_view
from safetyplan.sharing.errors import SharingError
from tests.factories import create_account, create_person, create_team, get_user, write_plan

CANARY = "Canary-reasons-Zebedee"
NHS_NUMBER = "9990000018"


def content(signs="Not sleeping, pacing at night"):
    return {
        "reasons": {"items": [f"{CANARY} my niece"]},
        "warning_signs": {"items": [signs]},
        "people_to_ask": {"contacts": [{"name": "Jo", "relationship": "sister", "phone": "07700 900 123"}]},
    }


@pytest.fixture
def world(app):
    with app.app_context():
        team = create_team("Crisis Team", phone="01632 960123")
        person = create_person(team, name="Crisis Person", nhs_number=NHS_NUMBER)
        clinician = create_account("clinician", team=team, name="Dr Crisis")
        own = create_account("person", person=person)
        write_plan(person, clinician, content=content())
    return person, clinician, own


def choose(app, account, person, keys, decided_on=None):
    with app.app_context(), transaction():
        return choose_crisis_view(
            by=get_user(account), person_id=person.id, keys=set(keys), decided_on=decided_on or date.today()
        )


def deliveries(app, person):
    with app.app_context(), transaction():
        found = session.scalars(select(Delivery).where(Delivery.person_id == person.id).order_by(Delivery.created_at))
        return [(d.kind, d.document_id, d.revision_number, d.payload, d.status) for d in found]


def pdf_text(data):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_nothing_is_shared_with_urgent_care_until_a_clinician_has_talked_it_through(app, world):
    person, _clinician, own = world
    with pytest.raises(SharingError) as refused:
        choose(app, own, person, {"warning_signs"})
    assert refused.value.code == "crisis_view_not_talked"
    assert deliveries(app, person) == []


def test_the_crisis_view_is_published_with_only_the_chosen_sections(app, world):
    person, clinician, _own = world
    choose(app, clinician, person, {"warning_signs", "people_to_ask"})
    ((kind, document_id, number, payload, status),) = deliveries(app, person)
    assert (kind, number, status) == ("crisis_pointer", 1, "waiting")
    assert document_id.startswith("XDEV1-")
    (pointer,) = payload["resources"]
    DocumentReference.model_validate(pointer)
    assert pointer["type"]["coding"][0]["code"] == "736253002"
    assert pointer["category"][0]["coding"][0]["code"] == "734163000"
    assert pointer["subject"]["identifier"] == {"system": codes.NHS_NUMBER, "value": NHS_NUMBER}
    assert pointer["custodian"]["identifier"] == {"system": codes.ODS_CODE, "value": "XDEV1"}
    assert "relatesTo" not in pointer
    pdf = base64.b64decode(pointer["content"][0]["attachment"]["data"])
    assert pdf == base64.b64decode(payload["files"][f"{document_id}.pdf"])
    text = pdf_text(pdf)
    assert "Notsleeping,pacingatnight" in text and "Jo" in text and "07700900123" in text
    assert "NHSnumber9990000018" in text
    assert CANARY not in text and CANARY not in json.dumps(payload)
    with app.app_context(), transaction():
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("crisis_view.%"))).all() == [
            "crisis_view.changed",
            "crisis_view.published",
        ]


def test_a_new_agreed_revision_supersedes_the_pointer_and_one_not_agreed_does_not(app, world):
    person, clinician, _own = world
    choose(app, clinician, person, {"warning_signs"})
    with app.app_context():
        write_plan(person, clinician, content=content("Not answering the phone"), person_agrees=False)
    assert len(deliveries(app, person)) == 1
    with app.app_context():
        write_plan(person, clinician, content=content("Not eating"), reason="scheduled_review")
    first, second = deliveries(app, person)
    assert second[2] == 3
    (pointer,) = second[3]["resources"]
    assert pointer["relatesTo"] == [{"code": "replaces", "target": {"identifier": {"value": first[1]}}}]
    assert "Noteating" in pdf_text(base64.b64decode(pointer["content"][0]["attachment"]["data"]))
    with app.app_context(), transaction():
        assert published(person.id).document_id == second[1]


def test_the_person_changes_it_and_withdrawing_removes_the_pointer(app, world, tmp_path):
    person, clinician, own = world
    choose(app, clinician, person, {"warning_signs"})
    choose(app, own, person, {"warning_signs", "people_to_ask"})
    outbox = DirectoryTransport(tmp_path / "outbox")
    with app.app_context():
        assert send_due(outbox).sent == 2
    first, second = (row[1] for row in deliveries(app, person))
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(
        [f"{first}.json", f"{first}.pdf", f"{second}.json", f"{second}.pdf"]
    )
    choose(app, own, person, set())
    kinds = [row[0] for row in deliveries(app, person)]
    assert kinds == ["crisis_pointer", "crisis_pointer", "crisis_withdrawal"]
    with app.app_context():
        assert send_due(outbox).sent == 1
        assert send_due(outbox).sent == 0  # sent once, never again
        with transaction():
            assert published(person.id) is None
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [f"{first}.json", f"{first}.pdf"]
    # The superseded pointer stays with the NRL as "replaced"; the withdrawal removed only the current one.


def test_no_nhs_number_means_nothing_is_published(app):
    with app.app_context():
        team = create_team("Team B")
        unnumbered = create_person(team, name="No Number")
        clinician = create_account("clinician", team=team)
        write_plan(unnumbered, clinician)
    choose(app, clinician, unnumbered, {"warning_signs"})
    assert deliveries(app, unnumbered) == []


class Refusing:
    def put(self, document_id, resources, files, *, to=None):
        raise TransportError("the endpoint answered 503")

    def remove(self, document_id, resource_type):
        raise TransportError("the endpoint answered 503")


def test_a_failed_send_waits_longer_each_time_and_a_later_one_for_the_person_waits_behind_it(app, world, tmp_path):
    person, clinician, own = world
    choose(app, clinician, person, {"warning_signs"})
    choose(app, own, person, set())
    with app.app_context():
        now = _now()
        assert send_due(Refusing(), now=now).failed == 1  # the withdrawal waits behind the pointer
        with transaction():
            first, second = session.scalars(select(Delivery).order_by(Delivery.created_at)).all()
            assert (first.status, first.attempts, first.last_error) == ("waiting", 1, "the endpoint answered 503")
            assert first.next_attempt_at == now + timedelta(minutes=1)
            assert (second.status, second.attempts) == ("waiting", 0)
        assert send_due(Refusing(), now=now + timedelta(seconds=30)).failed == 0  # not yet due
        send_due(Refusing(), now=now + timedelta(minutes=1))
        with transaction():
            assert session.get(Delivery, first.id).next_attempt_at == now + timedelta(minutes=3)
        assert send_due(DirectoryTransport(tmp_path), now=now + timedelta(minutes=3)).sent == 2
    assert [backoff(n) for n in (1, 2, 3, 10, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


def _now():
    from safetyplan.db import utcnow

    return utcnow()


# --- Killed mid-send -----------------------------------------------------------------------------------------


class Endpoint(BaseHTTPRequestHandler):
    """A FHIR endpoint that files each resource under its id, and holds its first request until told."""

    store: ClassVar[dict[str, bytes]] = {}
    requests: ClassVar[list[str]] = []
    first_arrived = threading.Event()
    release = threading.Event()
    hold_first = True

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append(self.path)
        if type(self).hold_first:
            type(self).hold_first = False
            type(self).first_arrived.set()
            type(self).release.wait(60)  # the sender is killed while it waits for this answer
            self.close_connection = True
            return  # the answer would go nowhere; what was sent was never filed
        type(self).store[self.path] = body
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_outbox_killed_mid_send_sends_again_and_the_document_is_held_once(app, world, settings):
    person, clinician, _own = world
    choose(app, clinician, person, {"warning_signs"})
    Endpoint.store, Endpoint.requests, Endpoint.hold_first = {}, [], True
    Endpoint.first_arrived, Endpoint.release = threading.Event(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = False  # so that closing the server waits for (and closes) every connection
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_port}/fhir"
    env = {
        "PATH": os.environ["PATH"],
        "SAFETYPLAN_DATABASE_URL": settings.database_url,
        "SAFETYPLAN_KEYRING": str(settings.keyring_path),
        "SAFETYPLAN_INSTANCE_PATH": str(settings.instance_path),
        "SAFETYPLAN_SECRET_KEY": settings.secret_key,
        "SAFETYPLAN_NRL_URL": url,
    }
    sender = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "safetyplan"), "deliveries", "send"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert Endpoint.first_arrived.wait(60), "the sender never reached the endpoint"
        sender.send_signal(signal.SIGKILL)
        sender.wait(30)
    finally:
        if sender.poll() is None:
            sender.kill()
        Endpoint.release.set()
    ((_kind, document_id, _number, _payload, status),) = deliveries(app, person)
    assert status == "sending"  # claimed, never marked: the process died between the two
    with app.app_context():
        assert send_due(HttpTransport(url)).sent == 0  # still within its lease: another sender may have it
        with transaction():
            session.execute(update(Delivery).values(claimed_at=_now() - LEASE - timedelta(seconds=1)))
        assert send_due(HttpTransport(url)).sent == 1
        assert send_due(HttpTransport(url)).sent == 0
    server.shutdown()
    server.server_close()
    serving.join(10)
    path = f"/fhir/DocumentReference/{document_id}"
    assert Endpoint.requests == [path, path]  # sent again after the kill, to the same place
    assert list(Endpoint.store) == [path]  # so the endpoint holds it once
    assert json.loads(Endpoint.store[path])["id"] == document_id
    assert deliveries(app, person)[0][4] == "sent"


# --- The pages -------------------------------------------------------------------------------------------------


def test_the_clinician_records_it_then_the_person_changes_it_and_the_admin_sees_it_waiting(app, world):
    from tests.pages import PageClient

    person, clinician, own = world
    clinician_page, person_page, admin_page = (PageClient(app.test_client()) for _ in range(3))
    clinician_page.sign_in(clinician)
    person_page.sign_in(own)
    with app.app_context():
        admin = create_account("admin")
    admin_page.sign_in(admin)
    url = f"/people/{person.id}/crisis-view"

    before = person_page.get_page(url)
    assert "Talk to your care team about this first." in before.get_text()
    assert before.select_one("input[name=sections]") is None
    assert "Choose what urgent care can see in a crisis" in person_page.get_page("/my-plan").get_text()

    today = date.today()
    clinician_page.post_form(
        url,
        {
            "sections": ["warning_signs", "people_to_ask"],
            "decided_on[day]": today.day,
            "decided_on[month]": today.month,
            "decided_on[year]": today.year,
        },
        status=302,
    )
    shown = clinician_page.get_page(url).get_text(" ", strip=True)
    assert "From revision 1 of the plan:" in shown and "waiting to be sent" in shown
    assert "Documents to send" in admin_page.get_page("/admin/deliveries").get_text()
    assert "Crisis plan for urgent care" in admin_page.get_page("/admin/deliveries").get_text()

    person_page.post_form(url, {"sections": []}, status=302)
    assert "Saved. Urgent care cannot see any of the plan now." in person_page.get_page(url).get_text()
    assert [row[0] for row in deliveries(app, person)] == ["crisis_pointer", "crisis_withdrawal"]


class Answering(BaseHTTPRequestHandler):
    status = 503

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(type(self).status)
        self.end_headers()

    do_DELETE = do_PUT

    def log_message(self, *args):
        pass


def test_the_http_transport_says_why_a_send_failed_and_a_missing_pointer_is_already_gone():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        endpoint = HttpTransport(f"http://127.0.0.1:{server.server_port}/fhir")
        resource = {"resourceType": "DocumentReference", "id": "XDEV1-x"}
        Answering.status = 503
        with pytest.raises(TransportError, match="the endpoint answered 503"):
            endpoint.put("XDEV1-x", [resource], {})
        Answering.status = 404
        endpoint.remove("XDEV1-x", "DocumentReference")  # gone already: nothing to do
        Answering.status = 201
        endpoint.put("XDEV1-x", [resource], {})
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(TransportError, match="could not reach the endpoint"):
        HttpTransport(f"http://127.0.0.1:{server.server_port}/fhir", timeout=2).put("XDEV1-x", [resource], {})


def test_only_admins_see_what_is_waiting(app, world):
    from safetyplan.accounts.errors import NotAllowed
    from safetyplan.exchange.deliveries import not_yet_sent

    _person, clinician, _own = world
    with app.app_context(), transaction(), pytest.raises(NotAllowed):
        not_yet_sent(by=get_user(clinician))
