"""The authorization matrix again, for accounts signed in through NHS login and NHS CIS2 instead of a password:
what a role may reach does not depend on how it signed in."""

from __future__ import annotations

import pytest

from tests.integration.test_authorization_matrix import EXPECTED, ROLES, build_world, check_every_role
from tests.oidc_provider import (
    cis2_user,
    identity_services,
    link_then_sign_in,
    nhs_login_carer,
    nhs_login_person,
    sign_in_through,
)

#: With the services configured, their own pages answer: going to the service (or home, when signed in already),
#: a callback with no sign-in under way (refused), and signing out of the service.
IDENTITY_EXPECTED = {
    **EXPECTED,
    "identity.sign_in": dict.fromkeys(EXPECTED["identity.sign_in"], 302),
    "identity.callback": dict.fromkeys(EXPECTED["identity.callback"], 403),
    "identity.sign_out": dict.fromkeys(EXPECTED["identity.sign_out"], 302),
}


@pytest.fixture
def identity_app(make_app, provider, tmp_path):
    return make_app(identity_services=identity_services(provider, tmp_path))


def test_every_role_signed_in_through_a_service_gets_exactly_what_the_design_allows(identity_app, provider):
    used = []

    def sign_in(role, account, client):
        path = "nhs-login" if role in ("person", "carer") else "cis2"
        if role == "person":
            claims = nhs_login_person("9990000018")  # the own person's NHS number (build_world)
        elif role == "carer":  # a carer's existing account: connected from the account page first
            assert link_then_sign_in(client, provider, path, nhs_login_carer(account.email), account).status_code == 302
            used.append((role, path))
            return
        else:
            claims = cis2_user(account.email)
        assert sign_in_through(client.client, provider, path, claims).status_code == 302, role
        used.append((role, path))

    world = build_world(identity_app, sign_in)
    assert sorted(used) == [
        ("admin", "cis2"),
        ("auditor", "cis2"),
        ("carer", "nhs-login"),
        ("clinician", "cis2"),
        ("person", "nhs-login"),
    ]
    check_every_role(identity_app, world, IDENTITY_EXPECTED)


def test_every_role_signed_in_through_a_service_posts_exactly_what_the_design_allows(identity_app, provider):
    from tests.integration import role_world
    from tests.integration.test_authorization_matrix_post import EXPECTED_POST, check_every_post

    def sign_in(role, account, client):
        if role == "person":
            claims, path = nhs_login_person("9990000018"), "nhs-login"  # Own Person (role_world)
        elif role == "carer":
            carer = nhs_login_carer(account.email)
            assert link_then_sign_in(client, provider, "nhs-login", carer, account).status_code == 302
            return
        else:
            claims, path = cis2_user(account.email), "cis2"
        assert sign_in_through(client.client, provider, path, claims).status_code == 302, role

    # Configured, the ways to the service answer: with no invitation or set-up code, the form again (400); from
    # the account page, the page that goes on to the service.
    expected = {
        **EXPECTED_POST,
        "identity.accept_invitation": dict.fromkeys(ROLES, 400),
        "identity.connect": dict.fromkeys(ROLES, 400),
        "identity.link": {**EXPECTED_POST["identity.link"], **dict.fromkeys(ROLES[1:], 200)},
    }
    check_every_post(identity_app, role_world.build_world(identity_app, sign_in), expected)
