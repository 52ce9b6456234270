"""Every form and button (POST) × every role × one's own team's person and another team's: the status, and that a
refused request changed nothing.

Each role sends its own valid CSRF token, read from a page it was shown, so that what refuses it is the access
design, not the token: the test checks that the token was accepted on every request. The body carries nothing but
the token (and, where a form is checked before access, the fields that let it through to the access check), so the
roles that may send a form mostly get it back with its errors; the few that act on so little are listed in
MAY_WRITE with the tables they write. Any other write, by anyone, fails the test (tests/writes.py), and the other
team's person's rows must be exactly as they were.

The table below is the access design written out, like the GET matrix's (test_authorization_matrix.py). A new POST
route fails this test until it is added here, so that nobody widens access without saying so. The walk follows the
table's order, so sign-out is last: after it a client has no session to send anything with.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask, g, request_finished, url_for
from sqlalchemy import func, inspect, select

from safetyplan.audit.models import AuditEvent
from safetyplan.db import Base, database, session
from safetyplan.web.access import policy_of
from tests.integration.role_world import CRISIS_CONTACT_ID, World, build_world
from tests.integration.test_authorization_matrix import CANARY, ROLES
from tests.writes import AUDIT_TABLES, recording_writes

SIGNED_OUT = 401  # a form sent without a session: our "you were signed out" page (safetyplan/web/session.py)
FORBIDDEN = 403  # the route's policy does not admit the role
NOT_FOUND = 404  # the role may use the route, but not on this person (it looks like a missing page)
REDIRECT = 302
#: The answers that refuse a request.
REFUSALS = {SIGNED_OUT, FORBIDDEN, NOT_FOUND}


def refused_but(**allowed: int) -> dict[str, int]:
    """Anonymous gets the signed-out page, every role is refused by the route's policy, except ``allowed``."""
    return {"anonymous": SIGNED_OUT, **dict.fromkeys(ROLES[1:], FORBIDDEN), **allowed}


def any_role(status: int) -> dict[str, int]:
    """Any signed-in role may send it; anonymous gets the signed-out page."""
    return {"anonymous": SIGNED_OUT, **dict.fromkeys(ROLES[1:], status)}


# endpoint -> {role: status}; "own" / "other" variants for routes that name a person, a team, or something of theirs.
EXPECTED_POST: dict[str, dict[str, int]] = {
    # Signing in, for anyone: the empty form comes back with its errors; a signed-in user is sent home. The steps
    # after the password send everyone without one just passed back to the sign-in page.
    "accounts.sign_in": {"anonymous": 200, **dict.fromkeys(ROLES[1:], REDIRECT)},
    "accounts.second_factor": dict.fromkeys(ROLES, REDIRECT),
    "accounts.set_up_app_at_sign_in": dict.fromkeys(ROLES, REDIRECT),
    "accounts.set_password": dict.fromkeys(ROLES, 200),
    # One's own account.
    "accounts.change_password": any_role(200),
    "accounts.change_language": any_role(200),
    "accounts.switch_language": any_role(REDIRECT),
    "accounts.set_up_app": any_role(200),
    "accounts.keep_alive": any_role(204),
    # Admins.
    "admin.add_user": refused_but(admin=200),
    "admin.add_team": refused_but(admin=200),
    "admin.team:own": refused_but(admin=200),
    "admin.team:other": refused_but(admin=200),
    "admin.add_to_caseload:own": refused_but(admin=200),
    "admin.add_to_caseload:other": refused_but(admin=200),
    "plans.crisis_contact": refused_but(admin=200),
    "people.add_person": refused_but(clinician=200, admin=200),
    # Auditors.
    "assurance.scan": refused_but(auditor=400),  # no document: the scan page again, as a 400
    "exchange.import_plan": refused_but(clinician=400),  # no file: the import page again, as a 400
    "audit_trail.overview": refused_but(auditor=200),
    # Clinicians: the caseload search, and one person's plan.
    "plans.caseload": refused_but(clinician=200),
    "plans.edit:own": refused_but(clinician=200),
    "plans.edit:other": refused_but(clinician=NOT_FOUND),
    "plans.declined:own": refused_but(clinician=200),
    "plans.declined:other": refused_but(clinician=NOT_FOUND),
    # Sending the plan at discharge or on transfer: no revision number in the form is a 400.
    "exchange.send_plan:own": refused_but(clinician=400),
    "exchange.send_plan:other": refused_but(clinician=NOT_FOUND),
    "plans.save_draft:own": refused_but(clinician=204),
    "plans.save_draft:other": refused_but(clinician=NOT_FOUND),
    "plans.discard_draft:own": refused_but(clinician=REDIRECT),
    "plans.discard_draft:other": refused_but(clinician=NOT_FOUND),
    # Sent from a revision seen before the plan moved on: the clinician is sent back to the history, unsaved.
    "plans.restore:own": refused_but(clinician=REDIRECT),
    "plans.restore:other": refused_but(clinician=NOT_FOUND),
    # A carer's suggestion: the person decides it, or a clinician records their decision (the empty form: 400).
    "plans.decide:own": refused_but(clinician=400, person=400),
    "plans.decide:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    # The person's own plan.
    "plans.suggest": refused_but(person=200),
    "plans.disagree": refused_but(person=200),
    "plans.withdraw_disagreement:own": refused_but(person=REDIRECT),
    "plans.withdraw_disagreement:other": refused_but(person=NOT_FOUND),
    # Who is involved, and what they see: the person and their team's clinicians (conversations: clinicians only).
    # In this order: choosing sections, inviting and (with nobody to confirm or unlink) the buttons, then removing.
    "sharing.add_involved:own": refused_but(clinician=200, person=200),
    "sharing.add_involved:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    "sharing.record_conversation:own": refused_but(clinician=200),
    "sharing.record_conversation:other": refused_but(clinician=NOT_FOUND),
    "sharing.choose_sections:own": refused_but(clinician=200, person=REDIRECT),
    "sharing.choose_sections:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    # No date (the clinician) or no conversation recorded yet (the person): the page again, as a 400.
    "exchange.crisis_view:own": refused_but(clinician=400, person=400),
    "exchange.crisis_view:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    "sharing.invite:own": refused_but(clinician=REDIRECT, person=REDIRECT),
    "sharing.invite:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    "sharing.confirm:own": refused_but(clinician=REDIRECT, person=REDIRECT),
    "sharing.confirm:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    "sharing.unlink:own": refused_but(clinician=REDIRECT, person=REDIRECT),
    "sharing.unlink:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    "sharing.remove:own": refused_but(clinician=REDIRECT, person=REDIRECT),
    "sharing.remove:other": refused_but(clinician=NOT_FOUND, person=NOT_FOUND),
    # Carers: accepting an invitation (anyone else signed in is told it is the wrong account), and suggesting.
    "sharing.invitation": {"anonymous": 200, **dict.fromkeys(ROLES[1:], FORBIDDEN), "carer": 200},
    # A carer's invitation through NHS login, where it is not configured: not there.
    "identity.accept_invitation": dict.fromkeys(ROLES, NOT_FOUND),
    "identity.connect": dict.fromkeys(ROLES, NOT_FOUND),
    "identity.link": any_role(NOT_FOUND),
    "sharing.shared_suggest:own": refused_but(carer=200),
    "sharing.shared_suggest:other": refused_but(carer=NOT_FOUND),
    # The offline copy: the person keeps their own plan on a device (a carer must say whose); a device no one has.
    "offline.add_device": refused_but(person=201, carer=400),
    "offline.forget": refused_but(person=NOT_FOUND, carer=NOT_FOUND),
    # Last: it ends the session.
    "accounts.sign_out": any_role(REDIRECT),
}

#: The cases that act on a body with nothing but the token, and what each may write besides the audit trail.
MAY_WRITE: dict[tuple[str, str], frozenset[str]] = {
    ("offline.add_device", "person"): frozenset({"offline_devices"}),  # their own plan, kept on a new device
    ("plans.save_draft:own", "clinician"): frozenset({"plan_drafts"}),  # the (empty) draft is kept
    ("plans.discard_draft:own", "clinician"): frozenset({"plan_drafts"}),  # and thrown away
    # The save is tried against the plan's number (UPDATE ... WHERE current_number = 0), which matches no row.
    ("plans.restore:own", "clinician"): frozenset({"plans"}),
    ("plans.withdraw_disagreement:own", "person"): frozenset({"plan_disagreements"}),
    # The person may choose nothing: their spare involved person now sees none of the plan.
    ("sharing.choose_sections:own", "person"): frozenset({"sharing_choices"}),
    **{("sharing.invite:own", role): frozenset({"carer_invitations"}) for role in ("clinician", "person")},
    # Removing ends the invitation just sent (nothing was shared with them, so no sharing choice is added).
    **{
        ("sharing.remove:own", role): frozenset({"involved_people", "carer_invitations"})
        for role in ("clinician", "person")
    },
    **{("accounts.sign_out", role): frozenset({"user_sessions"}) for role in ROLES[1:]},
}

#: Fields sent besides the token where the route checks its form before access, so that the refusal seen is the
#: access check's, not the form's.
BODIES: dict[str, dict[str, str]] = {
    "plans.restore": {"base_number": "0"},  # a revision number, but not the plan's newest
}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def post_url(app: Flask, key: str, role: str, world: World) -> str:
    endpoint, _, variant = key.partition(":")
    side = world.side(variant)
    arguments: dict[str, Any] = {
        "person_id": side.person_id,
        "team_id": side.team_id,
        # Our side's changes go to a spare involved person of the role's own; theirs aim at their real carer.
        "involved_id": side.spare_involved_ids[role] if side is world.own else side.involved_id,
        "suggestion_id": side.suggestion_id,
        "disagreement_id": side.disagreement_id,
        "number": 1,
        "contact_id": CRISIS_CONTACT_ID,
        "device_id": uuid.UUID(int=2),  # a device no one has
        "path": "nhs-login",
    }
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and "POST" in rule.methods)
    with app.test_request_context():
        return url_for(endpoint, **{name: arguments[name] for name in rule.arguments})


def own_csrf_token(world: World, role: str) -> str:
    """The token of a page this role was shown, from its <meta name="csrf-token">, as the page's script reads it."""
    soup = world.clients[role].get_page("/sign-in" if role == "anonymous" else "/account")
    meta = soup.select_one("meta[name=csrf-token]")
    assert meta is not None and meta.get("content"), "the page carries no CSRF token"
    return str(meta["content"])


def rows_of_person(person_id: uuid.UUID, team_id: uuid.UUID) -> dict[str, list[tuple[object, ...]]]:
    """Every row (but the audit trail's) about this person or their team, as stored: sealed fields as sealed."""
    engine = database().engine
    existing = set(inspect(engine).get_table_names())
    rows = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in AUDIT_TABLES or table.name not in existing:
                continue
            if "person_id" in table.c:
                where = table.c.person_id == person_id
            elif table.name == "people":
                where = table.c.id == person_id
            elif "team_id" in table.c:
                where = table.c.team_id == team_id
            elif table.name == "teams":
                where = table.c.id == team_id
            else:
                continue
            rows[table.name] = sorted(tuple(row) for row in connection.execute(select(table).where(where)))
    return rows


def post_cases() -> list[tuple[str, str]]:
    return [(key, role) for key in EXPECTED_POST for role in ROLES]


def test_the_table_covers_every_post_route(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    covered = {key.partition(":")[0] for key in EXPECTED_POST}
    assert endpoints == covered, "add the new POST routes to EXPECTED_POST, with the status each role gets"


def test_the_table_refuses_every_role_the_route_policy_refuses(app: Flask) -> None:
    disagreeing = []
    for key, role in post_cases():
        policy = policy_of(key.partition(":")[0], app)
        assert policy is not None, key
        if policy.name == "public":
            continue
        refused_by_policy = role == "anonymous" or (policy.roles and role not in policy.roles)
        if refused_by_policy and EXPECTED_POST[key][role] not in (SIGNED_OUT, FORBIDDEN):
            disagreeing.append(f"{role} {key}: the policy {policy.name} refuses it, the table says otherwise")
    assert disagreeing == []


def test_only_allowed_cases_may_write() -> None:
    refused_yet_writing = [case for case in MAY_WRITE if EXPECTED_POST[case[0]][case[1]] in REFUSALS]
    assert refused_yet_writing == []


def test_every_role_posting_with_its_own_token_gets_exactly_what_the_design_allows(app: Flask, world: World) -> None:
    check_every_post(app, world, EXPECTED_POST)


def check_every_post(app: Flask, world: World, expected_post: dict[str, dict[str, int]]) -> None:
    tokens = {role: own_csrf_token(world, role) for role in ROLES}
    with app.app_context():
        canary_before = rows_of_person(world.other.person_id, world.other.team_id)
    csrf_valid: list[bool] = []

    def note_token_check(_sender: Flask, **_extra: object) -> None:
        csrf_valid.append(bool(g.get("csrf_valid")))

    failures = []
    with request_finished.connected_to(note_token_check, app), recording_writes(app) as writes:
        for key, role in post_cases():
            url = post_url(app, key, role, world)
            body = {"csrf_token": tokens[role], **BODIES.get(key.partition(":")[0], {})}
            writes.take()
            csrf_valid.clear()
            response = world.clients[role].client.post(url, data=body)
            expected = expected_post[key][role]
            written = sorted({table for _how, table in writes.take()} - AUDIT_TABLES)
            case = f"{role} POST {url} ({key})"
            if response.status_code != expected:
                failures.append(f"{case}: {response.status_code}, expected {expected}")
            if csrf_valid != [True]:
                failures.append(f"{case}: its own CSRF token was not accepted, so this proves nothing about access")
            if written != sorted(MAY_WRITE.get((key, role), ())):
                failures.append(f"{case}: wrote {written}, expected {sorted(MAY_WRITE.get((key, role), ()))}")
            if role != "admin" and CANARY.encode() in response.data:
                failures.append(f"{case}: the other team's person's name is in the page")
            to_sign_in = response.headers.get("Location", "").startswith("/sign-in")
            if expected == REDIRECT and role == "anonymous" and not to_sign_in:
                failures.append(f"{case}: sent to {response.headers.get('Location')}, not to sign in")
    assert failures == []
    with app.app_context():
        assert rows_of_person(world.other.person_id, world.other.team_id) == canary_before


#: Form pages that show the form again when its token is refused (``redisplays_on_refused_token``), sent by a role
#: the route admits, for another team's person (or a person who shares nothing with the carer).
REDISPLAYED_FOR_A_STRANGER = [
    ("plans.edit:other", "clinician"),
    ("plans.declined:other", "clinician"),
    ("sharing.add_involved:other", "person"),
    ("sharing.record_conversation:other", "clinician"),
    ("sharing.choose_sections:other", "clinician"),
    ("exchange.crisis_view:other", "clinician"),
    ("exchange.send_plan:other", "clinician"),
    ("sharing.shared_suggest:other", "carer"),
]


def test_a_refused_token_on_a_strangers_form_is_a_404_like_a_good_one(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form is shown again only to someone who may see it: for anyone else the view's refusal stands, and the
    denial is audited (it once became a 500, whose rollback dropped the audit event)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # answer as in production, not raise
    denials_before = _denials_about(app, world.other.person_id)
    statuses = {
        (key, role): world.clients[role].client.post(post_url(app, key, role, world), data={"csrf_token": "stale"})
        for key, role in REDISPLAYED_FOR_A_STRANGER
    }
    assert {case: response.status_code for case, response in statuses.items()} == dict.fromkeys(statuses, NOT_FOUND)
    assert _denials_about(app, world.other.person_id) >= denials_before + len(REDISPLAYED_FOR_A_STRANGER)


def _denials_about(app: Flask, person_id: uuid.UUID) -> int:
    with app.app_context():
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.person_id == person_id, AuditEvent.outcome == "denied")
            )
            or 0
        )
