"""In Chromium, as the demo's people would meet them: help first on a phone, the person's own disagreement, who
has looked, the editor's parts by keyboard, the language switch when signed in, and words never lost when the
session ends (the idle timer, and a form sent after it)."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible, visit
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}


def test_on_a_phone_need_help_now_is_on_the_first_screen_with_one_tap_calls(page: Page, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan")
    block = page.locator(".app-help-now")
    expect(block).to_be_visible()
    box = block.bounding_box()
    assert box is not None and box["y"] < PHONE["height"] / 2  # it starts in the top half of the first screen
    expect(block.locator("a[href='tel:116123']")).to_contain_text("Samaritans")
    expect(block.locator("a[href='sms:85258']")).to_contain_text("Shout")
    for link in block.locator("a").all():
        assert link.bounding_box()["height"] >= 44  # large enough to tap
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visit(page, "/my-plan?lang=cy")
    expect(page.locator(".app-help-now h2")).to_have_text("Angen help nawr?")


def test_the_person_says_they_disagree_and_takes_it_back_by_keyboard(page: Page, demo):
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan")
    page.get_by_role("link", name="Tell your care team you disagree with your plan or a part of it").click()
    visit(page, "/my-plan/disagree")
    page.get_by_label("The whole plan").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("We did not talk about my job, and it matters.")
    page.get_by_role("button", name="Send to my care team").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your care team will see what you said")
    cards = page.locator(".app-disagreement")
    expect(cards.filter(has_text="We did not talk about my job")).to_be_visible()
    assert_accessible(page)
    cards.filter(has_text="We did not talk about my job").get_by_role(
        "button", name=re.compile("Take this back")
    ).click()
    expect(cards.filter(has_text="We did not talk about my job")).to_contain_text("took it back on")


def test_who_has_looked_groups_by_day_and_shows_the_times_on_request(browser: Browser, demo, base_url):
    clinician = browser.new_context(base_url=base_url).new_page()
    sign_in(clinician, demo, "clinician@safetyplan.example")
    clinician.get_by_role("link", name="Alex Demo (Alex)").click()
    for _ in range(3):  # opened again and again while working
        clinician.get_by_role("button", name="Safety plan", exact=True).click()
        clinician.go_back()
    page = browser.new_context(base_url=base_url).new_page()
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan/who-has-looked")
    first = page.locator("tbody tr").first
    summary = first.locator("summary")
    expect(summary).to_contain_text("see when")
    summary.focus()
    page.keyboard.press("Enter")
    expect(first.locator("details li").first).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)  # Kai, today: one row however many times
    assert_accessible(page)


def test_the_editor_parts_are_reached_from_the_top_by_keyboard(page: Page, demo):
    sign_in(page, demo, "clinician@safetyplan.example")
    visit(page, "/caseload")
    page.get_by_role("link", name="Alex Demo (Alex)").click()
    page.get_by_role("button", name="Safety plan", exact=True).click()
    page.get_by_role("button", name="Review the plan with Alex").click()
    expect(page.locator("nav.app-editor-contents")).to_be_visible()
    assert_accessible(page)
    conversation = page.locator("nav.app-editor-contents a[href='#conversation']")
    conversation.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#conversation")).to_be_in_viewport()
    day = page.locator("#next_review_on-day")
    assert day.input_value() != ""  # a review date is filled in, to change
    expect(page.locator("#next_review_on-hint")).to_contain_text(
        "We have filled in"
    )  # a date to change, and why this one
    expect(page.locator("#edit-safer_surroundings")).to_be_visible()


def test_switching_to_welsh_when_signed_in_is_a_button_reached_by_keyboard(page: Page, demo):
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan")
    switch = page.locator(".app-language-switch button")
    expect(switch).to_have_text("Cymraeg")
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert page.url.endswith("/my-plan")
    assert_accessible(page)


def test_at_the_idle_limit_a_page_with_unsent_words_stays_and_says_so(page: Page, demo):
    sign_in(page, demo, "person@safetyplan.example")
    # The page's own timers run on a clock the test moves: no waiting, and no request rewritten on its way.
    page.clock.install()
    page.goto("/my-plan/suggest")
    page.get_by_label("Your suggestion").fill("Add my walk by the river on Sundays")
    idle_seconds = int(page.locator("body").get_attribute("data-idle-seconds") or 0)
    assert idle_seconds > 120
    page.clock.run_for((idle_seconds - 119) * 1000)
    expect(page.locator("#idle-warning")).to_be_visible()
    page.clock.run_for(120 * 1000)
    ended = page.locator("#idle-ended")
    expect(ended).to_be_visible()
    expect(ended).to_be_focused()
    assert page.url.endswith("/my-plan/suggest")  # not sent away to sign in
    expect(page.get_by_label("Your suggestion")).to_have_value("Add my walk by the river on Sundays")
    assert_accessible(page)


def test_a_form_sent_after_the_session_ended_shows_the_words_and_a_way_back(browser: Browser, demo, base_url):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    sign_in(page, demo, "person@safetyplan.example")
    visit(page, "/my-plan/suggest")
    page.get_by_label("What matters to me and keeps me going").check()
    page.get_by_label("Your suggestion").fill("My sister's new baby")
    # Signed out elsewhere (another tab's sign-out ends this session on the server too).
    other = context.new_page()
    other.goto("/account")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_load_state()  # closing a tab mid-navigation once hung Chromium for the whole test timeout
    other.close()
    page.get_by_role("button", name="Send suggestion").click()
    expect(page.locator("h1")).to_have_text("You have been signed out")
    expect(page.locator(".app-kept-text")).to_have_text(["My sister's new baby"])
    assert_accessible(page)
    page.get_by_role("button", name="Sign in again").click()
    expect(page.locator("h1")).to_have_text("Sign in")
