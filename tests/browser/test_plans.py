"""A plan written together, in Chromium: clinician and person, suggestion and acceptance, history, print, Welsh,
keyboard only, drafts, and script typed into every field that never runs."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import PageWatcher, visit
from tests.browser.conftest import sign_in

XSS = "<script>window.__xss=1</script><img src=x onerror=window.__xss=1>"
SHORT_XSS = "<img src=x onerror=window.__xss=1>"  # fits the shortest fields (60 characters)


def open_plan_of(page: Page, name: str) -> str:
    """From the caseload to the person's plan; returns the plan's path."""
    visit(page, "/caseload")
    page.get_by_role("link", name=name).click()
    button_link(page, "Safety plan").click()
    expect(page.locator("h1")).to_have_text("Safety plan")
    return path_of(page)


def button_link(page: Page, name: str):
    """A link styled as an NHS.UK button (its role is button)."""
    return page.get_by_role("button", name=name, exact=True)


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def fill_conversation(page: Page, *, agrees: bool = True) -> None:
    page.get_by_label("Alex took part").check()
    page.get_by_label("Yes, they agree with it" if agrees else "No, they do not agree with all of it").check()
    page.locator("#next_review_on-day").fill("1")
    page.locator("#next_review_on-month").fill("6")
    page.locator("#next_review_on-year").fill("2031")


def test_written_together_suggested_accepted_and_compared(browser: Browser, demo, base_url):
    clinician = browser.new_context(base_url=base_url).new_page()
    sign_in(clinician, demo, "clinician@safetyplan.example")
    plan_path = open_plan_of(clinician, "Alex Demo (Alex)")
    visit(clinician, plan_path)
    button_link(clinician, "Review the plan with Alex").click()
    visit(clinician, path_of(clinician))
    reasons = clinician.locator("#reasons")
    reasons.fill(reasons.input_value() + "\nPainting the mural at college")
    clinician.get_by_label("This part is in Alex's own words").first.check()
    fill_conversation(clinician)
    clinician.get_by_role("button", name="Save the plan").click()
    expect(clinician.locator(".nhsuk-notification-banner")).to_contain_text("Plan saved.")
    expect(clinician.locator("#section-reasons")).to_contain_text("Painting the mural at college")

    person = browser.new_context(base_url=base_url).new_page()
    sign_in(person, demo, "person@safetyplan.example")
    expect(person.locator("#section-reasons")).to_contain_text("Painting the mural at college")
    visit(person, "/my-plan")
    button_link(person, "Suggest a change").click()
    person.get_by_label("Things I can do on my own to get through").check()
    person.get_by_label("Your suggestion").fill("Make a cup of tea slowly")
    person.get_by_role("button", name="Send suggestion").click()
    expect(person.locator("main")).to_contain_text("Waiting for your care team.")

    visit(clinician, plan_path)
    card = clinician.locator(".app-suggestion", has_text="Make a cup of tea slowly")
    card.get_by_label("Add it to the plan").check()
    card.get_by_role("button", name="Save decision").click()
    expect(clinician.locator(".nhsuk-notification-banner")).to_contain_text("in their words")

    visit(person, "/my-plan")
    section = person.locator("#section-on_my_own")
    expect(section).to_contain_text("Make a cup of tea slowly")
    expect(section).to_contain_text("Includes words I suggested")  # the rest of it stays the team's words

    clinician.get_by_role("link", name="See every revision and compare them").click()
    visit(clinician, path_of(clinician))
    clinician.get_by_role("button", name="Compare").click()
    expect(clinician.locator("ins")).to_have_text(["Make a cup of tea slowly"])
    visit(clinician, path_of(clinician))


def test_print_and_pocket_card_hide_the_page_furniture(page: Page, demo):
    sign_in(page, demo, "person@safetyplan.example")
    page.get_by_role("link", name="Print your plan").click()
    visit(page, path_of(page))
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.locator(".app-print__title")).to_have_text("My safety plan")
    page.emulate_media(media="screen")
    visit(page, "/my-plan")
    page.get_by_role("link", name="Print a pocket card").click()
    visit(page, path_of(page))
    expect(page.locator(".app-card")).to_contain_text("Samaritans")


def test_a_plan_page_printed_as_it_is_leaves_out_what_is_only_for_the_screen(browser: Browser, demo, base_url):
    """Someone may print the plan page itself rather than its print view: the plan prints, the controls do not."""
    page = browser.new_context(base_url=base_url).new_page()
    sign_in(page, demo, "clinician@safetyplan.example")
    visit(page, open_plan_of(page, "Alex Demo (Alex)"))
    expect(page.locator(".app-suggestion").first).to_be_visible()
    page.emulate_media(media="print")
    for screen_only in (".app-plan-links", ".nhsuk-button-group", ".app-suggestion"):
        expect(page.locator(screen_only).first).to_be_hidden()
    expect(page.get_by_role("heading", name="Suggestions waiting")).to_be_hidden()
    expect(page.locator("#section-services")).to_contain_text("Samaritans")
    expect(page.locator("#section-services")).to_be_visible()

    page = browser.new_context(base_url=base_url).new_page()
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan")
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Suggest a change")).to_be_hidden()
    expect(page.locator(".app-plan-links")).to_be_hidden()
    expect(page.get_by_role("heading", name="Who can see your plan")).to_be_hidden()
    expect(page.locator("#section-services")).to_be_visible()


def test_a_welsh_clinician_reads_a_plan_in_welsh(page: Page, demo):
    sign_in(page, demo, "clinician.cy@safetyplan.example")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    visit(page, "/caseload")
    page.get_by_role("link", name="Ffion Enghraifft").click()
    button_link(page, "Cynllun diogelwch").click()
    visit(page, path_of(page))
    expect(page.locator("#section-services")).to_contain_text("Y Samariaid")
    expect(page.locator("#section-reasons")).to_contain_text("Canu yn y côr")


def test_a_person_suggests_a_change_by_keyboard_alone(page: Page, demo):
    sign_in(page, demo, "person@safetyplan.example")
    button_link(page, "Suggest a change").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Suggest a change to your plan")
    page.get_by_label("What matters to me and keeps me going").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "text":
        page.keyboard.press("Tab")
    page.keyboard.type("My new job")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Thank you")


def test_drafts_are_kept_as_you_type_and_come_back(page: Page, demo):
    sign_in(page, demo, "clinician@safetyplan.example")
    plan_path = open_plan_of(page, "Samira Example (Sam)")
    button_link(page, "Review the plan with Sam").click()
    page.locator("#distraction").fill("Typed, not saved yet")
    expect(page.locator(".app-autosave-status")).to_have_text("Draft kept", timeout=10_000)
    page.goto(plan_path)  # as if the tab closed
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("You have changes to this plan that are not saved yet.")
    page.get_by_role("link", name="Carry on with them").click()
    expect(page.locator("#distraction")).to_have_value("Typed, not saved yet")


def test_script_typed_into_every_field_never_runs(page: Page, demo):
    watcher = PageWatcher(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, demo, "clinician@safetyplan.example")
    plan_path = open_plan_of(page, "Chris Placeholder (Chris)")
    button_link(page, "Review the plan with Chris").click()  # the demo's Chris has a plan, sent at discharge
    for field in page.locator("form.app-plan-editor textarea").all():
        field.fill(XSS)
    for field in page.locator("form.app-plan-editor input[type=text], form.app-plan-editor input[type=tel]").all():
        if field.get_attribute("name").endswith("phone"):
            continue  # phone numbers are checked for their shape: a script is refused there, not stored
        field.fill(SHORT_XSS)
    page.get_by_label("Chris took part").check()
    page.get_by_label("No, they do not agree with all of it").check()
    for part, value in (("day", "1"), ("month", "6"), ("year", "2031")):
        page.locator(f"#next_review_on-{part}").fill(value)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Plan saved.")
    expect(page.locator("#section-reasons")).to_contain_text("<script>window.__xss=1</script>")
    number = re.search(r"Revision (\d+), saved", page.locator(".app-plan-meta").inner_text()).group(1)
    for suffix in ("", "/print", "/card", "/history", f"/revisions/{number}"):
        page.goto(plan_path + suffix)
        assert page.evaluate("window.__xss") is None, suffix
    assert dialogs == [] and watcher.problems == []
