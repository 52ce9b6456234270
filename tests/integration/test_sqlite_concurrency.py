"""SQLite under the load of a small team: gunicorn with 2 workers and 4 threads each, 8 clinicians saving different
people's plans at once, and reading them between saves. No user may see a 5xx (no "database is locked"), and no
save that was acknowledged may be missing afterwards."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyotp
import pytest
from sqlalchemy import select

from safetyplan import schema
from safetyplan.db import session
from safetyplan.plans.models import Plan, PlanRevision
from tests.factories import create_account, create_person, create_team, write_plan
from tests.live import Visitor, app_environment, gunicorn

CLINICIANS = 8
SAVES_EACH = 8


@dataclass
class Tally:
    statuses: list[int] = field(default_factory=list)
    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # person id -> lines whose save got a 302
    failures: list[str] = field(default_factory=list)  # what went wrong in a clinician's thread
    lock = threading.Lock()

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses.append(status)


def clinician_at_work(
    base: str, email: str, secret: str, password: str, person_id: str, tally: Tally, start: threading.Barrier
) -> None:
    try:
        _work(base, email, secret, password, person_id, tally, start)
    except Exception as error:  # noqa: BLE001 (reported by the test, with what the server said)
        with tally.lock:
            tally.failures.append(repr(error))


def _work(
    base: str, email: str, secret: str, password: str, person_id: str, tally: Tally, start: threading.Barrier
) -> None:
    visitor = Visitor(base)
    status, _ = visitor.request("/sign-in", {**visitor.form("/sign-in"), "email": email, "password": password})
    assert status == 302
    status, _ = visitor.request("/sign-in/code", {**visitor.form("/sign-in/code"), "code": pyotp.TOTP(secret).now()})
    assert status == 302
    start.wait()
    review = date.today() + timedelta(days=30)
    for number in range(SAVES_EACH):
        line = f"Saved by {email} as save {number}"
        fields = visitor.form(f"/people/{person_id}/plan/edit")
        status, _ = visitor.request(
            f"/people/{person_id}/plan/edit",
            {
                **fields,
                "reason": "scheduled_review",
                "person_took_part": "y",
                "person_agrees": "yes",
                "on_my_own": line,
                "next_review_on[day]": str(review.day),
                "next_review_on[month]": str(review.month),
                "next_review_on[year]": str(review.year),
            },
        )
        tally.saw(status)
        if status == 302:
            with tally.lock:
                tally.acknowledged.setdefault(person_id, []).append(line)
        for path in (f"/people/{person_id}/plan", "/caseload"):
            tally.saw(visitor.request(path)[0])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_eight_clinicians_saving_at_once_see_no_server_error_and_lose_no_save(
    database_url, make_app, settings, tmp_path
):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'busy.db'}")
    with app.app_context():
        schema.upgrade()
        team = create_team("Busy Ward Team")
        workers = []
        for index in range(CLINICIANS):
            clinician = create_account("clinician", team=team)
            person = create_person(team, name=f"Busy Person {index}")
            write_plan(person, clinician)
            workers.append((clinician, str(person.id)))

    environment = app_environment(settings, tmp_path, SAFETYPLAN_DATABASE_URL=f"sqlite:///{tmp_path / 'busy.db'}")
    with gunicorn(environment) as server:
        base, errors = server.base, server.errors
        tally = Tally()
        start = threading.Barrier(CLINICIANS, timeout=120)
        threads = [
            threading.Thread(
                target=clinician_at_work, args=(base, c.email, c.totp_secret, c.password, person_id, tally, start)
            )
            for c, person_id in workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    assert not any(thread.is_alive() for thread in threads)
    assert tally.failures == [], f"{tally.failures}; the server said: {''.join(errors)[-5000:]}"
    server_errors = [status for status in tally.statuses if status >= 500]
    assert server_errors == [], f"{len(server_errors)} server errors; the server said: {''.join(errors)[-5000:]}"
    assert len(tally.statuses) == CLINICIANS * SAVES_EACH * 3
    with app.app_context():
        for _clinician, person_id in workers:
            saved = list(
                session.scalars(
                    select(PlanRevision)
                    .join(Plan, Plan.id == PlanRevision.plan_id)
                    .where(Plan.person_id == uuid.UUID(person_id))
                )
            )
            lines = {item for revision in saved for item in revision.content.get("on_my_own", {}).get("items", [])}
            acknowledged = tally.acknowledged.get(person_id, [])
            assert len(acknowledged) == SAVES_EACH  # every save went through (none refused as a conflict or error)
            assert set(acknowledged) <= lines, "an acknowledged save is missing"
