"""Sending a plan to the GP practice or the team taking over, offered when a review is recorded at discharge or on
transfer: the PDF and the FHIR document, addressed by ODS code, through the same outbox as the crisis view; once
for each revision and organisation; only by a clinician of a team that holds the person."""

import base64
import io
import json
import re
import threading
import zipfile
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from pypdf import PdfReader
from sqlalchemy import select

from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.exchange import codes
from safetyplan.exchange.deliveries import (
    RECIPIENT_HEADER,
    DirectoryTransport,
    HttpTransport,
    Routes,
    TransportError,
    routes_for,
    send_due,
)
from safetyplan.exchange.everything import everything_for_me
from safetyplan.exchange.models import Delivery
from safetyplan.exchange.sending import Recipient, SendingError, send_plan, sent_plans
from safetyplan.sharing.crisis_view import choose_crisis_view
from tests.factories import create_account, create_person, create_team, get_user, write_plan
from tests.integration.exchange.test_crisis import Refusing
from tests.integration.plans.test_pages import editor_data
from tests.pages import PageClient, text_of

NHS_NUMBER = "9990000018"
GP = Recipient("gp", "Riverside Surgery (fictional)", "XGP01")


@pytest.fixture
def world(app):
    with app.app_context():
        team = create_team("Sending Team", phone="01632 960123")
        person = create_person(team, name="Sending Person", nhs_number=NHS_NUMBER)
        clinician = create_account("clinician", team=team, name="Dr Sending")
        own = create_account("person", person=person)
        write_plan(person, clinician, "Walk to the lido", reason="discharge")
    return person, clinician, own


def send(app, account, person, number=1, recipient=GP):
    with app.app_context(), transaction():
        return send_plan(by=get_user(account), person_id=person.id, number=number, recipient=recipient)


def deliveries(app, person):
    with app.app_context(), transaction():
        found = session.scalars(select(Delivery).where(Delivery.person_id == person.id).order_by(Delivery.created_at))
        return [(d.kind, d.document_id, d.revision_number, d.payload, d.status) for d in found]


def actions(app, prefix="plan.sent"):
    with app.app_context(), transaction():
        return session.execute(
            select(AuditEvent.action, AuditEvent.outcome).where(AuditEvent.action.like(f"{prefix}%"))
        ).all()


def pdf_text(data):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_a_sent_plan_is_the_fhir_document_and_a_message_to_the_practice_carrying_its_pdf(app, world):
    person, clinician, _own = world
    queued = send(app, clinician, person)
    assert not queued.already and queued.sent.recipient == GP and queued.sent.sent_at is None
    ((kind, document_id, number, payload, status),) = deliveries(app, person)
    assert (kind, number, status) == ("plan_sent", 1, "waiting")
    bundle, message = payload["resources"]
    Bundle.model_validate(bundle)
    Communication.model_validate(message)
    assert bundle["type"] == "document"
    assert message["id"] == document_id and document_id.startswith("XDEV1-")
    assert message["recipient"] == [
        {"identifier": {"system": codes.ODS_CODE, "value": "XGP01"}, "display": "Riverside Surgery (fictional)"}
    ]
    assert message["sender"]["identifier"] == {"system": codes.ODS_CODE, "value": "XDEV1"}
    assert message["subject"] == {"identifier": {"system": codes.NHS_NUMBER, "value": NHS_NUMBER}}
    assert message["reasonCode"][0]["coding"][0]["code"] == "discharge"
    attachment, reference = message["payload"]
    assert reference == {"contentReference": {"reference": f"Bundle/{bundle['id']}"}}
    pdf = base64.b64decode(attachment["contentAttachment"]["data"])
    assert pdf == base64.b64decode(payload["files"][f"{document_id}.pdf"])
    text = pdf_text(pdf)
    assert "Safetyplan:SendingPerson" in text and "Walktothelido" in text and "Jo" in text
    assert "SendingPerson,NHSnumber9990000018,born" in text  # as the practice matches them
    assert "Walk to the lido" in json.dumps(bundle)
    assert payload["recipient"] == {"kind": "gp", "name": "Riverside Surgery (fictional)", "ods_code": "XGP01"}
    assert actions(app) == [("plan.sent", "allowed")]


def test_sending_the_same_revision_to_the_same_organisation_again_adds_nothing(app, world):
    person, clinician, _own = world
    send(app, clinician, person)
    again = send(app, clinician, person)
    assert again.already and again.sent.revision_number == 1
    assert len(deliveries(app, person)) == 1
    assert actions(app) == [("plan.sent", "allowed")]
    other = send(app, clinician, person, recipient=Recipient("team", "Eastvale Community Team", "XEV01"))
    assert not other.already
    assert len(deliveries(app, person)) == 2


def test_four_sends_of_the_same_revision_at_once_queue_it_once(app, world):
    """A double click lands as two requests at once: the plan's row is locked while the earlier sends are read."""
    person, clinician, _own = world
    start, outcomes, failures = threading.Barrier(4), [], []

    def sender():
        try:
            with app.app_context():
                start.wait()
                outcomes.append(send(app, clinician, person).already)
        except Exception as error:  # noqa: BLE001
            failures.append(repr(error))

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(outcomes) == [False, True, True, True]
    assert len(deliveries(app, person)) == 1


def test_the_recipient_is_tidied_and_checked(app):
    tidy = Recipient.checked(kind="gp", name="  Riverside   Surgery ", ods_code=" x gp01 ")
    assert tidy == Recipient("gp", "Riverside Surgery", "XGP01")
    for kind, name, ods_code, code in [
        ("letter", "Riverside", "XGP01", "no_kind"),
        ("gp", "   ", "XGP01", "no_name"),
        ("gp", "R" * 121, "XGP01", "name_too_long"),
        ("gp", "Riverside", "X1", "ods_code"),
        ("gp", "Riverside", "XGP-01", "ods_code"),
        ("gp", "Riverside", "X" * 11, "ods_code"),
    ]:
        with pytest.raises(SendingError) as refused:
            Recipient.checked(kind=kind, name=name, ods_code=ods_code)
        assert refused.value.code == code


def test_only_a_clinician_of_a_team_holding_the_person_can_send_and_a_refusal_is_audited(app, world):
    person, _clinician, own = world
    with app.app_context():
        stranger = create_account("clinician", team=create_team("Another Team"), name="Dr Stranger")
    for account in (stranger, own):
        with app.app_context(), transaction(), pytest.raises(NotFound):  # raised inside: the denial is kept
            send_plan(by=get_user(account), person_id=person.id, number=1, recipient=GP)
    assert deliveries(app, person) == []
    assert actions(app) == [("plan.sent", "denied"), ("plan.sent", "denied")]


def test_a_person_with_no_nhs_number_cannot_be_sent_until_one_is_added(app, clinician_client, team):
    with app.app_context():
        unnumbered = create_person(team, name="Noel Unnumbered-Example")
        write_plan(unnumbered, clinician_client.account, reason="discharge")
    with app.app_context(), transaction(), pytest.raises(SendingError) as refused:
        send_plan(by=get_user(clinician_client.account), person_id=unnumbered.id, number=1, recipient=GP)
    assert refused.value.code == "no_nhs_number"
    page = clinician_client.get_page(f"/people/{unnumbered.id}/plan/send")
    assert "Add the person's NHS number to their record before you send the plan." in text_of(page, "main")
    assert page.select_one(f'a[href="/people/{unnumbered.id}"]') is not None
    assert not page.select("input[name=ods_code]") and not page.select("main form button")
    assert deliveries(app, unnumbered) == []


def test_a_newer_revision_saved_meanwhile_is_refused_by_the_service_too(app, world):
    person, clinician, _own = world
    with app.app_context():
        write_plan(person, clinician, "Swim at the lido", reason="scheduled_review")
    with app.app_context(), transaction(), pytest.raises(SendingError) as refused:
        send_plan(by=get_user(clinician), person_id=person.id, number=1, recipient=GP)
    assert refused.value.code == "newer"
    assert deliveries(app, person) == []


def test_a_clinician_working_in_welsh_sends_it_in_english_and_in_welsh(app, world):
    person, clinician, _own = world
    with app.test_request_context("/?lang=cy"), transaction():
        send_plan(by=get_user(clinician), person_id=person.id, number=1, recipient=GP)
    ((_kind, document_id, _number, payload, _status),) = deliveries(app, person)
    assert sorted(payload["files"]) == [f"{document_id}.cy.pdf", f"{document_id}.pdf"]
    _bundle, message = payload["resources"]
    languages = [part["contentAttachment"]["language"] for part in message["payload"] if "contentAttachment" in part]
    assert languages == ["en-GB", "cy-GB"]
    assert "Cynllundiogelwch" in pdf_text(base64.b64decode(payload["files"][f"{document_id}.cy.pdf"]))
    assert "Safetyplan:" in pdf_text(base64.b64decode(payload["files"][f"{document_id}.pdf"]))


def test_a_revision_that_does_not_exist_is_not_found_and_nothing_is_queued(app, world):
    person, clinician, _own = world
    with app.app_context(), transaction(), pytest.raises(NotFound):
        send_plan(by=get_user(clinician), person_id=person.id, number=7, recipient=GP)
    assert deliveries(app, person) == []
    assert actions(app) == [("plan.sent", "failed")]


# --- Through the outbox ----------------------------------------------------------------------------------------


def test_the_directory_transport_files_the_plan_in_a_folder_for_the_organisation(app, world, settings):
    person, clinician, _own = world
    send(app, clinician, person)
    with app.app_context():
        routes = routes_for(settings)
        assert send_due(routes).sent == 1
    ((_kind, document_id, _number, _payload, status),) = deliveries(app, person)
    assert status == "sent"
    folder = settings.instance_path / "outbox" / "sent" / "XGP01"
    bundle, message = json.loads((folder / f"{document_id}.json").read_text())
    assert (bundle["resourceType"], message["resourceType"]) == ("Bundle", "Communication")
    assert (folder / f"{document_id}.pdf").read_bytes().startswith(b"%PDF")
    with app.app_context(), transaction():
        assert [row.sent_at is not None for row in sent_plans(person.id)] == [True]


def test_a_practice_that_is_down_holds_up_nothing_for_urgent_care(app, world, tmp_path):
    person, clinician, _own = world
    send(app, clinician, person)
    with app.app_context(), transaction():
        choose_crisis_view(by=get_user(clinician), person_id=person.id, keys={"reasons"}, decided_on=date.today())
    with app.app_context():
        report = send_due(Routes(nrl=DirectoryTransport(tmp_path), sent_plans=Refusing()))
    assert (report.sent, report.failed) == (1, 1)
    statuses = {kind: status for kind, _id, _n, _p, status in deliveries(app, person)}
    assert statuses == {"plan_sent": "waiting", "crisis_pointer": "sent"}


class RefusingOne:
    """A gateway that refuses one organisation (an unknown mailbox, say) and takes the rest."""

    def __init__(self):
        self.taken = []

    def put(self, document_id, resources, files, *, to=None):
        if to == "XGP01":
            raise TransportError("the endpoint answered 422")
        self.taken.append(to)

    def remove(self, document_id, resource_type):
        raise AssertionError("a sent plan is never withdrawn")


def test_a_plan_one_organisation_refuses_never_holds_up_the_next(app, world):
    person, clinician, _own = world
    send(app, clinician, person)
    send(app, clinician, person, recipient=Recipient("team", "Eastvale Community Team", "XEV01"))
    gateway = RefusingOne()
    with app.app_context():
        report = send_due(gateway)
    assert (report.sent, report.failed, gateway.taken) == (1, 1, ["XEV01"])


def test_a_delivery_that_names_no_recipient_is_never_marked_sent(app, world, tmp_path):
    person, clinician, _own = world
    send(app, clinician, person)
    with app.app_context(), transaction():
        delivery = session.scalars(select(Delivery).where(Delivery.person_id == person.id)).one()
        delivery.payload = {**delivery.payload, "recipient": None}
    with app.app_context():
        assert send_due(DirectoryTransport(tmp_path)).failed == 1
    ((_kind, _id, _number, _payload, status),) = deliveries(app, person)
    assert status == "waiting" and list(tmp_path.iterdir()) == []
    with pytest.raises(TransportError):
        DirectoryTransport(tmp_path).put("XDEV1-1", [{"resourceType": "Bundle"}], {}, to="../elsewhere")


class Gateway(BaseHTTPRequestHandler):
    """A FHIR endpoint standing in for the GP Connect gateway: it keeps each resource and the recipient header."""

    received: ClassVar[list[tuple[str, str | None, dict]]] = []

    def do_PUT(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, self.headers.get(RECIPIENT_HEADER), body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_over_http_each_resource_is_put_under_its_id_addressed_to_the_organisation(app, world):
    person, clinician, _own = world
    send(app, clinician, person)
    Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        with app.app_context():
            assert send_due(HttpTransport(f"http://127.0.0.1:{server.server_port}/fhir")).sent == 1
    finally:
        server.shutdown()
        server.server_close()
    ((_kind, document_id, _number, payload, _status),) = deliveries(app, person)
    bundle_id = payload["resources"][0]["id"]
    assert [(path, to) for path, to, _body in Gateway.received] == [
        (f"/fhir/Bundle/{bundle_id}", "XGP01"),
        (f"/fhir/Communication/{document_id}", "XGP01"),
    ]


# --- The pages ------------------------------------------------------------------------------------------------


@pytest.fixture
def on_caseload(app, team, clinician_client):
    with app.app_context():
        return create_person(team, name="Quinn Discharge-Example", nhs_number=NHS_NUMBER)


def _save(clinician_client, person, reason):
    data = editor_data(clinician_client, person.id, reason=reason, reasons="Feeding the ducks")
    return clinician_client.post_form(f"/people/{person.id}/plan/edit", data, status=302)


def test_a_review_recorded_at_discharge_offers_to_send_the_plan_and_sending_it_queues_it(
    app, clinician_client, on_caseload
):
    _save(clinician_client, on_caseload, "first_plan")
    saved = _save(clinician_client, on_caseload, "discharge")
    url = f"/people/{on_caseload.id}/plan/send"
    assert saved.headers["Location"] == url
    page = clinician_client.get_page(url)
    assert "Plan saved." in text_of(page, ".nhsuk-notification-banner")
    assert "You recorded this review at discharge." in text_of(page, "main")
    assert "revision 2" in text_of(page, "main")
    assert page.select_one("input[name=kind][value=gp]").has_attr("checked")  # at discharge, the GP by default
    sent = clinician_client.post_form(
        url, {"number": "2", "kind": "gp", "name": "Riverside Surgery", "ods_code": "xgp01"}, status=302
    )
    assert sent.headers["Location"] == f"/people/{on_caseload.id}/plan"
    banner = text_of(clinician_client.get_page(sent.headers["Location"]), ".nhsuk-notification-banner")
    assert "Revision 2 is on its way to Riverside Surgery." in banner
    # A double click, or the same form sent again from a second tab, sends it once, and says so.
    again = clinician_client.post_form(
        url, {"number": "2", "kind": "gp", "name": "Riverside Surgery", "ods_code": "XGP01"}, status=302
    )
    banner = text_of(clinician_client.get_page(again.headers["Location"]), ".nhsuk-notification-banner")
    assert "Revision 2 is already waiting to go to Riverside Surgery." in banner
    ((kind, _id, number, payload, _status),) = deliveries(app, on_caseload)
    assert (kind, number, payload["recipient"]["ods_code"]) == ("plan_sent", 2, "XGP01")
    row = text_of(clinician_client.get_page(url), "table")
    assert "Riverside Surgery (XGP01)" in row and "Waiting to go" in row


def test_a_scheduled_review_goes_back_to_the_plan_which_still_links_to_sending(app, clinician_client, on_caseload):
    saved = _save(clinician_client, on_caseload, "first_plan")
    assert saved.headers["Location"] == f"/people/{on_caseload.id}/plan"
    page = clinician_client.get_page(saved.headers["Location"])
    assert page.select_one(f'a[href="/people/{on_caseload.id}/plan/send"]') is not None
    offer = clinician_client.get_page(f"/people/{on_caseload.id}/plan/send")
    assert "You recorded this review" not in text_of(offer, "main")
    assert not offer.select("input[name=kind][checked]")


def test_a_wrong_ods_code_or_a_missing_name_is_explained_and_what_was_typed_stays(app, clinician_client, on_caseload):
    _save(clinician_client, on_caseload, "transfer")
    url = f"/people/{on_caseload.id}/plan/send"
    page = clinician_client.post_page(
        url, {"number": "1", "kind": "team", "name": "Eastvale Team", "ods_code": "E-1"}, status=400
    )
    assert "Enter an ODS code of 3 to 10 letters and numbers, like A81001" in text_of(page, ".nhsuk-error-summary")
    assert page.select_one("input[name=name]")["value"] == "Eastvale Team"
    assert page.select_one("input[name=kind][value=team]").has_attr("checked")
    page = clinician_client.post_page(url, {"number": "1", "kind": "team", "name": "", "ods_code": "XEV01"}, status=400)
    assert "Enter the name of the GP practice or team" in text_of(page, ".nhsuk-error-summary")
    assert deliveries(app, on_caseload) == []


def test_a_revision_saved_since_the_page_opened_is_shown_before_anything_is_sent(app, clinician_client, on_caseload):
    _save(clinician_client, on_caseload, "discharge")
    url = f"/people/{on_caseload.id}/plan/send"
    token = clinician_client.csrf_token(url)
    _save(clinician_client, on_caseload, "scheduled_review")  # another tab saves revision 2 meanwhile
    response = clinician_client.client.post(
        url, data={"csrf_token": token, "number": "1", "kind": "gp", "name": "Riverside", "ods_code": "XGP01"}
    )
    assert response.status_code == 409
    assert b"A newer revision of the plan was saved since you opened this page" in response.data
    assert deliveries(app, on_caseload) == []
    assert b'name="number" value="2"' in response.data


def test_there_is_nothing_to_send_before_there_is_a_plan(app, clinician_client, on_caseload):
    assert clinician_client.get(f"/people/{on_caseload.id}/plan/send").status_code == 404


# --- What the person sees ----------------------------------------------------------------------------------------


def test_the_person_sees_where_their_plan_went_in_their_copy_and_who_has_looked(app, world):
    person, clinician, own = world
    send(app, clinician, person)
    with app.test_request_context(), transaction():
        made = everything_for_me(by=get_user(own))
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        sharing = json.loads(archive.read("sharing.json"))
    (entry,) = sharing["plan_sent_to"]
    assert (entry["to"], entry["ods_code"], entry["revision"]) == ("Riverside Surgery (fictional)", "XGP01", 1)


def test_the_person_is_told_their_plan_was_sent_on_who_has_looked(app, world):
    person, clinician, own = world
    send(app, clinician, person)
    viewer = PageClient(app.test_client())
    viewer.sign_in(own)
    assert "Sent your plan to your GP or another team" in text_of(viewer.get_page("/my-plan/who-has-looked"), "main")


def test_check_schema_reads_the_message_sent_and_names_a_level_added_to_it(app, monkeypatch):
    from safetyplan.assurance.schema_check import EXPORT_SHAPES
    from safetyplan.exchange.sending import sample_message
    from tests.integration.assurance.test_cli import check_schema

    name = "Plan sent at discharge or on transfer (Communication)"
    assert name in app.extensions[EXPORT_SHAPES]  # checked every run
    with app.app_context():
        Communication.model_validate(sample_message())
    assert check_schema(app)[0] == 0

    def with_a_level():
        message = sample_message()
        message["category"].append({"coding": [{"system": "http://loinc.org", "code": "93374-7"}]})
        return message

    monkeypatch.setitem(app.extensions, EXPORT_SHAPES, {name: with_a_level})
    code, output = check_schema(app)
    assert code == 1
    assert "the code http://loinc.org|93374-7 is a risk level" in output
