"""Plans that travel, in Chromium: FHIR export, import on transfer, the crisis view, and sending at discharge."""

import json

from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Browser

from tests.browser.conftest import sign_in
from tests.browser.test_plans import open_plan_of


def test_a_clinician_downloads_alexs_plan_as_a_fhir_document(browser: Browser, demo, base_url):
    page = browser.new_context(base_url=base_url, accept_downloads=True).new_page()
    sign_in(page, demo, "clinician@safetyplan.example")
    open_plan_of(page, "Alex Demo (Alex)")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the plan to send to another service (FHIR)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("safety-plan-revision-")
    assert "Alex" not in download.suggested_filename
    bundle = json.loads(download.path().read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"][0]["value"] == "9990000018"


def test_a_clinician_imports_a_plan_from_another_trust_and_sees_the_risk_level_refused(browser: Browser, demo):
    from safetyplan.config import current_settings
    from safetyplan.demo.transfers import TRANSFER_FILE
    from tests.browser.axe import assert_accessible, visit

    with demo.app.app_context():
        file = current_settings().instance_path / TRANSFER_FILE
    page = browser.new_context(base_url=demo.url).new_page()
    sign_in(page, demo, "clinician@safetyplan.example")
    page.goto("/caseload")
    page.get_by_role("link", name="Import a plan received on transfer").click()
    visit(page, page.url.removeprefix(demo.url))
    page.get_by_label("Upload the plan").set_input_files(str(file))
    page.get_by_role("button", name="Import the plan").click()
    assert page.get_by_role("heading", name="Plan imported as revision 1").is_visible()
    refused = page.locator("table", has_text="Observation")
    assert "LOINC 93374-7 Suicide risk level" in refused.inner_text()
    assert "Risk level: high" in page.locator("table", has_text="Words found").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Go to the plan").click()
    assert "Skipping meals" in page.content()


def test_alex_chooses_what_urgent_care_sees_with_the_keyboard(browser: Browser, demo):
    from tests.browser.axe import visit

    page = browser.new_context(base_url=demo.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, demo, "person@safetyplan.example")
    page.goto("/my-plan")
    page.get_by_role("link", name="Choose what urgent care can see in a crisis").click()
    visit(page, page.url.removeprefix(demo.url))
    assert "From revision" in page.content()
    signs = page.get_by_label("Signs that things are getting harder for me")
    assert signs.is_checked()
    signs.focus()
    page.keyboard.press("Space")
    assert not signs.is_checked()
    page.get_by_role("button", name="Save what urgent care can see").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Saved. Urgent care can see the parts chosen" in page.content()
    assert "waiting to be sent" in page.content()
    assert not page.get_by_label("Signs that things are getting harder for me").is_checked()


def test_a_clinician_sends_chriss_plan_to_the_team_taking_over_with_the_keyboard_on_a_phone(browser: Browser, demo):
    from tests.browser.axe import assert_accessible, visit

    page = browser.new_context(base_url=demo.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, demo, "clinician@safetyplan.example")
    open_plan_of(page, "Chris Placeholder (Chris)")
    page.get_by_role("link", name="Send the plan to the GP or the team taking over").click()
    visit(page, page.url.removeprefix(demo.url))
    assert "You recorded this review at discharge." in page.content()
    sent_before = page.locator("table", has_text="Sent before").inner_text()
    assert "Northgate Surgery (fictional) (XGP01)" in sent_before  # the demo sent it at discharge
    team = page.get_by_label("The team or trust taking over their care")
    team.focus()
    page.keyboard.press("Space")
    assert team.is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Eastvale Community Team (fictional)")
    page.keyboard.press("Tab")
    page.keyboard.type("xev 01")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Revision 2 is on its way to Eastvale Community Team (fictional)." in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Send the plan to the GP or the team taking over").click()
    rows = page.locator("table", has_text="Sent before").inner_text()
    assert "Eastvale Community Team (fictional) (XEV01)" in rows and "Waiting to go" in rows
    page.get_by_role("button", name="Send the plan").click()  # nothing chosen: explained, nothing sent
    assert page.locator(".nhsuk-error-summary").get_by_text("Enter the name of the GP practice or team").is_visible()
    assert_accessible(page)
