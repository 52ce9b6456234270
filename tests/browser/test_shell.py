"""The web shell as a person meets it: the start page, the language switch, the skip link, error pages."""

import re

from playwright.sync_api import Page, expect

from tests.browser.axe import PageWatcher, visit


def test_start_page_is_styled_accessible_and_breaks_no_policy(page: Page):
    watcher = PageWatcher(page)
    visit(page, "/", watcher)
    expect(page.locator("h1")).to_have_text("Safety plans written with you")
    # The NHS.UK stylesheet loaded: the header is NHS blue, not an unstyled page.
    header_colour = page.locator("header.nhsuk-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(0, 94, 184)"
    # The NHS.UK frontend script ran (a module from this site, allowed by the CSP).
    expect(page.locator("body")).to_have_class(re.compile("nhsuk-frontend-supported"))
    assert watcher.problems == []


def test_switching_to_welsh_by_keyboard(page: Page):
    visit(page, "/")
    switch = page.get_by_role("link", name="Cymraeg")
    switch.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("h1")).to_have_text("Cynlluniau diogelwch wedi'u hysgrifennu gyda chi")
    visit(page, "/")  # remembered without ?lang=, and still accessible in Welsh
    expect(page.locator("h1")).to_have_text("Cynlluniau diogelwch wedi'u hysgrifennu gyda chi")


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page: Page):
    visit(page, "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#maincontent"


def test_not_found_page_is_accessible_in_both_languages(page: Page):
    visit(page, "/no-such-page")
    expect(page.locator("h1")).to_have_text("Page not found")
    visit(page, "/no-such-page?lang=cy")
    expect(page.locator("h1")).to_have_text("Heb ddod o hyd i'r dudalen")


def test_narrow_phone_screen_has_no_sideways_scrolling(page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    visit(page, "/")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_axe_helper_reports_a_real_violation(page: Page):
    # Guards the guard: a page with an unlabelled field and an image without alt text must fail.
    visit(page, "/")
    page.evaluate("""() => {
        document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text"><img src="/x.png">');
    }""")
    from tests.browser.axe import axe_violations

    found = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "image-alt"} <= found
