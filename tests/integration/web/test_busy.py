"""A database that is down, busy, full or read-only answers 503 with the words typed, never a 500; a busy one is
tried again within the request, so that the user sees the save go through."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Blueprint, request
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from safetyplan.db import database, session
from safetyplan.outbox import Message, outbox
from safetyplan.web.access import public
from tests.pages import check_page, text_of

flaky = Blueprint("flaky", __name__)
runs: list[str] = []


def sqlite_error(code: int, message: str) -> OperationalError:
    original = sqlite3.OperationalError(message)
    original.sqlite_errorcode = code  # type: ignore[attr-defined]
    return OperationalError("INSERT INTO plans ...", {}, original)


ERRORS = {
    "busy": lambda: sqlite_error(5, "database is locked"),
    "full": lambda: sqlite_error(13, "database or disk is full"),
    "lost": lambda: OperationalError(
        "SELECT 1", {}, Exception("server closed the connection unexpectedly"), connection_invalidated=True
    ),
}


@flaky.route("/test/flaky/<kind>/<int:failures>", methods=["GET", "POST"])
@public
def flaky_save(kind: str, failures: int) -> str:
    """Fails ``failures`` times with the database error ``kind``, then saves what was sent."""
    runs.append(request.form.get("words", ""))
    session.execute(text("SELECT 1"))
    if len(runs) <= failures:
        raise ERRORS[kind]()
    return "saved: " + request.form.get("words", "")


@flaky.post("/test/flaky-after-sending")
@public
def flaky_after_sending() -> str:
    runs.append("sent")
    outbox().send(Message(to="someone@example.invalid", subject="A link", body="..."))
    raise ERRORS["busy"]()


@pytest.fixture
def flaky_app(make_app):
    runs.clear()
    app = make_app(flaky)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_busy_database_is_tried_again_and_the_save_goes_through(flaky_app):
    response = flaky_app.test_client().post("/test/flaky/busy/3", data={"words": "Walk the dog"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "saved: Walk the dog"
    assert runs == ["Walk the dog"] * 4  # the body was read again by each run


def test_a_database_that_stays_busy_gets_503_with_the_words_and_try_again(flaky_app):
    response = flaky_app.test_client().post("/test/flaky/busy/1000", data={"words": "Walk the dog", "section": "x"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = check_page(response.data)
    assert text_of(page, "h1") == "Sorry, the service is busy"
    assert "Try again in a minute" in text_of(page, "main")
    assert "Walk the dog" in [p.get_text() for p in page.select(".app-kept-text")]
    assert b"database is locked" not in response.data
    assert 1 < len(runs) <= 8


def test_a_full_disk_gets_503_at_once_with_the_words_and_counts_against_health(flaky_app):
    response = flaky_app.test_client().post("/test/flaky/full/1", data={"words": "Walk the dog"})
    assert response.status_code == 503
    assert runs == ["Walk the dog"]  # not busy: running it again would not help
    assert "Walk the dog" in [p.get_text() for p in check_page(response.data).select(".app-kept-text")]
    with flaky_app.app_context():
        assert database().writes.failing()


def test_the_busy_page_is_in_welsh_for_a_welsh_reader(flaky_app):
    response = flaky_app.test_client().post("/test/flaky/busy/1000?lang=cy", data={"words": "Cerdded y ci"})
    page = check_page(response.data)
    assert page.html["lang"] == "cy"
    assert text_of(page, "h1") == "Mae'n ddrwg gennym, mae'r gwasanaeth yn brysur"


def test_a_request_that_sent_a_message_is_never_run_twice(flaky_app):
    response = flaky_app.test_client().post("/test/flaky-after-sending", data={"words": "x"})
    assert response.status_code == 503
    assert runs == ["sent"]
    assert len(flaky_app.extensions["safetyplan.outbox"].sent) == 1


def test_a_lost_connection_is_tried_again_for_a_read_only(flaky_app):
    assert flaky_app.test_client().get("/test/flaky/lost/1").get_data(as_text=True) == "saved: "
    assert len(runs) == 2  # a read: tried again on another connection
    runs.clear()
    assert flaky_app.test_client().post("/test/flaky/lost/1", data={"words": "Walk"}).status_code == 503
    assert runs == ["Walk"]  # a write: its commit may have happened, so it is never sent twice


def test_the_real_engine_refuses_a_stale_snapshots_write_as_busy(app, tmp_path):
    """What the retry is for: on SQLite, a request's deferred transaction that read before another writer committed
    is refused at its first write, at once; db.is_busy says so."""
    from safetyplan.db import is_busy, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'snapshot.db'}")
    try:
        with engine.begin() as setup:
            setup.execute(text("CREATE TABLE t (n INTEGER)"))
        with app.test_request_context("/"):  # a request's transactions are deferred
            reader, writer = engine.connect(), engine.connect()
            reader.begin()
            reader.execute(select(text("count(*)")).select_from(text("t"))).scalar()
            with writer.begin():
                writer.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(OperationalError) as refused:
                reader.execute(text("INSERT INTO t VALUES (2)"))
            assert is_busy(refused.value)
            reader.rollback()
            reader.close()
            writer.close()
    finally:
        engine.dispose()
