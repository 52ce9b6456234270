"""The done-when of NHS login and CIS2, in Chromium: Alex signs in with "NHS login" and sees their plan, a carer
accepts Alex's invitation with NHS login, and a clinician signs in with "NHS CIS2" and sees the caseload.

The app runs on its own loopback port beside a real OpenID Connect provider (tests/oidc_provider.py), which the
browser visits between the two, as it would visit NHS login."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from safetyplan import create_app, schema
from safetyplan.config import IdentityService
from safetyplan.db import database, transaction
from tests.browser.axe import visit
from tests.browser.conftest import LiveServer, WholeBody
from tests.conftest import make_settings
from tests.oidc_provider import cis2_user, client_key_file, nhs_login_carer, nhs_login_person, running_provider


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def identity_server(provider, tmp_path_factory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from safetyplan.demo import seed

    instance = tmp_path_factory.mktemp("identity-instance")
    services = []
    for name, roles in (("nhs_login", ("person", "carer")), ("cis2", ("clinician", "auditor", "admin"))):
        key_file, public_key = client_key_file(instance, name)
        provider.clients[f"safetyplan-{name}"] = public_key
        services.append(IdentityService(name, provider.issuer, f"safetyplan-{name}", key_file, roles))
    settings = make_settings(f"sqlite:///{instance / 'identity.db'}", instance)
    server = make_server("127.0.0.1", 0, lambda e, s: app(e, s), threaded=True)
    settings = dataclasses.replace(
        settings, identity_services=tuple(services), base_url=f"http://127.0.0.1:{server.server_port}"
    )
    app = WholeBody(create_app(settings))
    with app.app.app_context():
        schema.upgrade()
        with transaction():
            seed()
    thread = threading.Thread(target=server.serve_forever, name="identity-server", daemon=True)
    thread.start()
    yield LiveServer(url=settings.base_url, app=app.app)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    with app.app.app_context():
        database().dispose()


def test_alex_signs_in_with_nhs_login_and_sees_their_plan(page: Page, identity_server, provider):
    provider.sign_in_as = nhs_login_person("9990000018")  # Alex Demo's fictional NHS number
    visit(page, f"{identity_server.url}/sign-in")
    expect(page.get_by_role("link", name="Continue with NHS CIS2")).to_be_visible()
    page.get_by_role("link", name="Continue with NHS login").click()
    expect(page.locator("h1")).to_have_text("Your safety plan")
    visit(page, page.url)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("You have signed out of SafetyPlan.")
    visit(page, page.url)
    page.get_by_role("link", name="Sign out of NHS login too").click()
    expect(page.locator("body")).to_have_text("signed out")  # the provider's own page


def test_a_clinician_signs_in_with_cis2_and_sees_the_caseload(page: Page, identity_server, provider):
    provider.sign_in_as = cis2_user("clinician@safetyplan.example")
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, f"{identity_server.url}/sign-in")
    page.get_by_role("link", name="Continue with NHS CIS2").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Caseload")
    expect(page.locator("table")).to_contain_text("Alex Demo")


def test_a_p5_identity_gets_a_clear_page_and_no_plan(page: Page, identity_server, provider):
    provider.sign_in_as = nhs_login_person("9990000018", level="P5")
    visit(page, f"{identity_server.url}/sign-in/nhs-login")
    expect(page.locator("h1")).to_have_text("You could not be signed in")
    expect(page.locator("main")).to_contain_text("checked who you are with photo ID")
    visit(page, page.url)


def test_a_carer_accepts_an_invitation_with_nhs_login(page: Page, identity_server, provider):
    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.people.services import find_person_by_nhs_number
    from safetyplan.sharing import invitations, involvement
    from safetyplan.sharing.involvement import InvolvedDetails

    with identity_server.app.app_context(), transaction():
        clinician = find_user_by_email("clinician@safetyplan.example")
        alex = find_person_by_nhs_number(by=None, nhs_number="9990000018")
        involved = involvement.add_involved(
            by=clinician,
            person_id=alex.id,
            details=InvolvedDetails(name="Morgan Fictional", kind="friend", email="morgan@carer.example"),
        )
        link = invitations.invite(
            by=clinician, person_id=alex.id, involved_id=involved.id, base_url=identity_server.url
        )
    provider.sign_in_as = nhs_login_carer("morgan@carer.example")
    visit(page, link)
    page.get_by_role("button", name="Continue with NHS login").click()
    expect(page.locator("h1")).to_have_text("Plans shared with you")
    expect(page.locator("main")).to_contain_text("waiting to be confirmed")
    expect(page.locator("main")).not_to_contain_text("authenticator app")  # NHS login stands in for it
    visit(page, page.url)
