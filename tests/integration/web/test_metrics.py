"""The metrics page for Prometheus: behind its bearer token, counting requests by route, saves and conflicts, with
what waits in the outbox and the audit spool and how much of the database pool is in use, and nothing about anyone.
"""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from safetyplan.audit.services import Grounds, event_fields
from safetyplan.audit.spool import spool
from safetyplan.config import ConfigError, Settings
from safetyplan.db import database, session, transaction
from safetyplan.exchange.deliveries import enqueue
from safetyplan.metrics import count_after_commit
from tests.factories import create_account, create_person, write_plan
from tests.integration.plans.test_pages import editor_data
from tests.live import Visitor, app_environment, gunicorn
from tests.pages import PageClient

TOKEN = "metrics-token-for-the-tests-0123456789"
PLAN_ROUTE = "/people/<uuid:person_id>/plan"


def sample(page: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with exactly ``labels`` on the metrics page (0 when it is not there yet)."""
    for family in text_string_to_metric_families(page):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def scrape(client, token: str = TOKEN) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


@pytest.fixture
def metered(make_app, team):
    app = make_app(metrics_token=TOKEN)
    with app.app_context():
        account = create_account("clinician", team=team)
        person = create_person(team, name="Metric Mx Quillon", nhs_number="9434765919")
        write_plan(person, account, words="first words")
    client = PageClient(app.test_client())
    client.sign_in(account)
    return app, client, person


def test_there_is_no_metrics_page_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", TOKEN])
def test_the_metrics_page_needs_its_token(metered, authorization):
    app, _client, _person = metered
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "safetyplan_" not in response.get_data(as_text=True)


def test_a_short_token_is_refused_at_start_up():
    with pytest.raises(ConfigError, match="SAFETYPLAN_METRICS_TOKEN"):
        Settings.from_env({"SAFETYPLAN_METRICS_TOKEN": "short"})


def test_requests_saves_and_conflicts_are_counted_by_route_and_nothing_names_anyone(metered):
    _app, client, person = metered
    before = scrape(client)
    for _ in range(3):
        client.get_page(f"/people/{person.id}/plan")
    client.get(f"/people/{person.id}/plan/revisions/999")  # a 404 by the revision route
    client.get("/no/such/page")  # matches no route
    mine = editor_data(client, person.id, reasons="first words\nmine")
    client.post_form(f"/people/{person.id}/plan/edit", editor_data(client, person.id, reasons="theirs"), status=302)
    client.post_form(f"/people/{person.id}/plan/edit", mine, status=409)  # based on a revision since replaced
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("safetyplan_http_requests_total", route=PLAN_ROUTE, method="GET", status="200") == 3
    assert grew("safetyplan_http_requests_total", route="(no route)", method="GET", status="404") == 1
    revision = PLAN_ROUTE + "/revisions/<int(max=2147483647):number>"
    assert grew("safetyplan_http_requests_total", route=revision, method="GET", status="404") == 1
    assert grew("safetyplan_http_requests_total", route=PLAN_ROUTE + "/edit", method="POST", status="302") == 1
    assert grew("safetyplan_http_requests_total", route=PLAN_ROUTE + "/edit", method="POST", status="409") == 1
    assert grew("safetyplan_http_request_duration_seconds_count", route=PLAN_ROUTE, method="GET") == 3
    assert grew("safetyplan_plan_saves_total") == 1  # the refused save is not counted as a save
    assert grew("safetyplan_plan_save_conflicts_total") == 1
    for private in (str(person.id), "Metric Mx Quillon", "9434765919", "first words", "theirs"):
        assert private not in after


def test_what_counts_on_commit_is_not_counted_when_rolled_back(app):
    counter = Counter("test_commits", "For this test only.", registry=CollectorRegistry())
    with app.app_context():
        count_after_commit(session, counter)
        session.rollback()
        session.commit()  # a later transaction commits: what was rolled back stays uncounted
        assert counter._value.get() == 0
        count_after_commit(session, counter)
        count_after_commit(session, counter)
        session.commit()
        assert counter._value.get() == 2
        count_after_commit(session, counter)
        savepoint = session.begin_nested()
        count_after_commit(session, counter)
        savepoint.rollback()  # only what was counted within the savepoint is forgotten
        session.commit()
        assert counter._value.get() == 3
        savepoint = session.begin_nested()
        count_after_commit(session, counter)
        savepoint.commit()  # a savepoint released: its transaction can still be rolled back
        session.rollback()
        session.commit()
        assert counter._value.get() == 3
        count_after_commit(session, counter)
        session.close()  # ended without a commit: nothing is carried into the session's next transaction
        session.commit()
        assert counter._value.get() == 3


def test_a_method_nobody_uses_is_counted_as_other(metered):
    _app, client, _person = metered
    for made_up in ("BREW", "WHEN", "XYZZY"):
        client.client.open("/", method=made_up)
    page = scrape(client)
    assert sample(page, "safetyplan_http_requests_total", route="(no route)", method="other", status="405") >= 3
    assert 'method="BREW"' not in page


def test_a_listener_that_fails_does_not_fail_the_answer(metered):
    app, client, person = metered

    def full_disk(_answered):
        raise OSError("no space left for the counts")

    app.extensions["safetyplan.request_listeners"][:] = [full_disk]
    assert client.get_page(f"/people/{person.id}/plan") is not None


def test_the_outbox_backlog_the_audit_spool_and_the_pool_are_read_when_asked(metered):
    app, client, person = metered
    with app.app_context(), transaction():
        for number in range(2):
            enqueue(person_id=person.id, kind="plan_sent", document_id=f"doc-{number}", payload={"resources": []})
    with app.app_context():  # not a request: its end would replay the spool, as the database can be written
        read = event_fields("audit_trail.viewed", by=None, grounds=Grounds.NONE)
        spool().append([read, read, read])
    page = scrape(client)
    assert sample(page, "safetyplan_outbox_waiting", kind="plan_sent") == 2
    assert sample(page, "safetyplan_outbox_oldest_waiting_seconds", kind="plan_sent") >= 0
    # A kind with nothing waiting reads 0, rather than having no series for an alert to see.
    assert 'safetyplan_outbox_waiting{kind="crisis_pointer"} 0.0' in page
    assert 'safetyplan_outbox_oldest_waiting_seconds{kind="crisis_withdrawal"} 0.0' in page
    assert sample(page, "safetyplan_audit_spool_events") == 3
    assert sample(page, "safetyplan_metrics_reading_up", reading="safetyplan_outbox_waiting") == 1
    # The scrape itself holds one connection while it reads the outbox; the app's pool opened at least that one.
    assert sample(page, "safetyplan_database_connections_open", database="primary") >= 1
    assert "safetyplan_database_connections_in_use" in page


def _refuse(connection, _record):
    raise OSError("the database cannot be reached")


def test_a_reading_that_fails_is_left_out_and_the_page_still_answers(metered):
    app, _client, _person = metered
    with app.app_context():
        engine = database().engine
        event.listen(engine, "connect", _refuse)
        engine.dispose()
    try:
        page = scrape(app.test_client())
    finally:
        with app.app_context():
            event.remove(engine, "connect", _refuse)
            engine.dispose()
    assert sample(page, "safetyplan_metrics_reading_up", reading="safetyplan_outbox_waiting") == 0
    assert sample(page, "safetyplan_metrics_reading_up", reading="safetyplan_audit_spool_events") == 1
    assert "safetyplan_outbox_waiting{" not in page


def test_gunicorn_workers_are_added_up_in_multiprocess_mode(settings, migrated_app, tmp_path):
    """Two workers, each counting for itself in PROMETHEUS_MULTIPROC_DIR: the page shows every request once."""
    counts = tmp_path / "prometheus"
    (counts / "left-by-a-stopped-server").mkdir(parents=True)
    (counts / "counter_1.db").write_bytes(b"counts of a server that stopped: emptied at start")
    environment = app_environment(
        settings, tmp_path, SAFETYPLAN_METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(counts)
    )
    with gunicorn(environment, workers=2, threads=1) as server:
        base = server.base
        # Eight clients at once, so that both workers answer some of them.
        with ThreadPoolExecutor(8) as clients:
            answered = sum(clients.map(lambda _: _answers(base + "/livez"), range(80)))
        status, page = Visitor(base).request("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert answered == 80
    # Every request answered, whichever worker answered it (and the one that showed gunicorn was up).
    assert sample(page, "safetyplan_http_requests_total", route="/livez", method="GET", status="200") == 81
    assert len(list(counts.glob("counter_*.db"))) == 2  # each worker kept its own counts; none left from before


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False
