"""The auditor's workspace in Chromium, on the demo data: the report, the measures as run charts, the trail and a
document scan; accessible, and in Welsh."""

import re

from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, visit
from tests.browser.conftest import sign_in


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_the_auditor_sees_the_report_charts_trail_and_scans_a_document(page: Page, demo, tmp_path):
    sign_in(page, demo, "auditor@safetyplan.example")
    expect(page.locator("h1")).to_have_text("Assurance report")
    visit(page, "/assurance/")
    expect(page.locator("main")).to_contain_text("Passed.")
    findings = page.locator("table").last
    expect(findings).to_contain_text("low risk")
    expect(findings).to_contain_text("RAG rated amber")
    expect(findings).not_to_contain_text("at the last review")  # the words around a finding are never shown
    reference = re.search(r"P-[A-Z2-7]{16}", findings.inner_text()).group(0)

    page.get_by_role("link", name="Quality measures").click()
    visit(page, "/assurance/measures")
    expect(page.locator(".app-run-chart-box svg[role=img]")).to_have_count(5)
    expect(page.locator("#measure-made_with_person ~ div table")).to_be_visible()
    page.get_by_label("Team").select_option(label="Riverside Community Mental Health Team (demo)")
    page.get_by_role("button", name="Show").click()
    visit(page, path_of(page))
    expect(page.locator(".app-run-chart-box svg[role=img]")).to_have_count(5)

    page.get_by_role("link", name="Audit trail").click()
    visit(page, "/audit/")
    page.get_by_label("Plan reference").fill(reference)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr").first).to_contain_text(reference)
    assert page.url.endswith("/audit/")  # the search went by form, not in the address
    assert_accessible(page)

    document = tmp_path / "template.csv"
    document.write_text("Section,Rating\nOverall,risk: high\nNotes,lock the medicines away\n", encoding="utf-8")
    page.get_by_role("link", name="Scan a document").click()
    visit(page, "/assurance/scan")
    page.get_by_label("Upload a file").set_input_files(str(document))
    page.get_by_role("button", name="Scan the file").click()
    expect(page.locator("h2", has_text="What the scan found")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("risk: high")


def test_the_auditor_workspace_in_welsh(page: Page, demo):
    sign_in(page, demo, "auditor@safetyplan.example")
    visit(page, "/assurance/?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("h1")).to_have_text("Adroddiad sicrwydd")
    visit(page, "/assurance/measures")
    visit(page, "/audit/")
    visit(page, "/assurance/scan")


def test_a_clinician_sees_the_wording_note_and_keeps_the_words(page: Page, demo):
    sign_in(page, demo, "clinician@safetyplan.example")
    visit(page, "/caseload")
    page.get_by_role("link", name="Alex Demo (Alex)").click()
    page.get_by_role("button", name="Safety plan", exact=True).click()
    page.get_by_role("button", name="Review the plan with Alex").click()
    page.locator("#safer_surroundings").fill("RAG rated red by the crisis team")
    page.get_by_label("Alex took part").check()
    page.get_by_label("Yes, they agree with it").check()
    page.locator("#next_review_on-day").fill("1")
    page.locator("#next_review_on-month").fill("6")
    page.locator("#next_review_on-year").fill("2031")
    page.get_by_role("button", name="Save the plan").click()
    note = page.locator("#edit-safer_surroundings-wording")
    expect(note).to_contain_text(
        "This reads as a risk level. NICE advises describing what the person needs and what helps instead."
    )
    expect(page.locator("#edit-safer_surroundings")).to_have_attribute(
        "aria-describedby", re.compile("edit-safer_surroundings-wording")
    )

    assert_accessible(page)
    page.get_by_role("button", name="Save the plan").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Plan saved.")
    expect(page.locator("#section-safer_surroundings")).to_contain_text("RAG rated red by the crisis team")
