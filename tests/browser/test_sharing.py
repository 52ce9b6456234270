"""Sharing in Chromium: the person chooses what the demo carer sees, the carer sees exactly that, adds what they
will do, the person accepts it; withdrawing takes effect at once; a carer invitation from start to end; Welsh."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible, visit
from tests.browser.conftest import sign_in

WARNING_SIGN = "I stop answering messages"  # Alex's warning signs (section 2)
REASON = "My cat, Pickle"  # Alex's reasons (section 1)
HELPS = "Speak quietly and give me space"  # how others help (section 8)


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def open_sharing_for_pat(person: Page) -> None:
    visit(person, "/my-plan")
    person.get_by_role("link", name="Choose what family, friends and carers can see").click()
    visit(person, path_of(person))
    person.get_by_role("link", name="Choose what Pat Demo-Carer can see").click()
    visit(person, path_of(person))


def test_the_person_shares_two_sections_the_carer_sees_them_adds_help_and_the_person_accepts(
    browser: Browser, demo, base_url
):
    person = browser.new_context(base_url=base_url).new_page()
    sign_in(person, demo, "person@safetyplan.example")
    open_sharing_for_pat(person)
    for box in person.locator("input[name=sections]").all():
        box.uncheck()
    person.get_by_label("What matters to me and keeps me going").check()
    person.get_by_label("Signs that things are getting harder for me").check()
    person.get_by_role("button", name="Save what they can see").click()
    expect(person.locator(".nhsuk-notification-banner")).to_contain_text("Pat Demo-Carer can see the parts you chose")

    carer = browser.new_context(base_url=base_url).new_page()
    sign_in(carer, demo, "carer@safetyplan.example")
    visit(carer, "/shared")
    carer.get_by_role("link", name="Alex's safety plan").click()
    visit(carer, path_of(carer))
    expect(carer.locator(".app-plan-section")).to_have_count(2)
    expect(carer.locator("#section-reasons")).to_contain_text(REASON)
    expect(carer.locator("#section-warning_signs")).to_contain_text(WARNING_SIGN)
    expect(carer.locator("main")).not_to_contain_text(HELPS)

    carer.get_by_role("button", name="Add what you will do to help").click()
    visit(carer, path_of(carer))
    carer.get_by_label("What my family, friends or carers will do").check()
    carer.get_by_label("What you want to add").fill("I will drive Alex to the café on bad days")
    carer.get_by_role("button", name="Send to Alex").click()
    expect(carer.locator(".nhsuk-notification-banner")).to_contain_text("Alex will see what you wrote")

    visit(person, "/my-plan")
    card = person.locator(".app-suggestion", has_text="I will drive Alex to the café on bad days")
    expect(card).to_contain_text("Pat Demo-Carer")
    card.get_by_label("Add it to the plan").check()
    card.get_by_role("button", name="Save decision").click()
    expect(person.locator("#section-carers_will_do")).to_contain_text("I will drive Alex to the café on bad days")
    expect(person.locator("#section-carers_will_do")).to_contain_text("Includes words added by Pat Demo-Carer")

    # Withdrawing: the carer's very next request shows none of it.
    open_sharing_for_pat(person)
    for box in person.locator("input[name=sections]").all():
        box.uncheck()
    person.get_by_role("button", name="Save what they can see").click()
    expect(person.locator(".nhsuk-notification-banner")).to_contain_text("cannot see any of the plan now")
    carer.reload()
    expect(carer.locator("main")).to_contain_text("has not shared any part of their plan with you")
    expect(carer.locator("main")).not_to_contain_text(WARNING_SIGN)

    # The person sees who can see, and who has looked (Pat, just now).
    visit(person, "/my-plan/who-has-looked")
    expect(person.locator("tbody")).to_contain_text("Pat Demo-Carer")


def test_a_carer_invited_by_email_makes_an_account_and_is_confirmed(browser: Browser, demo, base_url):
    from safetyplan.db import transaction
    from safetyplan.sharing import invitations, involvement

    person = browser.new_context(base_url=base_url).new_page()
    sign_in(person, demo, "person@safetyplan.example")
    visit(person, "/my-plan")
    person.get_by_role("link", name="Choose what family, friends and carers can see").click()
    person.get_by_role("button", name="Add someone").click()
    visit(person, path_of(person))
    person.get_by_label("Their name").fill("Jordan Demo-Friend")
    person.get_by_label("A friend").check()
    person.get_by_label("Email address (optional)").fill("jordan@safetyplan.example")
    person.get_by_role("button", name="Add them").click()
    person.get_by_role("button", name="Send an invitation to Jordan Demo-Friend").click()
    expect(person.locator(".nhsuk-notification-banner")).to_contain_text("Invitation sent to jordan@safetyplan.example")

    # The email went through the outbox; make a fresh invitation here to know its token (it replaces that one).
    with demo.app.app_context(), transaction():
        from safetyplan.accounts.users import find_user_by_email

        alex = find_user_by_email("person@safetyplan.example")
        jordan = next(
            i for i in involvement.involved_people(by=alex, person_id=alex.person_id) if i.name == "Jordan Demo-Friend"
        )
        link = invitations.invite(by=alex, person_id=alex.person_id, involved_id=jordan.id, base_url=base_url)

    visitor = browser.new_context(base_url=base_url).new_page()
    visitor.goto(link)
    visitor.wait_for_load_state("networkidle")
    assert_accessible(visitor)
    assert "#" not in visitor.url  # the code left the address bar
    expect(visitor.get_by_label("Invitation code")).to_be_hidden()
    visitor.get_by_label("Your name").fill("Jordan Demo-Friend")
    visitor.get_by_label("Email address").fill("jordan@safetyplan.example")
    visitor.get_by_label("Create a password").fill("quiet harbour lantern moss")
    visitor.get_by_label("Enter the password again").fill("quiet harbour lantern moss")
    visitor.get_by_role("button", name="Create account and accept").click()
    expect(visitor.locator("main")).to_contain_text("waiting to be confirmed")
    visit(visitor, "/shared")

    visit(person, f"/people/{person_url_id(demo)}/sharing")
    person.get_by_role("button", name="Confirm it is Jordan Demo-Friend").click()
    expect(person.locator(".nhsuk-notification-banner")).to_contain_text("Confirmed")
    visitor.reload()
    expect(visitor.get_by_role("link", name="Alex's safety plan")).to_be_visible()

    # A used link gets a clear page, with nothing about the person.
    again = browser.new_context(base_url=base_url).new_page()
    again.goto(link)
    again.get_by_label("Your name").fill("Someone Else")
    again.get_by_label("Email address").fill("someone@safetyplan.example")
    again.get_by_label("Create a password").fill("quiet harbour lantern moss")
    again.get_by_label("Enter the password again").fill("quiet harbour lantern moss")
    again.get_by_role("button", name="Create account and accept").click()
    expect(again.locator("h1")).to_have_text("This invitation link does not work")
    expect(again.locator("main")).not_to_contain_text("Alex")


def person_url_id(demo) -> str:
    from safetyplan.accounts.users import find_user_by_email
    from safetyplan.db import transaction

    with demo.app.app_context(), transaction():
        return str(find_user_by_email("person@safetyplan.example").person_id)


def test_a_carer_reads_the_shared_plan_in_welsh_and_by_keyboard(page: Page, demo):
    sign_in(page, demo, "carer@safetyplan.example")
    visit(page, "/shared")
    page.get_by_role("link", name="Alex's safety plan").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visit(page, path_of(page) + "?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("h1")).to_have_text("Cynllun diogelwch Alex")
    expect(page.locator("#section-warning_signs")).to_contain_text(WARNING_SIGN)
    expect(page.locator(".app-plan-section")).to_have_count(2)  # the demo shares two sections with Pat
    visit(page, "/shared/crisis")
    visit(page, path_of(page).replace("/shared/crisis", "/shared"))


def test_the_carers_print_view_shows_only_the_shared_parts_on_paper(page: Page, demo):
    sign_in(page, demo, "carer@safetyplan.example")
    visit(page, "/shared")
    page.get_by_role("link", name="Alex's safety plan").click()
    page.get_by_role("link", name="Print these parts").click()
    visit(page, path_of(page))
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.locator(".app-print__title")).to_have_text("Alex's safety plan")
    expect(page.locator(".app-plan-section")).to_have_count(2)
    page.emulate_media(media="screen")
    visit(page, path_of(page) + "?lang=cy")
    expect(page.locator(".app-print__title")).to_have_text("Cynllun diogelwch Alex")


def test_every_sharing_page_in_welsh_is_accessible_and_works_by_keyboard(browser: Browser, demo, base_url):
    clinician = browser.new_context(base_url=base_url).new_page()
    sign_in(clinician, demo, "clinician@safetyplan.example")
    visit(clinician, "/caseload")
    clinician.get_by_role("link", name="Alex Demo (Alex)").click()
    clinician.get_by_role("button", name="Family, friends and carers").click()
    overview = path_of(clinician)
    for path in (
        overview + "?lang=cy",
        overview.replace("/sharing", "/involvement-conversations/new"),
        overview.replace("/sharing", "/involved/new"),
    ):
        visit(clinician, path)
    expect(clinician.locator("html")).to_have_attribute("lang", "cy")
    # Record a conversation by keyboard alone, in Welsh: day, month, year, what was agreed, own words, save.
    visit(clinician, overview.replace("/sharing", "/involvement-conversations/new"))
    clinician.locator("#held_on-day").focus()
    for keys in (
        "1",
        "Tab",
        "1",
        "Tab",
        "2026",
        "Tab",
        "Mae Alex eisiau i Pat wybod yr arwyddion rhybudd.",
        "Tab",
        "Space",
        "Tab",
        "Enter",
    ):
        clinician.keyboard.press(keys) if keys in ("Tab", "Space", "Enter") else clinician.keyboard.type(keys)
    expect(clinician.locator("main")).to_contain_text("Mae Alex eisiau i Pat wybod yr arwyddion rhybudd.")
    visit(clinician, path_of(clinician))
    # The page that asks before someone stops being involved.
    clinician.get_by_role("link", name=re.compile("Dee Example")).last.click()
    visit(clinician, path_of(clinician))

    person = browser.new_context(base_url=base_url).new_page()
    sign_in(person, demo, "person@safetyplan.example")
    for path in ("/my-plan?lang=cy", "/my-plan/who-has-looked", overview):
        visit(person, path)

    carer = browser.new_context(base_url=base_url).new_page()
    sign_in(carer, demo, "carer@safetyplan.example")
    for path in ("/shared?lang=cy", "/shared/crisis", "/invitation"):
        visit(carer, path)

    # A used or wrong link, and another role's account, get their pages (accessible, in Welsh too).
    visitor = browser.new_context(base_url=base_url).new_page()
    visit(visitor, "/invitation?lang=cy")
    visitor.get_by_label("Cod gwahoddiad").fill("not-a-real-code")
    visitor.get_by_label("Eich enw").fill("Rhywun")
    visitor.locator("#email").fill("rhywun@safetyplan.example")
    visitor.locator("#password").fill("quiet harbour lantern moss")
    visitor.locator("#confirm").fill("quiet harbour lantern moss")
    visitor.locator("button[type=submit]").last.click()
    expect(visitor.locator("html")).to_have_attribute("lang", "cy")
    expect(visitor.locator("h1")).not_to_have_text("Accept your invitation")
    assert_accessible(visitor)
    visit(person, "/invitation")  # a person's own account cannot accept an invitation: its page, accessible
