"""The auditor's workspace in Chromium, on the demo data: the report, the measures as run charts, the trail and a
document scan; accessible, and in Welsh."""

import re

from playwright.sync_api import Page, expect

from tests.browser.axe import visit
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
    visit(page, path_of(page))
    expect(page.locator("tbody tr").first).to_contain_text(reference)

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
