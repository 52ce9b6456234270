"""The plan on the person's phone with no signal: kept locked, opened with the PIN (or a passkey), refreshed online,
wiped when forgotten or when five wrong PINs are tried, and stepped through in crisis mode. In Chromium, with the
network really off (``context.set_offline``), through the real service worker."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.axe import PageWatcher, assert_accessible
from tests.browser.conftest import sign_in

PIN = "246810"
PHONE = {"width": 390, "height": 844}
# Words from Alex's demo plan, and from the part Alex does not share with Pat.
ALEX_WORDS = ("Pickle", "07700 900 201")
NOT_SHARED_WITH_PAT = "Put on my headphones"

# Everything the page can read of the browser's storage, with bytes as text, so that a search finds plain words.
DUMP_STORAGE = """async () => {
  const text = (value) => {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      return new TextDecoder("utf-8", {fatal: false}).decode(value);
    }
    if (value && typeof value === "object") return Object.values(value).map(text).join(" | ");
    return String(value);
  };
  const parts = [];
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => ok(r.result);
      r.onerror = no;
    });
    for (const name of db.objectStoreNames) {
      const all = await new Promise((ok) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(r.result);
      });
      parts.push(...all.map(text));
    }
    db.close();
  }
  const cached = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      cached.push(new URL(request.url).pathname);
      parts.push(await (await cache.match(request)).text());
    }
  }
  for (let i = 0; i < localStorage.length; i++) parts.push(localStorage.getItem(localStorage.key(i)));
  for (let i = 0; i < sessionStorage.length; i++) parts.push(sessionStorage.getItem(sessionStorage.key(i)));
  return {text: parts.join("\\n"), cached, copies: (await indexedDB.databases()).length};
}"""

COPIES = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("safetyplan-offline", 1);
    r.onupgradeneeded = () => r.result.createObjectStore("copies", {keyPath: "device_id"});
    r.onsuccess = () => ok(r.result);
    r.onerror = no;
  });
  const all = await new Promise((ok) => {
    const r = db.transaction("copies").objectStore("copies").getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return all.map((each) => ({
    device_id: each.device_id, revision: each.revision, sections: each.sections, language: each.language,
  }));
}"""


# What sticks out past the right of the screen (nothing should, with the text at 200%).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const each of document.querySelectorAll("body *")) {
    const box = each.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) out.push(`${each.tagName}.${each.className} ${Math.round(box.right)}`);
  }
  return out;
}"""


def phone(browser: Browser, base_url: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE, base_url=base_url)
    return context, context.new_page()


def keep_on_this_phone(
    page: Page, path: str = "/my-plan", button: str = "Keep my plan on this phone", passkey: bool = False
) -> None:
    page.goto(path)
    panel = page.locator("[data-offline-keep]")
    expect(panel).to_be_visible()
    if passkey:
        page.get_by_label("Also unlock it with this phone’s fingerprint, face or screen lock").check()
    page.get_by_label("Choose a PIN").fill(PIN)
    page.get_by_label("Enter the PIN again").fill(PIN)
    page.get_by_label("Name this phone (optional)").fill("Test phone")
    page.get_by_role("button", name=button).click()
    expect(panel.locator("[data-keep-done]")).to_be_visible(timeout=20000)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def go_offline_and_open(context: BrowserContext, page: Page, path: str = "/my-plan", pin: str = PIN) -> None:
    context.set_offline(True)
    page.goto(path)
    page.locator("input[data-slot=pin]").first.fill(pin)
    page.get_by_role("button", name="Unlock").first.click()


def copies(page: Page) -> list[dict]:
    return page.evaluate(COPIES)


def wait_for_copies(page: Page, wanted) -> list[dict]:
    """The copies on this device once ``wanted(copies)`` holds (the page updates them after it loads)."""
    for _ in range(100):
        found = copies(page)
        if wanted(found):
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"the copies on this device never changed as expected: {found}")


def alex_and_kai(demo):
    from safetyplan.accounts.users import find_user_by_email

    return find_user_by_email("person@safetyplan.example"), find_user_by_email("clinician@safetyplan.example")


def save_new_agreed_revision(demo, words: str) -> int:
    from safetyplan.db import transaction
    from safetyplan.plans import revisions
    from safetyplan.plans import unchecked as unchecked_plans
    from safetyplan.plans.revisions import RevisionInput

    with demo.app.app_context(), transaction():
        alex, kai = alex_and_kai(demo)
        number = unchecked_plans.current_number(alex.person_id)
        content = dict(unchecked_plans.revision_content(alex.person_id, number) or {})
        content["reasons"] = {"items": [words]}
        saved = revisions.save_revision(
            by=kai,
            person_id=alex.person_id,
            base_number=number,
            revision=RevisionInput(
                content=content,
                reason="scheduled_review",
                person_took_part=True,
                person_agrees=True,
                next_review_on=date.today() + timedelta(days=28),
            ),
        )
        return saved.number


def test_alex_keeps_the_plan_opens_it_with_no_signal_and_steps_through_to_samaritans(browser: Browser, demo, base_url):
    context, page = phone(browser, base_url)
    watcher = PageWatcher(page)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    revision = copies(page)[0]["revision"]
    expect(page.locator("[data-keep-done]")).to_contain_text(f"revision {revision}")

    context.set_offline(True)
    page.goto("/my-plan")  # the same address, with no network
    expect(page.get_by_role("heading", name="This phone keeps a locked copy of your plan.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Call Samaritans"))).to_be_visible()  # before unlocking
    assert_accessible(page)
    page.get_by_label("Enter your PIN").fill(PIN)
    page.keyboard.press("Enter")
    expect(page.locator("[data-slot=meta]")).to_have_text(
        re.compile(rf"Your plan as it was on .+, revision {revision}\.")
    )
    for words in ALEX_WORDS:
        expect(page.locator("main")).to_contain_text(words)
    assert_accessible(page)

    # Crisis mode, by keyboard only: one step at a time, to the one-tap call to Samaritans.
    page.get_by_role("button", name="Go through my plan step by step").focus()
    page.keyboard.press("Enter")
    heading = page.locator(".app-crisis__heading")
    expect(heading).to_be_focused()
    expect(page.locator(".app-crisis__progress")).to_have_text(re.compile(r"Step 1 of \d"))
    assert_accessible(page)
    samaritans = page.locator(".app-crisis a[href='tel:116123']")
    for _ in range(8):
        if samaritans.count():
            break
        page.locator(".app-crisis [data-slot=next]").focus()
        page.keyboard.press("Enter")
        expect(heading).to_be_focused()
    expect(samaritans).to_be_visible()
    expect(samaritans).to_contain_text("Call Samaritans 116 123")
    assert_accessible(page)

    # At 200% zoom (half the width in CSS pixels), nothing needs scrolling sideways.
    page.set_viewport_size({"width": 195, "height": 422})
    assert page.evaluate(OVERFLOWING) == []
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Go through my plan step by step")).to_be_focused()
    assert watcher.problems == [], watcher.problems
    context.close()


def test_nothing_readable_is_stored_and_the_service_worker_keeps_no_page_with_personal_data(
    browser: Browser, demo, base_url
):
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    stored = page.evaluate(DUMP_STORAGE)
    for words in (*ALEX_WORDS, "Alex"):
        assert words not in stored["text"]
    assert stored["cached"], "the service worker keeps the offline page"
    assert all(path.startswith(("/offline/shell/", "/static/", "/vendor/")) for path in stored["cached"])

    # The next person to use this browser: Alex signs out (keeping the copy), and no page of Alex's is shown.
    page.get_by_role("button", name="Sign out").click()
    question = page.get_by_role("dialog", name="Keep your plan on this phone?")
    expect(question).to_be_visible()
    question.get_by_role("button", name="Keep it and sign out").click()
    page.wait_for_url(re.compile(r"/sign-in|/$"))
    page.goto("/my-plan")
    assert "Pickle" not in page.locator("body").inner_text()
    context.set_offline(True)
    page.goto("/my-plan")
    expect(page.get_by_role("heading", name="This phone keeps a locked copy of your plan.")).to_be_visible()
    assert "Pickle" not in page.locator("body").inner_text()
    page.go_back()
    assert "Pickle" not in page.locator("body").inner_text()
    context.close()


def test_five_wrong_pins_wipe_the_copy(browser: Browser, demo, base_url):
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    go_offline_and_open(context, page, pin="000000")
    error = page.locator("[data-slot=error]")
    expect(error).to_contain_text("You can try 4 more times")
    for left in (3, 2, 1):
        page.get_by_label("Enter your PIN").fill("000000")
        page.get_by_role("button", name="Unlock").click()
        expect(error).to_contain_text(f"You can try {left} more time")
    page.get_by_label("Enter your PIN").fill("000000")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("The copy on this phone has been wiped")
    assert copies(page) == []
    # With nothing kept, the service worker goes too.
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((all) => all.length)") == 0
    context.set_offline(False)
    page.goto("/offline/shell/en")
    expect(page.get_by_text(re.compile("No plan is kept on this phone."))).to_be_visible()
    context.close()


def test_a_new_revision_reaches_the_phone_and_a_forgotten_phone_is_wiped(browser: Browser, demo, base_url):
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    first = copies(page)[0]["revision"]

    newer = save_new_agreed_revision(demo, "Canary-newer-revision")
    # Signed out, the offline page with a signal asks about the copy, and says a newer revision exists.
    context.clear_cookies()
    page.goto("/offline/shell/en")
    expect(page.get_by_text("There is a newer version of this plan.")).to_be_visible()

    # Signed in again, the copy refreshes by itself, with no PIN.
    sign_in(page, demo, "person@safetyplan.example")
    page.goto("/my-plan")
    expect(page.locator("[data-keep-done]")).to_contain_text(f"revision {newer}")
    assert newer > first and copies(page)[0]["revision"] == newer
    go_offline_and_open(context, page)
    expect(page.locator("[data-slot=meta]")).to_contain_text(f"revision {newer}")
    expect(page.locator("main")).to_contain_text("Canary-newer-revision")

    # Forgotten from "Devices with my plan", it is wiped at the next contact.
    context.set_offline(False)
    page.goto("/my-plan/devices")
    page.get_by_role("button", name=re.compile("Forget this device .*Test phone")).click()
    expect(page.get_by_text(re.compile("Device forgotten."))).to_be_visible()
    page.goto("/my-plan")
    page.wait_for_load_state("networkidle")
    wait_for_copies(page, lambda found: found == [])
    expect(page.locator("[data-keep-start]")).to_be_visible()
    context.close()


def test_a_carers_copy_holds_only_what_is_shared_and_loses_a_section_when_sharing_narrows(
    browser: Browser, demo, base_url
):
    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.db import session, transaction
    from safetyplan.sharing import consent
    from safetyplan.sharing.models import InvolvedPerson

    with demo.app.app_context(), transaction():
        alex, _kai = alex_and_kai(demo)
        pat = find_user_by_email("carer@safetyplan.example")
        involved = session.query(InvolvedPerson).filter_by(person_id=alex.person_id, user_id=pat.id).one()
        person_id = alex.person_id
        shared = sorted(consent.shared_sections(involved))
        involved_id = involved.id
    assert len(shared) >= 2 and "on_my_own" not in shared

    context, page = phone(browser, base_url)
    sign_in(page, demo, "carer@safetyplan.example")
    keep_on_this_phone(page, f"/shared/{person_id}", "Keep these parts on this phone")
    assert sorted(copies(page)[0]["sections"]) == shared
    assert NOT_SHARED_WITH_PAT not in page.evaluate(DUMP_STORAGE)["text"]

    with demo.app.app_context(), transaction():
        consent.choose_sections(
            by=find_user_by_email("clinician@safetyplan.example"),
            person_id=person_id,
            involved_id=involved_id,
            keys=set(shared[:1]),
            decided_on=date.today(),
        )
    page.goto("/shared")  # any page, signed in and online: the copy is brought up to date
    wait_for_copies(page, lambda found: len(found) == 1 and len(found[0]["sections"]) == 1)
    go_offline_and_open(context, page, f"/shared/{person_id}")
    expect(page.locator("[data-slot=meta]")).to_contain_text("The parts shared with you")
    assert page.locator(".app-plan-section").count() == 1, page.locator("main").inner_text()
    assert NOT_SHARED_WITH_PAT not in page.locator("main").inner_text()
    context.close()


def test_signing_out_can_remove_the_copy_and_forget_the_phone(browser: Browser, demo, base_url):
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Remove it and sign out").click()
    page.wait_for_url(re.compile(r"/sign-in|/$"))
    assert copies(page) == []
    from safetyplan.db import transaction
    from safetyplan.offline.devices import devices_of

    with demo.app.app_context(), transaction():
        alex, _kai = alex_and_kai(demo)
        assert [device.name for device in devices_of(by=alex)] == ["Alex's old phone (demo)"]  # not "Test phone"
    context.close()


def test_crisis_mode_in_welsh_at_200_percent_zoom_is_accessible(browser: Browser, demo, base_url):
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    page.get_by_role("button", name="Cymraeg").first.click()
    page.wait_for_load_state()
    page.goto("/my-plan")
    panel = page.locator("[data-offline-keep]")
    expect(panel).to_be_visible()
    page.locator("#keep-pin").fill(PIN)
    page.locator("#keep-pin-again").fill(PIN)
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-keep-done]")).to_be_visible(timeout=20000)
    assert copies(page)[0]["language"] == "cy"
    context.set_offline(True)
    page.goto("/my-plan")
    assert page.locator("html").get_attribute("lang") == "cy"
    page.locator("input[data-slot=pin]").fill(PIN)
    page.keyboard.press("Enter")
    # Headless Chromium grants no screen wake lock, so stand in for it, to see that step by step asks for one
    # and lets it go at the end.
    page.evaluate(
        """() => {
          window.wake = {asked: 0, let_go: 0};
          const lock = {release: async () => { window.wake.let_go += 1; }};
          Object.defineProperty(navigator, "wakeLock", {
            configurable: true, value: {request: async () => { window.wake.asked += 1; return lock; }},
          });
        }"""
    )
    page.locator("[data-slot=crisis]").click()
    expect(page.locator(".app-crisis__progress")).to_have_text(re.compile(r"^Cam 1 o \d"))
    assert page.evaluate("window.wake.asked") == 1
    page.set_viewport_size({"width": 195, "height": 422})
    assert page.evaluate(OVERFLOWING) == []
    assert_accessible(page)
    page.get_by_role("button", name="Stopio mynd gam wrth gam").click()
    assert page.evaluate("window.wake.let_go") == 1
    context.close()


@pytest.fixture
def localhost_url(base_url: str) -> str:
    """A passkey's relying party must be a domain name, never an address: the same server, as localhost."""
    return base_url.replace("127.0.0.1", "localhost")


def test_a_passkey_unlocks_the_copy_where_the_phone_has_one(browser: Browser, demo, localhost_url):
    context, page = phone(browser, localhost_url)
    authenticator = context.new_cdp_session(page)
    authenticator.send("WebAuthn.enable")
    authenticator.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "ctap2Version": "ctap2_1",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "hasPrf": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page, passkey=True)
    context.set_offline(True)
    page.goto("/my-plan")
    page.get_by_role("button", name="Unlock with fingerprint, face or screen lock").click()
    expect(page.locator("[data-slot=meta]")).to_contain_text("Your plan as it was on")
    stored = page.evaluate(DUMP_STORAGE)
    assert "Pickle" not in stored["text"] and base64.b64encode(b"Pickle").decode() not in stored["text"]
    context.close()


def test_tries_made_at_once_are_each_counted(browser: Browser, demo, base_url):
    """Two tabs (or a script) trying PINs at the same moment get five tries between them, not five each."""
    context, page = phone(browser, base_url)
    sign_in(page, demo, "person@safetyplan.example")
    keep_on_this_phone(page)
    device_id = copies(page)[0]["device_id"]
    context.set_offline(True)
    page.goto("/my-plan")
    results = page.evaluate(
        """async (deviceId) => {
          const offline = await import(document.querySelector("script[src*='offline.js']").src);
          return Promise.all([...Array(6)].map(() => offline.openWithPin(deviceId, "000000")));
        }""",
        device_id,
    )
    assert not any("copy" in result for result in results)
    assert any(result.get("wiped") for result in results)
    assert copies(page) == []
    context.close()
