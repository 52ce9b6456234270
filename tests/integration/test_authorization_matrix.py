"""Every page × every role × one's own team's person and another team's: the status, and no stranger's data.

The table below is the access design written out. A new route fails this test until it is added here, so that
nobody widens access without saying so.
"""

from __future__ import annotations

import uuid

import pytest

from tests.factories import create_account, create_person, create_team, link_carer, write_plan
from tests.pages import PageClient

ROLES = ["anonymous", "clinician", "person", "carer", "auditor", "admin"]
CANARY = "Canary Bravo-7731"  # the other team's person: must never reach anyone but an admin

SIGN_IN = 302  # redirected to the sign-in page

# endpoint -> {role: status}; "own" / "other" variants for routes that take a person or a team.
EXPECTED: dict[str, dict[str, int]] = {
    "web.index": dict.fromkeys(ROLES, 200),
    "web.healthz": dict.fromkeys(ROLES, 200),
    "web.livez": dict.fromkeys(ROLES, 200),
    # With no metrics token set, not there at all; with one, only its bearer gets in (web/test_metrics.py).
    "web.metrics_page": dict.fromkeys(ROLES, 404),
    "accounts.sign_in": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "accounts.second_factor": dict.fromkeys(ROLES, 302),
    # NHS login and CIS2, where none is configured: not there at all (test_identity_matrix: where they are).
    "identity.sign_in": dict.fromkeys(ROLES, 404),
    "identity.callback": dict.fromkeys(ROLES, 404),
    "identity.sign_out": dict.fromkeys(ROLES, 404),
    "accounts.set_up_app_at_sign_in": dict.fromkeys(ROLES, 302),
    "accounts.set_password": dict.fromkeys(ROLES, 200),
    "accounts.home": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 302)},
    "accounts.account": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 200)},
    "accounts.change_password": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 200)},
    "accounts.change_language": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 200)},
    "accounts.set_up_app": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 200)},
    "admin.users": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "admin.add_user": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "admin.teams": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "admin.add_team": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "admin.team:own": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "admin.team:other": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "plans.caseload": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200},
    "people.add_person": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200, "admin": 200},
    "people.person:own": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200, "admin": 200},
    "people.person:other": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 404, "admin": 200},
    "audit_trail.overview": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "auditor": 200},
    "plans.reviews": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200},
    "plans.my_plan": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200},
    "plans.suggest": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200},
    "plans.disagree": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200},
    "plans.crisis_contacts": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "plans.crisis_contact": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "assurance.report": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "auditor": 200},
    "assurance.quality_measures": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "auditor": 200},
    "assurance.measures_csv": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "auditor": 200},
    "assurance.scan": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "auditor": 200},
    "sharing.who_has_looked": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200},
    "sharing.invitation": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 403), "carer": 200},
    "sharing.shared_home": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "carer": 200},
    "sharing.crisis_help": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "carer": 200},
    # A plan as a FHIR document: its team's clinicians only; the Questionnaire it answers is public.
    "exchange.plan_fhir:own": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200},
    "exchange.plan_fhir:other": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 404},
    "exchange.plan_questionnaire": dict.fromkeys(ROLES, 200),
    "exchange.import_plan": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200},
    "exchange.deliveries": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "admin": 200},
    "exchange.everything": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200},
    # The offline copy: its owner's devices; a device no one has is gone (its copy to be wiped), for anyone asking.
    "offline.devices": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 200, "carer": 200},
    "offline.copy": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "person": 410, "carer": 410},
    "offline.status": dict.fromkeys(ROLES, 410),
    # What opens with no signal: public, and the same for everyone.
    "offline.service_worker": dict.fromkeys(ROLES, 200),
    "offline.shell": dict.fromkeys(ROLES, 200),
    "offline.manifest": dict.fromkeys(ROLES, 200),
    # The plan as a PDF: its team's clinicians and the person themself.
    "exchange.plan_as_pdf:own": {
        "anonymous": SIGN_IN,
        **dict.fromkeys(ROLES[1:], 403),
        "clinician": 200,
        "person": 200,
    },
    "exchange.plan_as_pdf:other": {
        "anonymous": SIGN_IN,
        **dict.fromkeys(ROLES[1:], 403),
        "clinician": 404,
        "person": 404,
    },
}
# Pages of one person's plan: the clinicians of their team (and, where the policy lets them, the person).
for endpoint, person_may in [
    ("plans.plan", False),
    ("plans.edit", False),
    ("plans.declined", False),
    ("plans.history", True),
    ("plans.revision", True),
    ("plans.compare_revisions", True),
    ("plans.print_plan", True),
    ("plans.card", True),
    ("exchange.send_plan", False),
]:
    own = {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200}
    other = {**own, "clinician": 404}
    if person_may:
        own["person"], other["person"] = 200, 404
    EXPECTED[f"{endpoint}:own"], EXPECTED[f"{endpoint}:other"] = own, other
# Who is involved and what they see: the person and their team's clinicians (conversations: clinicians only).
for endpoint, person_may in [
    ("sharing.overview", True),
    ("sharing.add_involved", True),
    ("sharing.choose_sections", True),
    ("sharing.remove", True),
    ("sharing.record_conversation", False),
    ("exchange.crisis_view", True),
]:
    own = {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "clinician": 200}
    if person_may:
        own["person"] = 200
    EXPECTED[f"{endpoint}:own"], EXPECTED[f"{endpoint}:other"] = (
        own,
        {role: 404 if status == 200 else status for role, status in own.items()},
    )
# The carer's view of a person who shares with them; another person's looks exactly like a missing page.
for endpoint in (
    "sharing.shared_plan",
    "sharing.shared_print",
    "sharing.shared_suggest",
    "exchange.shared_plan_as_pdf",
):
    EXPECTED[f"{endpoint}:own"] = {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "carer": 200}
    EXPECTED[f"{endpoint}:other"] = {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 403), "carer": 404}

#: Routes that only answer POST (checked elsewhere) or serve files (checked in tests/integration/web).
NOT_PAGES = {
    "web.static",
    "web.assets",
    "web.vendor",
    "accounts.sign_out",
    "accounts.keep_alive",
    "plans.save_draft",
    "plans.discard_draft",
    "plans.restore",
    "plans.decide",
    "plans.withdraw_disagreement",
    "accounts.switch_language",
    "sharing.invite",
    "sharing.confirm",
    "sharing.unlink",
}


@pytest.fixture
def world(app):
    return build_world(app)


def build_world(app, sign_in=None):
    """Two teams: ours (a clinician, a person with their own account and a plan) and another (a person whose
    name and plan carry a canary). Each role's client signs in with its password, or through ``sign_in(role,
    account, client)``."""
    with app.app_context():
        own_team, other_team = create_team("Own Team"), create_team("Other Team")
        own_person = create_person(own_team, name="Own Person", nhs_number="9990000018")
        other_person = create_person(other_team, name=CANARY, nhs_number="9990000026")
        own_clinician, other_clinician = (
            create_account("clinician", team=own_team),
            create_account("clinician", team=other_team),
        )
        write_plan(own_person, own_clinician, "Own words")
        write_plan(other_person, other_clinician, f"{CANARY} walks by the sea")
        accounts = {
            "clinician": create_account("clinician", team=own_team),
            "person": create_account("person", person=own_person),
            "carer": create_account("carer"),
            "auditor": create_account("auditor"),
            "admin": create_account("admin"),
        }
        # The carer sees the own person's plan; someone else (not this carer) is involved with the other person.
        own_involved = link_carer(
            own_person, accounts["carer"], sections={"reasons", "people_to_ask"}, by=own_clinician
        )
        other_involved = link_carer(other_person, create_account("carer"), sections={"reasons"}, by=other_clinician)
    clients = {"anonymous": PageClient(app.test_client())}
    for role, account in accounts.items():
        clients[role] = PageClient(app.test_client())
        if sign_in is None:
            clients[role].sign_in(account)
        else:
            sign_in(role, account, clients[role])
    ids = {"own": (own_person.id, own_team.id, own_involved), "other": (other_person.id, other_team.id, other_involved)}
    return clients, ids


def url_for_case(app, endpoint, variant, ids):
    from flask import url_for

    person_id, team_id, involved_id = ids[variant or "own"]
    arguments = {
        "person_id": person_id,
        "team_id": team_id,
        "involved_id": involved_id,
        "number": 1,
        "contact_id": uuid.UUID(int=1),
        "device_id": uuid.UUID(int=2),  # a device no one has
        "version": 1,
        "language": "cy",
        "path": "cis2",
    }
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    query = {"from": 1, "to": 1} if endpoint == "plans.compare_revisions" else {}
    with app.test_request_context():
        return url_for(endpoint, **{name: arguments[name] for name in rule.arguments}, **query)


def test_the_table_covers_every_page(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - NOT_PAGES
    covered = {key.split(":")[0] for key in EXPECTED}
    assert endpoints == covered, "add the new routes to EXPECTED, with the status each role gets"


def test_every_role_gets_exactly_what_the_design_allows(app, world):
    check_every_role(app, world, EXPECTED)


#: Pages whose redirect for someone signed out goes somewhere other than the sign-in page: the sign-in page itself
#: (to home), and an identity service's sign-in and sign-out (to the service).
LEAD_ELSEWHERE = ("accounts.sign_in", "identity.sign_in", "identity.sign_out")


def check_every_role(app, world, expected):
    clients, ids = world
    failures = []
    for key, by_role in expected.items():
        endpoint, _, variant = key.partition(":")
        url = url_for_case(app, endpoint, variant, ids)
        for role in ROLES:
            response = clients[role].get(url)
            if response.status_code != by_role[role]:
                failures.append(f"{role} GET {url} ({key}): {response.status_code}, expected {by_role[role]}")
            if role != "admin" and CANARY.encode() in response.data:
                failures.append(f"{role} GET {url} ({key}): the other team's person's name is in the page")
            if by_role[role] == SIGN_IN and role == "anonymous" and endpoint not in LEAD_ELSEWHERE:
                assert response.headers["Location"].startswith("/sign-in"), url
    assert failures == []
