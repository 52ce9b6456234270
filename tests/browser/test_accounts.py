"""Each demo role signs in through the real pages in Chromium, second factor included, and sees its pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from safetyplan.demo import DEMO_PASSWORD
from tests.browser.axe import visit
from tests.browser.conftest import sign_in

HOME_HEADINGS = {
    "clinician": "Caseload",
    "person": "Your safety plan",
    "carer": "Plans shared with you",
    "auditor": "Assurance report",
    "admin": "Accounts",
}


@pytest.mark.parametrize("role", list(HOME_HEADINGS))
def test_each_demo_role_signs_in_and_lands_on_its_home(page: Page, demo, role):
    sign_in(page, demo, f"{role}@safetyplan.example")
    expect(page.locator("h1")).to_have_text(HOME_HEADINGS[role])
    visit(page, page.url.removeprefix(demo.url))
    visit(page, "/account")
    expect(page.locator("h1")).to_have_text("Your account")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("You have signed out.")


def test_a_clinician_searches_the_caseload_and_opens_a_person(page: Page, demo):
    sign_in(page, demo, "clinician@safetyplan.example")
    expect(page.locator("table")).to_contain_text("Alex Demo")
    expect(page.locator("table")).not_to_contain_text("Ffion Enghraifft")  # another team's person
    page.get_by_label("Search by name or NHS number").fill("samira")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table a")).to_have_text(["Samira Example (Sam)"])
    page.get_by_role("link", name="Samira Example (Sam)").click()
    expect(page.locator("h1")).to_have_text("Samira Example")
    visit(page, page.url.removeprefix(demo.url))


def test_signing_in_by_keyboard_alone(page: Page, demo):
    visit(page, "/sign-in")
    page.get_by_label("Email address").focus()
    page.keyboard.type("person@safetyplan.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your safety plan")


def test_a_wrong_password_is_explained_and_the_summary_takes_focus(page: Page, demo):
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill("person@safetyplan.example")
    page.get_by_label("Password").fill("not the right one at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The email address or password is not correct")
    visit(page, "/sign-in")


def test_the_admin_pages_in_welsh(page: Page, demo):
    sign_in(page, demo, "admin@safetyplan.example")
    visit(page, "/admin/users?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    visit(page, "/admin/users/new")
    visit(page, "/admin/teams")
    visit(page, "/people/new")


def test_the_idle_warning_offers_to_stay_signed_in(page: Page, demo):
    # Serve pages with a 122-second idle limit, so that the two-minute warning shows after 2 seconds.
    def shorten(route):
        response = route.fetch()
        body = re.sub(r'data-idle-seconds(-now)?="\d+"', r'data-idle-seconds\1="122"', response.text())
        route.fulfill(response=response, body=body)

    sign_in(page, demo, "person@safetyplan.example")
    page.route("**/my-plan", shorten)  # (a route does not see the redirect that ends signing in: load it again)
    page.goto("/my-plan")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    from tests.browser.axe import assert_accessible

    assert_accessible(page)
    with page.expect_response("**/session/keep-alive") as kept:
        page.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
