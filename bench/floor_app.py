"""The app as `bench/load.py` serves it: the real app, plus three endpoints that exist only in the benchmark.

They measure the floor under any page a signed-in user sees, each adding one layer to the one before:

    /bench/signed-in   the session and its user are loaded and the access policy runs; the body is "ok"
    /bench/audited     the same, and one audit event is recorded and committed, as every read of a record is
    /bench/page        the same, and the empty site page (the NHS.UK layout, header and footer) is rendered

So a run shows how much of the bare endpoint's throughput is left before a page does any work of its own. Never
imported by the app or the tests; gunicorn loads it with `bench.floor_app:create_app()`.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user

from safetyplan import create_app as create_safetyplan_app
from safetyplan.audit import Grounds, record
from safetyplan.web.access import signed_in

EMPTY_PAGE = '{% extends "layout.html" %}{% block content %}<p class="nhsuk-body">ok</p>{% endblock %}'


def _audit_a_read() -> None:
    # A real action (record refuses one with no plain-English label), on the grounds of the user's role.
    record("plan.viewed", by=current_user, grounds=Grounds.role(current_user.role))


def create_app() -> Flask:
    app = create_safetyplan_app()
    empty_page = app.jinja_env.from_string(EMPTY_PAGE)  # compiled once, as the app's own templates are

    @app.get("/bench/signed-in")
    @signed_in("clinician")
    def bench_signed_in() -> str:
        return "ok"

    @app.get("/bench/audited")
    @signed_in("clinician")
    def bench_audited() -> str:
        _audit_a_read()
        return "ok"

    @app.get("/bench/page")
    @signed_in("clinician")
    def bench_page() -> str:
        _audit_a_read()
        return render_template(empty_page)

    return app
