"""A plan sent to another service, in Chromium: the clinician downloads Alex's plan as a FHIR document."""

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
