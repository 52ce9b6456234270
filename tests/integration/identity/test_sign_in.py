"""Signing in through NHS login and NHS CIS2, against a real OpenID Connect provider served on loopback.

The provider (tests/oidc_provider.py) checks the app's PKCE verifier and its signed client assertion, and can make
its ID token wrong in each way the app must refuse. Every refusal gets a clear page and an audit event."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from safetyplan.accounts.models import IdentityLink, User
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.people.identifiers import NHS_NUMBER_WEIGHTS
from safetyplan.sharing.models import InvolvedPerson
from tests.factories import create_account, create_person
from tests.oidc_provider import (
    TAMPER_MODES,
    at_the_provider,
    cis2_user,
    identity_services,
    link_then_sign_in,
    nhs_login_carer,
    nhs_login_person,
    sign_in_through,
)
from tests.pages import PageClient, check_page, text_of


def nhs_number(seed: int) -> str:
    """A valid fictional NHS number in the 999 range, different for each seed."""
    for n in range(seed * 10, seed * 10 + 100):
        first = f"999{n % 1_000_000:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(first, NHS_NUMBER_WEIGHTS, strict=True)) % 11
        if check < 10:
            return first + str(check % 11)
    raise AssertionError("no number")


@pytest.fixture
def identity_app(make_app, provider, tmp_path):
    return make_app(identity_services=identity_services(provider, tmp_path, admin=frozenset({"R8003"})))


@pytest.fixture
def client(identity_app):
    return PageClient(identity_app.test_client())


def through(client, provider, path, claims, *, tamper=None):
    return sign_in_through(client.client, provider, path, claims, tamper)


def events(app, action):
    with app.app_context(), transaction():
        return session.execute(
            select(AuditEvent.outcome, AuditEvent.grounds, AuditEvent.actor_id).where(AuditEvent.action == action)
        ).all()


def signed_in_page(client, path="/home"):
    response = client.client.get(path, follow_redirects=True)
    assert response.status_code == 200
    return check_page(response.data)


@pytest.fixture
def alex(identity_app, team):
    """A person whose team has invited them: an account for the record with their NHS number."""
    with identity_app.app_context():
        person = create_person(team, name="Alex Fictional", nhs_number=nhs_number(1))
        account = create_account("person", person=person, email="alex@example.com")
    return person, account


def test_a_person_with_p9_and_their_nhs_number_signs_in_and_sees_their_plan(client, provider, identity_app, alex):
    _person, account = alex
    response = through(client, provider, "nhs-login", nhs_login_person(nhs_number(1), sub="alex-sub"))
    assert response.status_code == 302
    page = signed_in_page(client)
    assert "Your safety plan" in text_of(page, "h1")
    # What the app asked for, and how it asked.
    asked = provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"]
    assert "P9.Cp.Cd" in asked["vtr"] and asked["scope"] == "openid profile email"
    assert provider.refusals == []
    # The identity is linked for good, its subject kept only as a blind index; the audit says how they signed in.
    with identity_app.app_context(), transaction():
        link = session.scalars(select(IdentityLink)).one()
        assert link.user_id == account.id and link.service == "nhs_login" and b"alex-sub" not in link.subject_index
    [(outcome, grounds, actor)] = events(identity_app, "sign_in.succeeded")
    assert (outcome, grounds, actor) == ("allowed", "identity:nhs_login acr=P9.Cp.Cd", account.id)
    assert len(events(identity_app, "account.identity_linked")) == 1


def test_the_second_sign_in_finds_the_link_and_checks_the_nhs_number_again(client, provider, identity_app, alex):
    _person, _account = alex
    claims = nhs_login_person(nhs_number(1), sub="alex-sub")
    through(client, provider, "nhs-login", claims)
    client.client.post("/sign-out", data={"csrf_token": _csrf(client)})
    again = PageClient(identity_app.test_client())
    assert through(again, provider, "nhs-login", claims).status_code == 302
    assert "Your safety plan" in text_of(signed_in_page(again), "h1")
    # The same identity now carrying another NHS number opens nothing.
    third = PageClient(identity_app.test_client())
    refused = through(third, provider, "nhs-login", {**claims, "nhs_number": nhs_number(2)})
    assert refused.status_code == 403
    assert [e[0] for e in events(identity_app, "sign_in.identity_refused")] == ["denied"]


def _csrf(client):
    page = check_page(client.client.get("/account").data)
    return page.select_one("input[name=csrf_token]")["value"]


def test_an_nhs_number_that_matches_nobody_and_one_not_invited_get_the_same_page(client, provider, identity_app, team):
    with identity_app.app_context():
        create_person(team, name="Not Invited", nhs_number=nhs_number(3))  # a record, but no account for it
    pages = []
    for number in (nhs_number(4), nhs_number(3)):
        fresh = PageClient(identity_app.test_client())
        response = through(fresh, provider, "nhs-login", nhs_login_person(number))
        assert response.status_code == 403
        pages.append(text_of(check_page(response.data), "main"))
    assert pages[0] == pages[1]
    assert "could not find a SafetyPlan account" in pages[0]
    refusals = events(identity_app, "sign_in.identity_refused")
    assert [(o, g) for o, g, _ in refusals] == [("denied", "identity:nhs_login refused=no_account acr=P9.Cp.Cd")] * 2
    assert signed_in_page(fresh, "/sign-in").select_one("h1").get_text(strip=True) == "Sign in"


def test_a_p5_identity_cannot_reach_a_persons_plan(client, provider, identity_app, alex):
    response = through(client, provider, "nhs-login", nhs_login_person(nhs_number(1), level="P5"))
    assert response.status_code == 403
    assert "checked who you are with photo ID" in text_of(check_page(response.data), "main")
    [(_outcome, grounds, _)] = events(identity_app, "sign_in.identity_refused")
    assert grounds == "identity:nhs_login refused=not_proofed acr=P5.Cp.Cd"
    assert client.client.get("/my-plan").status_code == 302  # still signed out: sent to sign in
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink)).all() == []


@pytest.mark.parametrize("tamper", TAMPER_MODES)
def test_a_token_that_does_not_check_out_is_refused(client, provider, identity_app, alex, tamper):
    response = through(client, provider, "nhs-login", nhs_login_person(nhs_number(1)), tamper=tamper)
    assert response.status_code == 403
    assert "We could not check your sign-in" in text_of(check_page(response.data), "main")
    assert [(o, g) for o, g, _ in events(identity_app, "sign_in.identity_refused")] == [
        ("denied", "identity:nhs_login refused=token")
    ]
    assert events(identity_app, "sign_in.succeeded") == []
    assert client.client.get("/my-plan").status_code == 302


def test_a_replayed_callback_is_refused_in_the_same_browser_and_in_another(client, provider, identity_app, alex):
    provider.sign_in_as = nhs_login_person(nhs_number(1))
    start = client.client.get("/sign-in/nhs-login")
    back = at_the_provider(start)
    callback = f"{back.path}?{back.query}"
    assert client.client.get(callback).status_code == 302
    client.client.post("/sign-out", data={"csrf_token": _csrf(client)})
    # The same code and state again: the state was used up, so the code never reaches the provider.
    assert client.client.get(callback).status_code == 403
    other = PageClient(identity_app.test_client())
    other.client.get("/sign-in/nhs-login")  # a state of its own, which the stolen callback does not match
    assert other.client.get(callback).status_code == 403
    assert len(events(identity_app, "sign_in.identity_refused")) == 2
    assert len(events(identity_app, "sign_in.succeeded")) == 1


def test_the_provider_refuses_a_code_used_twice(client, provider, identity_app, alex):
    """The code's single use is the provider's rule; the app's part is to refuse the sign-in when it says so."""
    provider.sign_in_as = nhs_login_person(nhs_number(1))
    start = client.client.get("/sign-in/nhs-login")
    back = at_the_provider(start)
    code = parse_qs(back.query)["code"][0]
    provider.grants[code].used = True  # someone got to the token endpoint with it first
    assert client.client.get(f"{back.path}?{back.query}").status_code == 403
    assert provider.refusals == ["code already used"]


def test_the_client_authenticates_with_a_signed_assertion(client, provider, identity_app, alex):
    """With another key in the provider's register, the app's client assertion fails: it really signs with its own."""
    from joserfc.jwk import RSAKey

    provider.clients["safetyplan-nhs_login"] = RSAKey.generate_key(2048).as_dict(private=False)
    assert through(client, provider, "nhs-login", nhs_login_person(nhs_number(1))).status_code == 403
    assert provider.refusals == ["client assertion refused"]


def test_a_clinician_signs_in_with_cis2_and_sees_the_caseload(client, provider, identity_app, team):
    with identity_app.app_context():
        account = create_account("clinician", team=team, email="kai@example.com", with_app=False)
    response = through(client, provider, "cis2", cis2_user("KAI@example.com"))
    assert response.status_code == 302
    page = signed_in_page(client)
    assert "Caseload" in text_of(page, "h1")  # no authenticator app asked for: CIS2 stands in for it
    assert provider.authorize_requests[-1]["acr_values"] == "AAL3_ANY"
    [(_, grounds, actor)] = events(identity_app, "sign_in.succeeded")
    assert (grounds, actor) == ("identity:cis2 acr=AAL3_ANY amr=swk", account.id)


def test_a_cis2_user_with_no_account_is_refused(client, provider, identity_app):
    response = through(client, provider, "cis2", cis2_user("nobody@example.com"))
    assert response.status_code == 403
    assert "Ask your SafetyPlan admin to make one" in text_of(check_page(response.data), "main")
    assert [g for _, g, _ in events(identity_app, "sign_in.identity_refused")] == [
        "identity:cis2 refused=no_staff_account acr=AAL3_ANY"
    ]


def test_a_required_national_role_must_be_in_the_token(client, provider, identity_app):
    with identity_app.app_context():
        account = create_account("admin", email="ade@example.com", with_app=False)
    refused = through(client, provider, "cis2", cis2_user("ade@example.com", role_codes=("R8000",)))
    assert refused.status_code == 403
    assert "roles do not include" in text_of(check_page(refused.data), "main")
    [(_, grounds, actor)] = events(identity_app, "sign_in.identity_refused")
    assert (grounds, actor) == ("identity:cis2 refused=role_missing acr=AAL3_ANY", account.id)
    fresh = PageClient(identity_app.test_client())
    assert (
        through(fresh, provider, "cis2", cis2_user("ade@example.com", role_codes=("R8000", "R8003"))).status_code == 302
    )
    assert "accounts" in text_of(signed_in_page(fresh), "h1").lower()


def test_a_person_account_cannot_sign_in_with_cis2(client, provider, identity_app, alex):
    response = through(client, provider, "cis2", cis2_user("alex@example.com"))
    assert response.status_code == 403
    assert "Ask your SafetyPlan admin to make one" in text_of(check_page(response.data), "main")
    [(outcome, grounds, actor)] = events(identity_app, "sign_in.identity_refused")
    # The account the address belongs to is not named: a staff sign-in never opens (or points at) a person's.
    assert (outcome, grounds, actor) == ("denied", "identity:cis2 refused=no_staff_account acr=AAL3_ANY", None)


def test_a_role_held_at_another_organisation_opens_nothing_here(client, provider, identity_app, team):
    with identity_app.app_context():
        create_account("clinician", team=team, email="kai@example.com", with_app=False)
    refused = through(client, provider, "cis2", cis2_user("kai@example.com", org_code="RXX99"))
    assert refused.status_code == 403
    assert "roles do not include" in text_of(check_page(refused.data), "main")
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink)).all() == []


@pytest.mark.parametrize(
    ("path", "weaker"),
    [
        ("cis2", {"acr": "AAL1_USERPASS", "authentication_assurance_level": "1"}),
        ("nhs-login", {"vot": "P9.Cp"}),  # a password alone: not one of the vectors of trust asked for
    ],
)
def test_a_weaker_sign_in_than_asked_for_is_refused(client, provider, identity_app, alex, team, path, weaker):
    with identity_app.app_context():
        create_account("clinician", team=team, email="kai@example.com", with_app=False)
    claims = cis2_user("kai@example.com") if path == "cis2" else nhs_login_person(nhs_number(1))
    response = through(client, provider, path, {**claims, **weaker})
    assert response.status_code == 403
    assert "not strong enough" in text_of(check_page(response.data), "main")
    [(outcome, grounds, _)] = events(identity_app, "sign_in.identity_refused")
    assert outcome == "denied" and "refused=weak" in grounds
    assert events(identity_app, "sign_in.succeeded") == []


def test_a_service_that_is_down_gets_a_clear_page_and_no_fallback(client, provider, identity_app):
    provider.down = True
    response = client.client.get("/sign-in/nhs-login")
    assert response.status_code == 503
    page = check_page(response.data)
    assert "NHS login is not working right now" in text_of(page, "h1")
    assert page.select("input[type=password]") == []


def test_a_service_that_goes_down_during_the_sign_in_gets_the_same_clear_page(client, provider, identity_app, alex):
    provider.sign_in_as = nhs_login_person(nhs_number(1))
    start = client.client.get("/sign-in/nhs-login")
    back = at_the_provider(start)
    provider.down = True  # the token endpoint now answers 503
    response = client.client.get(f"{back.path}?{back.query}")
    assert response.status_code == 503
    assert "NHS login is not working right now" in text_of(check_page(response.data), "h1")
    assert events(identity_app, "sign_in.identity_refused") == []


def test_signing_out_offers_the_services_sign_out(client, provider, identity_app, alex):
    through(client, provider, "nhs-login", nhs_login_person(nhs_number(1)))
    out = client.client.post("/sign-out", data={"csrf_token": _csrf(client)})
    assert out.headers["Location"].endswith("/sign-in?signed_out=1&via=nhs-login")
    page = check_page(client.client.get(out.headers["Location"]).data)
    link = page.find("a", string=re.compile("Sign out of NHS login too"))
    to_provider = client.client.get(link["href"])
    assert to_provider.headers["Location"].startswith(f"{provider.issuer}/logout?")
    query = parse_qs(urlsplit(to_provider.headers["Location"]).query)
    assert query["client_id"] == ["safetyplan-nhs_login"]
    assert query["post_logout_redirect_uri"][0].endswith("/sign-in?signed_out=1")
    assert client.client.get("/my-plan").status_code == 302  # the local session is over


def test_nothing_of_the_tokens_is_kept(client, provider, identity_app, alex):
    from sqlalchemy import inspect, text

    through(client, provider, "nhs-login", nhs_login_person(nhs_number(1), sub="alex-subject-canary"))
    [access_token] = provider.access_tokens
    cookie = client.client.get_cookie("safetyplan_session")
    kept = identity_app.session_interface.get_signing_serializer(identity_app).loads(cookie.value)
    assert set(kept) <= {"_user_id", "_fresh", "_id", "seen", "signed_in_with", "csrf_token", "_flashes"}, kept
    as_text = repr(kept)
    for secret in (access_token, "alex-subject-canary", nhs_number(1), "eyJ"):  # "eyJ": the start of any JWT
        assert secret not in as_text
    with identity_app.app_context(), transaction():
        connection = session.connection()
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    data = value if isinstance(value, bytes) else str(value).encode()
                    for secret in (access_token, "alex-subject-canary", nhs_number(1)):
                        assert secret.encode() not in data, table


def test_password_sign_in_is_off_in_production_for_roles_with_a_service(identity_app, alex):
    from safetyplan.config import current_settings

    with identity_app.app_context():
        settings = dataclasses.replace(current_settings(), env="production")
        assert not settings.password_sign_in_allowed("person")
        assert not settings.password_sign_in_allowed("clinician")
        only_cis2 = dataclasses.replace(settings, identity_services=settings.identity_services[1:])
        assert only_cis2.password_sign_in_allowed("person")
        assert dataclasses.replace(settings, env="test").password_sign_in_allowed("person")


def test_a_person_with_a_password_in_production_is_told_to_use_nhs_login(make_app, identity_app, alex):
    production_like = make_app(
        identity_services=identity_app.extensions["safetyplan.settings"].identity_services, env="production"
    )
    production_like.config["WTF_CSRF_ENABLED"] = False
    production_like.config["SESSION_COOKIE_SECURE"] = False
    _, account = alex
    response = production_like.test_client().post(
        "/sign-in", data={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200
    assert "Your account signs in with NHS login" in text_of(check_page(response.data), ".nhsuk-error-summary")
    assert [g for _, g, _ in events(identity_app, "sign_in.failed")] == ["identity:nhs_login refused=password"]


def test_a_carer_cannot_make_a_password_account_in_production(make_app, identity_app, team, alex):
    production_like = make_app(
        identity_services=identity_app.extensions["safetyplan.settings"].identity_services, env="production"
    )
    production_like.config.update(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
    person, _ = alex
    involved_id, token = _invite(identity_app, team, person)
    page = check_page(production_like.test_client().get("/invitation").data)
    assert page.select("input[type=password]") == []
    assert page.find("button", string=re.compile("Continue with NHS login")) is not None
    response = production_like.test_client().post(
        "/invitation",
        data={
            "token": token,
            "name": "Sam",
            "email": "sam@example.com",
            "password": "a long enough password here",
            "confirm": "a long enough password here",
        },
    )
    assert "Accept the invitation with NHS login" in text_of(check_page(response.data), ".nhsuk-error-summary")
    with identity_app.app_context(), transaction():
        assert session.get(InvolvedPerson, involved_id).user_id is None
        assert session.scalars(select(User).where(User.role == "carer")).all() == []


def test_unconfigured_services_answer_404(app):
    plain = app.test_client()
    for path in ("/sign-in/nhs-login", "/sign-in/cis2/callback", "/sign-out/nhs-login"):
        assert plain.get(path).status_code == 404
    page = check_page(plain.get("/sign-in").data)
    assert "Continue with" not in page.get_text()


# A carer's invitation, accepted with NHS login --------------------------------------------------------------------


def _invite(identity_app, team, person, *, email="sam@example.com"):
    from safetyplan.sharing import invitations, involvement
    from safetyplan.sharing.involvement import InvolvedDetails
    from tests.factories import get_user

    with identity_app.app_context():
        clinician = create_account("clinician", team=team)
        with transaction():
            involved = involvement.add_involved(
                by=get_user(clinician),
                person_id=person.id,
                details=InvolvedDetails(name="Sam Fictional", kind="carer", email=email),
            )
            link = invitations.invite(
                by=get_user(clinician), person_id=person.id, involved_id=involved.id, base_url="http://localhost"
            )
    return involved.id, link.split("#", 1)[1]


def accept_through(client, provider, token, claims):
    page = check_page(client.client.get("/invitation").data)
    csrf = page.select_one("input[name=csrf_token]")["value"]
    button = page.find("button", string=re.compile("Continue with NHS login"))
    provider.sign_in_as = claims
    posted = client.client.post(button["formaction"], data={"csrf_token": csrf, "token": token})
    assert posted.status_code == 200, posted.status_code
    # A page of our own leads on to NHS login (at once, and by a link for a browser that does not follow it).
    onward = check_page(posted.data)
    refresh = onward.select_one("meta[http-equiv=refresh]")["content"]
    link = onward.find("a", string=re.compile("Continue to NHS login"))["href"]
    assert refresh == f"0;url={link}" and "token" not in link
    start = client.client.get(link)
    assert start.status_code == 302, start.status_code
    back = at_the_provider(start)
    return client.client.get(f"{back.path}?{back.query}")


def test_a_carer_accepts_an_invitation_with_nhs_login_and_the_person_still_confirms(
    client, provider, identity_app, team, alex
):
    person, _ = alex
    involved_id, token = _invite(identity_app, team, person)
    response = accept_through(client, provider, token, nhs_login_carer("sam@example.com", sub="sam-sub"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/shared?welcome=1")
    page = signed_in_page(client, "/shared?welcome=1")
    assert "once the link is confirmed" in page.get_text()
    with identity_app.app_context(), transaction():
        involved = session.get(InvolvedPerson, involved_id)
        carer = session.get(User, involved.user_id)
        assert carer.role == "carer" and str(carer.email) == "sam@example.com"
        assert involved.confirmed_at is None  # nothing shown until the person confirms
        assert session.scalars(select(IdentityLink.user_id)).all() == [carer.id]
    assert client.client.get(f"/shared/{person.id}").status_code == 404
    # Next time, NHS login alone opens the carer's account.
    fresh = PageClient(identity_app.test_client())
    assert through(fresh, provider, "nhs-login", nhs_login_carer("sam@example.com", sub="sam-sub")).status_code == 302
    assert "/shared" in fresh.client.get("/home").headers["Location"]


def test_a_carer_below_p5_cannot_accept(client, provider, identity_app, team, alex):
    person, _ = alex
    involved_id, token = _invite(identity_app, team, person)
    response = accept_through(client, provider, token, nhs_login_carer("sam@example.com", level="P0"))
    assert response.status_code == 403
    with identity_app.app_context(), transaction():
        assert session.get(InvolvedPerson, involved_id).user_id is None
        assert session.scalars(select(User).where(User.role == "carer")).all() == []
    assert [g for _, g, _ in events(identity_app, "sign_in.identity_refused")] == [
        "identity:nhs_login refused=not_proofed acr=P0.Cp.Cd"
    ]


def test_a_used_invitation_does_not_work_with_nhs_login(client, provider, identity_app, team, alex):
    person, _ = alex
    _, token = _invite(identity_app, team, person)
    accept_through(client, provider, token, nhs_login_carer("sam@example.com"))
    other = PageClient(identity_app.test_client())
    page = check_page(other.client.get("/invitation").data)
    csrf = page.select_one("input[name=csrf_token]")["value"]
    again = other.client.post("/sign-in/nhs-login/invitation", data={"csrf_token": csrf, "token": token})
    assert again.status_code == 410


def test_an_existing_carer_account_is_never_taken_over_by_email(client, provider, identity_app, team, alex):
    person, _ = alex
    with identity_app.app_context():
        create_account("carer", email="jo@example.com")
    # Signing in with an NHS login whose checked address is the same opens nothing ...
    refused = through(client, provider, "nhs-login", nhs_login_carer("jo@example.com"))
    assert refused.status_code == 403
    # ... and nor does accepting an invitation with it: the account's owner must sign in to it.
    _, token = _invite(identity_app, team, person, email="jo@example.com")
    again = accept_through(PageClient(identity_app.test_client()), provider, token, nhs_login_carer("jo@example.com"))
    assert again.status_code == 403
    assert "already a SafetyPlan account with your email address" in text_of(check_page(again.data), "main")
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink)).all() == []


def test_a_carer_connects_nhs_login_from_their_account_page(client, provider, identity_app):
    with identity_app.app_context():
        carer = create_account("carer", email="jo@example.com")
    client.sign_in(carer)
    page = signed_in_page(client, "/account")
    assert page.find("button", string=re.compile("Sign in with NHS login from now on")) is not None
    client.client.post("/sign-out", data={"csrf_token": _csrf(client)})
    fresh = PageClient(identity_app.test_client())
    claims = nhs_login_carer("another-address@example.com", sub="jo-sub")
    assert link_then_sign_in(fresh, provider, "nhs-login", claims, carer).status_code == 302
    assert "/shared" in fresh.client.get("/home").headers["Location"]
    assert "You can sign in with NHS login." in signed_in_page(fresh, "/account").get_text()
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink.user_id)).all() == [carer.id]
    assert len(events(identity_app, "account.identity_linked")) == 1


def start_linking(client, path="nhs-login"):
    """From the account page, ask to sign in through the service from now on; returns the callback's response."""
    client.client.post(f"/sign-in/{path}/link", data={"csrf_token": _csrf(client)})
    start = client.client.get(f"/sign-in/{path}?continue=1")
    back = at_the_provider(start)
    return client.client.get(f"{back.path}?{back.query}")


def test_a_persons_identity_links_from_the_account_page_only_with_their_own_nhs_number(
    client, provider, identity_app, alex
):
    _, account = alex
    client.sign_in(account)
    provider.sign_in_as = nhs_login_person(nhs_number(2))
    assert start_linking(client).status_code == 403
    [(outcome, grounds, actor)] = events(identity_app, "sign_in.identity_refused")
    assert (outcome, grounds, actor) == ("denied", "identity:nhs_login refused=no_account acr=P9.Cp.Cd", account.id)
    provider.sign_in_as = nhs_login_person(nhs_number(1), sub="alex-own")
    linked = start_linking(client)
    assert linked.status_code == 302 and linked.headers["Location"].endswith("/account")
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink.user_id)).all() == [account.id]


def test_linking_needs_the_accounts_own_form_and_a_fresh_sign_in_at_the_service(client, provider, identity_app):
    with identity_app.app_context():
        carer = create_account("carer", email="jo@example.com")
    client.sign_in(carer)
    # A link from another site cannot start it: linking is a form with this session's CSRF token ...
    assert client.client.post("/sign-in/nhs-login/link", data={}).status_code == 400
    # ... and a plain start while signed in goes home rather than linking.
    assert client.client.get("/sign-in/nhs-login?continue=1").headers["Location"].endswith("/home")
    provider.sign_in_as = nhs_login_carer("jo@example.com")
    assert start_linking(client).status_code == 302
    assert provider.authorize_requests[-1]["prompt"] == "login"


def test_a_set_password_link_connects_nhs_login_instead_of_a_password(make_app, identity_app, provider, team):
    from safetyplan.accounts import credentials
    from tests.factories import get_user

    production_like = make_app(
        identity_services=identity_app.extensions["safetyplan.settings"].identity_services, env="production"
    )
    production_like.config.update(SESSION_COOKIE_SECURE=False)
    with identity_app.app_context():
        carer = create_account("carer", email="jo@example.com")
        with transaction():
            link = credentials.issue_set_password_link(get_user(carer), by=None, base_url="http://localhost")
    token = link.split("#", 1)[1]
    browser = PageClient(production_like.test_client())
    page = check_page(browser.client.get("/set-password").data)
    csrf = page.select_one("input[name=csrf_token]")["value"]
    # In production a password cannot be set for a role with a service ...
    refused = browser.client.post(
        "/set-password",
        data={
            "csrf_token": csrf,
            "token": token,
            "password": "a long enough pass phrase",
            "confirm": "a long enough pass phrase",
        },
    )
    assert "Select ‘Connect NHS login’" in text_of(check_page(refused.data), ".nhsuk-error-summary")
    # ... so the page's "Connect NHS login" takes the link's code to NHS login and back.
    button = page.find("button", string=re.compile("Connect NHS login"))
    assert browser.client.post(button["formaction"], data={"csrf_token": csrf, "token": token}).status_code == 200
    provider.sign_in_as = nhs_login_carer("another@example.com", sub="jo-sub")
    start = browser.client.get("/sign-in/nhs-login?continue=1")
    back = at_the_provider(start)
    assert browser.client.get(f"{back.path}?{back.query}").status_code == 302
    assert "/shared" in browser.client.get("/home").headers["Location"]
    with identity_app.app_context(), transaction():
        assert session.scalars(select(IdentityLink.user_id)).all() == [carer.id]
        assert credentials.user_for_set_password_token(token) is None  # the link is used up
    # A used link connects nothing.
    assert browser.client.post(button["formaction"], data={"csrf_token": csrf, "token": token}).status_code in (
        400,
        302,
    )


def test_public_keys_prints_what_to_register(identity_app):
    import json

    from joserfc.jwk import KeySet

    from safetyplan.cli import cli

    result = identity_app.test_cli_runner().invoke(cli, ["identity", "public-keys"])
    assert result.exit_code == 0, result.output
    assert "nhs_login: redirect URI http://127.0.0.1:5000/sign-in/nhs-login/callback" in result.output
    first = result.output.split("\n", 1)[1]
    key_set = json.loads(first[: first.index("\ncis2:")])
    [key] = key_set["keys"]
    assert key["alg"] == "RS512" and "d" not in key  # the public half only
    KeySet.import_key_set(key_set)


def test_a_staff_account_linked_to_its_cis2_user_id_opens_whatever_email_cis2_holds(
    client, provider, identity_app, team
):
    from safetyplan.cli import cli

    with identity_app.app_context():
        account = create_account("clinician", team=team, email="kai.work@example.com", with_app=False)
    runner = identity_app.test_cli_runner()
    linked = runner.invoke(cli, ["identity", "link-cis2", "kai.work@example.com", "555000111222"])
    assert linked.exit_code == 0, linked.output
    again = runner.invoke(cli, ["identity", "link-cis2", "kai.work@example.com", "555000111333"])
    assert again.exit_code == 1 and "linked already" in again.output
    response = through(client, provider, "cis2", cis2_user("kai@another.example", sub="555000111222"))
    assert response.status_code == 302
    [(_, _, actor)] = events(identity_app, "sign_in.succeeded")
    assert actor == account.id
    nobody = runner.invoke(cli, ["identity", "link-cis2", "nobody@example.com", "1"])
    assert nobody.exit_code == 1


def test_userinfo_about_someone_else_is_refused(client, provider, identity_app, alex):
    provider.userinfo_of_someone_else = True
    response = through(client, provider, "nhs-login", nhs_login_person(nhs_number(1)))
    assert response.status_code == 403
    assert [g for _, g, _ in events(identity_app, "sign_in.identity_refused")] == [
        "identity:nhs_login refused=userinfo"
    ]


def test_a_linked_carer_below_p5_later_is_refused(client, provider, identity_app, team, alex):
    person, _ = alex
    _, token = _invite(identity_app, team, person)
    assert accept_through(client, provider, token, nhs_login_carer("sam@example.com", sub="sam")).status_code == 302
    weaker = through(
        PageClient(identity_app.test_client()), provider, "nhs-login", nhs_login_carer("x", level="P0", sub="sam")
    )
    assert weaker.status_code == 403
    assert "refused=not_proofed" in events(identity_app, "sign_in.identity_refused")[-1][1]


def test_a_persons_identity_cannot_accept_an_invitation_as_a_carer(client, provider, identity_app, team, alex):
    person, account = alex
    through(client, provider, "nhs-login", nhs_login_person(nhs_number(1), sub="alex-sub"))  # linked to Alex
    _, token = _invite(identity_app, team, person, email="alex.again@example.com")
    response = accept_through(
        PageClient(identity_app.test_client()), provider, token, nhs_login_person(nhs_number(1), sub="alex-sub")
    )
    assert response.status_code == 403
    refused = events(identity_app, "invitation.refused")
    assert refused and refused[-1][2] == account.id


def test_a_carer_with_no_checked_email_cannot_accept(client, provider, identity_app, team, alex):
    person, _ = alex
    _, token = _invite(identity_app, team, person)
    unchecked = {**nhs_login_carer("sam@example.com"), "email_verified": False}
    response = accept_through(client, provider, token, unchecked)
    assert response.status_code == 403
    assert "has not checked an email address" in text_of(check_page(response.data), "main")


def test_an_account_linked_to_one_identity_cannot_link_another(client, provider, identity_app, alex):
    through(client, provider, "nhs-login", nhs_login_person(nhs_number(1), sub="first"))
    provider.sign_in_as = nhs_login_person(nhs_number(1), sub="second")
    assert start_linking(client).status_code == 403
    assert "refused=already_linked" in events(identity_app, "sign_in.identity_refused")[-1][1]
    with identity_app.app_context(), transaction():
        assert len(session.scalars(select(IdentityLink)).all()) == 1
