"""Structured logs: a JSON line per request, with its id, route, status, duration and actor, and never any content.

The canaries are a person's name, NHS number and plan words, and a user's email address: they go through every
kind of request that logs (a sign-in, a wrong password, a plan read and saved, a page refused, a save refused by a
database that cannot be written), and must appear in none of the lines.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import event

from safetyplan.db import database
from tests.factories import create_account, create_person, get_user, write_plan
from tests.integration.plans.test_pages import editor_data
from tests.pages import PageClient

CANARIES = ("Zephyrine Canarywood", "9434765919", "Quillfeather lantern", "canary.zzyzx@example.com", "Marrowbrook")


def _read_only(connection, _record):
    cursor = connection.cursor()
    cursor.execute(
        "PRAGMA query_only = ON"
        if "sqlite" in type(connection).__module__
        else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    )
    cursor.close()
    if "sqlite" not in type(connection).__module__:
        connection.commit()


@pytest.fixture
def logged(make_app, team):
    app = make_app(log_format="json")
    output = io.StringIO()
    (handler,) = app.logger.handlers  # the one handler the app logs through, writing JSON to standard error
    handler.setStream(output)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors are logged and answered, not raised
    with app.app_context():
        account = create_account("clinician", team=team, email=CANARIES[3], name="Canary Clinician")
        person = create_person(team, name=CANARIES[0], nhs_number=CANARIES[1])
        write_plan(person, account, words=CANARIES[2])
        user_id = str(get_user(account).id)
    output.truncate(0)  # only what the requests below log
    output.seek(0)
    return app, account, person, user_id, output


def lines(output) -> list[dict]:
    return [json.loads(line) for line in output.getvalue().splitlines()]  # every line is JSON


def test_each_request_is_one_json_line_with_ids_and_timings_and_no_content(logged):
    app, account, person, user_id, output = logged
    client = PageClient(app.test_client())
    client.post_form("/sign-in", {"email": "nobody." + CANARIES[3], "password": "wrong " + CANARIES[4]})
    client.account = account
    client.sign_in(account)
    client.get_page(f"/people/{person.id}/plan")
    data = editor_data(client, person.id, reasons=CANARIES[2] + " again")
    client.post_form(f"/people/{person.id}/plan/edit", data, status=302)
    client.get(f"/people/{person.id}/plan/revisions/99999999999999999999")  # 404
    with app.app_context():
        engine = database().engine
        event.listen(engine, "connect", _read_only)
        engine.dispose()
    try:
        data = editor_data(client, person.id, reasons=CANARIES[2] + " during the outage")
        client.post_form(f"/people/{person.id}/plan/edit", data, status=503)
    finally:
        with app.app_context():
            event.remove(engine, "connect", _read_only)
            engine.dispose()

    logged_lines = lines(output)
    text = json.dumps(logged_lines)
    for canary in CANARIES:
        assert canary not in text
    requests = [line for line in logged_lines if line["message"] == "request"]
    plan_reads = [line for line in requests if line.get("route") == "/people/<uuid:person_id>/plan"]
    assert plan_reads, requests
    read = plan_reads[0]
    assert read["status"] == 200
    assert read["method"] == "GET"
    assert read["actor_id"] == user_id
    assert len(read["request_id"]) == 32
    assert isinstance(read["duration_ms"], float)
    assert str(person.id) not in text  # the route's pattern, never the path with the record's id
    statuses = {line["status"] for line in requests}
    assert {200, 302, 404, 503} <= statuses
    # The refused save logged its failure: with the request's id, but only the kind of error, never its message.
    warnings = [line for line in logged_lines if line["level"] == "WARNING"]
    assert warnings and all("request_id" not in line or len(line["request_id"]) == 32 for line in warnings)
