"""The plan pages as clinicians and people use them: editing, conflicts, drafts, history, suggestions, print."""

from datetime import date, timedelta

import pytest

from tests.factories import create_account, create_person, write_plan
from tests.pages import PageClient, check_page, text_of

NEXT = date.today() + timedelta(days=21)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def editor_data(client, person_id, **changes):
    """Everything the editor form holds now (as the browser would send it), with changes."""
    page = client.get_page(f"/people/{person_id}/plan/edit")
    data = {}
    for field in page.select("form.app-plan-editor input, form.app-plan-editor textarea"):
        name = field.get("name")
        if not name or name == "csrf_token":
            continue
        if field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field["value"]
            continue
        data[name] = field.get_text().lstrip("\r\n") if field.name == "textarea" else field.get("value", "")
    data.update(
        {
            "person_took_part": "y",
            "person_agrees": "yes",
            "next_review_on[day]": str(NEXT.day),
            "next_review_on[month]": str(NEXT.month),
            "next_review_on[year]": str(NEXT.year),
        }
    )
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def person(app, team):
    with app.app_context():
        return create_person(team, name="Rowan Plan-Person", preferred_name="Ro")


def test_a_clinician_writes_the_first_plan_with_the_person(clinician_client, person):
    data = editor_data(
        clinician_client,
        person.id,
        reasons="My dog Biscuit\nSeeing my niece grow up",
        reasons_own_words="y",
        **{
            "people_to_ask-0-name": "Jo",
            "people_to_ask-0-relationship": "sister",
            "people_to_ask-0-phone": "07700 900 123",
        },
    )
    assert data["reason"] == "first_plan"
    response = clinician_client.post_form(f"/people/{person.id}/plan/edit", data, status=302)
    page = clinician_client.get_page(response.headers["Location"])
    assert "Plan saved." in text_of(page, ".nhsuk-notification-banner")
    reasons = page.select_one("#section-reasons")
    assert [li.get_text() for li in reasons.select("li")] == ["My dog Biscuit", "Seeing my niece grow up"]
    assert "In my words" in reasons.get_text()
    assert page.select_one('#section-people_to_ask a[href="tel:07700900123"]').get_text() == "07700 900 123"
    services = page.select_one("#section-services").get_text(" ", strip=True)
    assert "Samaritans" in services and "116 123" in services and "Text 85258" in services
    assert page.select_one('#section-services a[href="sms:85258"]') is not None
    assert "Revision 1" in text_of(page, ".app-plan-meta")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"next_review_on[year]": str(date.today().year - 1)}, "Enter a review date in the future"),
        (
            {"people_to_ask-0-name": "Jo", "people_to_ask-0-phone": "ring me"},
            "Enter a phone number, like 01632 960 001",
        ),
        ({"person_agrees": "no", "disagreement": ""}, "Write why the person does not agree, in their words"),
        ({"reasons": "x" * 4001}, "Must be 4000 characters or fewer"),
        ({"people_to_ask-0-phone": "07700 900 123"}, "Enter who this is"),
        ({"person_agrees": None}, "Select whether the person agrees with the plan"),
    ],
)
def test_bad_input_is_explained_and_nothing_typed_is_lost(clinician_client, person, changes, message):
    data = editor_data(clinician_client, person.id, on_my_own="Listen to music", **changes)
    page = check_page(clinician_client.post_form(f"/people/{person.id}/plan/edit", data).data)
    assert message in text_of(page, ".nhsuk-error-summary")
    assert page.select_one("#on_my_own").get_text().lstrip("\r\n") == "Listen to music"


def test_a_conflicting_save_shows_both_texts_and_loses_neither(app, clinician_client, person):
    clinician_client.post_form(
        f"/people/{person.id}/plan/edit", editor_data(clinician_client, person.id, reasons="first words"), status=302
    )
    mine = editor_data(clinician_client, person.id, reasons="first words\nmy addition")  # based on revision 1
    # Meanwhile someone else (here: the same team, another tab) saves revision 2.
    other_tab = editor_data(clinician_client, person.id, reasons="first words\ntheir addition")
    clinician_client.post_form(f"/people/{person.id}/plan/edit", other_tab, status=302)
    response = clinician_client.post_form(f"/people/{person.id}/plan/edit", mine, status=409)
    page = check_page(response.data)
    warning = text_of(page, ".nhsuk-card--warning")
    assert warning.count("You saved this plan in another tab or window while writing here") == 1  # the same clinician
    conflict = page.select_one("#edit-reasons .app-conflict")
    assert "their addition" in conflict.get_text()
    assert page.select_one("#reasons").get_text().lstrip("\r\n") == "first words\nmy addition"
    assert (page.select_one("#base_number")["value"], page.select_one("#merge_with")["value"]) == ("1", "2")
    merged = editor_data(clinician_client, person.id, reasons="first words\nmy addition\ntheir addition")
    assert (merged["base_number"], merged["merge_with"]) == ("1", "2")  # the reopened editor shows the conflict too
    clinician_client.post_form(f"/people/{person.id}/plan/edit", merged, status=302)
    items = [
        li.get_text() for li in clinician_client.get_page(f"/people/{person.id}/plan").select("#section-reasons li")
    ]
    assert items == ["first words", "my addition", "their addition"]


def test_the_conflict_view_marks_the_words_that_differ_and_says_whose_is_whose(app, clinician_client, person, team):
    with app.app_context():
        colleague = create_account("clinician", team=team, name="Sam Colleague")
    url = f"/people/{person.id}/plan/edit"
    clinician_client.post_form(
        url, editor_data(clinician_client, person.id, reasons="My dog and my garden"), status=302
    )
    mine = editor_data(clinician_client, person.id, reasons="My dog and my allotment")
    other = PageClient(app.test_client())
    other.sign_in(colleague)
    other.post_form(url, editor_data(other, person.id, reasons="My dog and my niece"), status=302)
    page = check_page(clinician_client.post_form(url, mine, status=409).data)
    conflict = page.select_one("#edit-reasons .app-conflict")
    headings = [" ".join(h.get_text(" ", strip=True).split()) for h in conflict.select("h3")]
    assert headings[0].startswith("Saved by Sam Colleague at ") and headings[0].endswith("(revision 2)")
    assert headings[1] == "What you typed, not saved yet"
    theirs, yours = conflict.select(".app-compare-text")
    assert [m.get_text() for m in theirs.select("mark.app-differs")] == ["niece"]
    assert [m.get_text() for m in yours.select("mark.app-differs")] == ["allotment"]
    assert "My dog and my" in theirs.get_text()  # what is the same is shown too, unmarked


def test_after_a_conflict_a_reload_shows_the_other_text_again_and_never_saves_over_it(clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    clinician_client.post_form(url, editor_data(clinician_client, person.id, reasons="first"), status=302)
    mine = editor_data(clinician_client, person.id, reasons="first\nmine")
    clinician_client.post_form(url, editor_data(clinician_client, person.id, reasons="first\ntheirs"), status=302)
    clinician_client.post_form(url, mine, status=409)
    # The tab closes; the editor is opened again: their text is shown beside mine before anything is saved.
    reopened = clinician_client.get_page(url)
    assert "theirs" in text_of(reopened, "#edit-reasons .app-conflict")
    assert reopened.select_one("#reasons").get_text().lstrip("\r\n") == "first\nmine"
    # A form that claims to build on the old revision, without having been shown the new one, is refused.
    stale = {**mine, "merge_with": ""}
    clinician_client.post_form(url, stale, from_url=url, status=409)
    plan = clinician_client.get_page(f"/people/{person.id}/plan")
    assert [li.get_text() for li in plan.select("#section-reasons li")] == ["first", "theirs"]


def test_a_forged_base_number_is_refused(clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    for forged in ("7", "abc", str(2**40)):
        assert clinician_client.post_form(url, editor_data(clinician_client, person.id, base_number=forged), status=400)
    assert clinician_client.get(f"/people/{person.id}/plan/revisions/99999999999999999999").status_code == 404
    assert clinician_client.get(f"/people/{person.id}/plan/compare?from=1&to=99999999999999999999").status_code == 400


def test_drafts_come_back_after_signing_in_again(app, clinician_client, person):
    token = clinician_client.csrf_token(f"/people/{person.id}/plan/edit")
    typed = {
        "csrf_token": token,
        "base_number": "0",
        "reasons": "Typed before the session ended",
        "reason": "first_plan",
    }
    assert clinician_client.client.post(f"/people/{person.id}/plan/draft", data=typed).status_code == 204
    again = PageClient(app.test_client())  # a new browser session: the old one timed out
    again._totp_steps = clinician_client._totp_steps
    again.sign_in(clinician_client.account)
    page = again.get_page(f"/people/{person.id}/plan/edit")
    assert page.select_one("#reasons").get_text().lstrip("\r\n") == "Typed before the session ended"
    assert "We kept what you typed" in text_of(page, ".nhsuk-inset-text")
    plan_page = again.get_page(f"/people/{person.id}/plan")
    assert "You have changes to this plan that are not saved yet." in text_of(plan_page, ".nhsuk-inset-text")
    again.post_form(
        f"/people/{person.id}/plan/draft/discard", {}, from_url=f"/people/{person.id}/plan/edit", status=302
    )
    assert again.get_page(f"/people/{person.id}/plan/edit").select_one("#reasons").get_text().strip() == ""


def test_an_expired_csrf_token_keeps_everything_typed_in_the_editor(clinician_client, person):
    data = editor_data(clinician_client, person.id, reasons="Words I must not lose")
    data["csrf_token"] = "expired"
    response = clinician_client.client.post(f"/people/{person.id}/plan/edit", data=data)
    assert response.status_code == 400
    page = check_page(response.data)
    assert page.select_one("#reasons").get_text().lstrip("\r\n") == "Words I must not lose"
    assert "This page was open for too long" in text_of(page, ".nhsuk-error-summary")


def test_history_compare_and_restore(clinician_client, person):
    for words in ("walk by the river", "walk by the sea"):
        clinician_client.post_form(
            f"/people/{person.id}/plan/edit", editor_data(clinician_client, person.id, reasons=words), status=302
        )
    history = clinician_client.get_page(f"/people/{person.id}/plan/history")
    assert [a.get_text() for a in history.select("tbody a")] == ["Revision 2", "Revision 1"]
    compared = clinician_client.get_page(f"/people/{person.id}/plan/compare?from=1&to=2")
    assert [d.get_text() for d in compared.select("#compare-reasons ~ * del, del")][:1] == ["river"]
    assert [i.get_text() for i in compared.select("ins")] == ["sea"]
    revision_page = f"/people/{person.id}/plan/revisions/1"
    clinician_client.post_form(
        f"/people/{person.id}/plan/revisions/1/restore", {"base_number": "2"}, from_url=revision_page, status=302
    )
    page = clinician_client.get_page(f"/people/{person.id}/plan")
    assert "Revision 1 restored as revision 3." in text_of(page, ".nhsuk-notification-banner")
    assert [li.get_text() for li in page.select("#section-reasons li")] == ["walk by the river"]


def test_the_person_reads_their_plan_and_suggests_a_change_which_the_clinician_accepts(app, clinician_client, person):
    clinician_client.post_form(
        f"/people/{person.id}/plan/edit", editor_data(clinician_client, person.id, reasons="My dog"), status=302
    )
    with app.app_context():
        own = create_account("person", person=person)
    person_client = PageClient(app.test_client())
    person_client.sign_in(own)
    mine = person_client.get_page("/my-plan")
    assert [li.get_text() for li in mine.select("#section-reasons li")] == ["My dog"]
    person_client.post_form("/my-plan/suggest", {"section": "on_my_own", "text": "Bake bread"}, status=302)
    assert "Waiting for your care team." in text_of(person_client.get_page("/my-plan"), "main")

    plan_page = clinician_client.get_page(f"/people/{person.id}/plan")
    card = plan_page.select_one(".app-suggestion")
    assert "Bake bread" in card.get_text()
    prefix = card.select_one("input[type=radio]")["name"].split("-")[0]
    clinician_client.post_form(
        card.select_one("form")["action"],
        {f"{prefix}-decision": "accept", f"{prefix}-answer": ""},
        from_url=f"/people/{person.id}/plan",
        status=302,
    )
    mine = person_client.get_page("/my-plan")
    assert [li.get_text() for li in mine.select("#section-on_my_own li")] == ["Bake bread"]
    assert "In my words" in mine.select_one("#section-on_my_own").get_text()
    assert "Added to your plan in revision 2." in text_of(mine, "main")


def test_declining_a_suggestion_needs_words_the_person_will_read(app, clinician_client, person):
    clinician_client.post_form(
        f"/people/{person.id}/plan/edit", editor_data(clinician_client, person.id, reasons="x"), status=302
    )
    with app.app_context():
        own = create_account("person", person=person)
    person_client = PageClient(app.test_client())
    person_client.sign_in(own)
    person_client.post_form("/my-plan/suggest", {"section": "reasons", "text": "Take it all out"}, status=302)
    card = clinician_client.get_page(f"/people/{person.id}/plan").select_one(".app-suggestion")
    prefix = card.select_one("input[type=radio]")["name"].split("-")[0]
    action = card.select_one("form")["action"]
    refused = check_page(
        clinician_client.post_form(
            action,
            {f"{prefix}-decision": "decline", f"{prefix}-answer": ""},
            from_url=f"/people/{person.id}/plan",
            status=400,
        ).data
    )
    assert "Say why, in words the person will read" in text_of(refused, ".nhsuk-error-summary")
    clinician_client.post_form(
        action,
        {f"{prefix}-decision": "decline", f"{prefix}-answer": "Let's talk at your review"},
        from_url=f"/people/{person.id}/plan",
        status=302,
    )
    assert "Let's talk at your review" in text_of(person_client.get_page("/my-plan"), "main")


def test_print_and_pocket_card_show_the_revision_and_the_numbers_in_the_persons_language(app, clinician_client, person):
    data = editor_data(
        clinician_client,
        person.id,
        warning_signs="Not sleeping",
        on_my_own="Cold water on my face",
        **{"people_to_ask-0-name": "Jo", "people_to_ask-0-phone": "07700 900 123"},
    )
    clinician_client.post_form(f"/people/{person.id}/plan/edit", data, status=302)
    printed = clinician_client.get_page(f"/people/{person.id}/plan/print")
    assert "Revision 1" in text_of(printed, ".app-print__meta")
    card = clinician_client.get_page(f"/people/{person.id}/plan/card")
    text = text_of(card, ".app-card")
    assert "Not sleeping" in text and "Cold water on my face" in text and "07700 900 123" in text and "116 123" in text
    welsh = clinician_client.get_page(f"/people/{person.id}/plan/card?lang=cy")
    assert "Y Samariaid" in text_of(welsh, ".app-card")
    # The QR code is the code of the plan's address, the same for everyone: no name, no id, nothing personal.
    import segno

    from safetyplan.config import current_settings

    drawn = card.select_one("svg.app-card__qr-code path")
    with app.app_context():
        address = current_settings().base_url.rstrip("/") + "/my-plan"
    expected = segno.make(address, error="m").svg_inline(scale=2, border=1, svgclass="app-card__qr-code")
    assert drawn is not None and f'd="{drawn["d"]}"' in expected
    assert str(person.id) not in address


def test_the_pocket_card_says_how_many_more_are_in_the_full_plan(app, clinician_client, person):
    signs = [f"Sign {n}" for n in range(1, 6)]
    people = [{"name": f"Friend {n}", "relationship": "", "phone": f"07700 900 12{n}"} for n in range(1, 5)]
    with app.app_context():
        write_plan(
            person,
            clinician_client.account,
            content={"warning_signs": {"items": signs}, "people_to_ask": {"contacts": people}},
        )
    card = clinician_client.get_page(f"/people/{person.id}/plan/card")
    text = text_of(card, ".app-card")
    assert "Sign 3" in text and "Sign 4" not in text
    mores = [li.get_text(strip=True) for li in card.select(".app-card__more")]
    assert mores == ["and 2 more in my full plan", "and 2 more people in my full plan"]
    few = clinician_client.get_page(f"/people/{person.id}/plan/card?lang=cy")
    assert len(few.select(".app-card__more")) == 2  # in Welsh too


def test_a_plan_offered_and_declined_is_recorded(clinician_client, person):
    url = f"/people/{person.id}/plan/declined"
    clinician_client.post_form(
        url,
        {
            "note": "Not today",
            "next_review_on[day]": str(NEXT.day),
            "next_review_on[month]": str(NEXT.month),
            "next_review_on[year]": str(NEXT.year),
        },
        status=302,
    )
    page = clinician_client.get_page(f"/people/{person.id}/plan")
    assert "The last offer of a plan was declined." in text_of(page, ".app-plan-meta")
    assert "offered and declined" in text_of(clinician_client.get_page(f"/people/{person.id}/plan/history"), "tbody")


def test_script_typed_anywhere_is_shown_as_text_in_every_view(app, clinician_client, person):
    fields = dict.fromkeys(
        (
            "reasons",
            "warning_signs",
            "on_my_own",
            "distraction",
            "safer_surroundings",
            "how_others_help",
            "how_others_help_not",
            "carers_will_do",
        ),
        XSS,
    )
    data = editor_data(
        clinician_client,
        person.id,
        **fields,
        person_agrees="no",
        disagreement=XSS,
        carer_took_part="y",
        carer_names=XSS,
        **{"people_to_ask-0-name": XSS, "people_to_ask-0-relationship": XSS, "services-0-name": XSS},
    )
    clinician_client.post_form(f"/people/{person.id}/plan/edit", data, status=302)
    clinician_client.post_form(
        f"/people/{person.id}/plan/edit", editor_data(clinician_client, person.id, reasons=XSS + " changed"), status=302
    )
    for url in ("plan", "plan/print", "plan/card", "plan/history", "plan/revisions/1", "plan/compare?from=1&to=2"):
        body = clinician_client.get(f"/people/{person.id}/{url}").get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;" in body or url == "plan/history", url


def test_the_reviews_page_lists_overdue_first(app, clinician_client, team):
    with app.app_context():
        later = create_person(team, name="Later Person")
        sooner = create_person(team, name="Sooner Person")
        write_plan(later, clinician_client.account, next_review_on=date.today() + timedelta(days=40))
        write_plan(sooner, clinician_client.account, next_review_on=date.today() + timedelta(days=2))
    page = clinician_client.get_page("/reviews")
    assert [a.get_text() for a in page.select("tbody a")] == ["Sooner Person", "Later Person"]


def test_the_editor_lists_its_parts_and_the_conversation_at_the_top(clinician_client, person):
    page = clinician_client.get_page(f"/people/{person.id}/plan/edit")
    contents = page.select_one("nav.app-editor-contents")
    form = page.select_one("form.app-plan-editor")
    assert contents is not None and contents.sourceline < form.sourceline
    targets = [link["href"].lstrip("#") for link in contents.select("a")]
    assert targets[-1] == "conversation"
    for target in targets:
        assert page.find(id=target) is not None, target
    assert "who took part" in contents.get_text() and "next review date" in contents.get_text()


def test_the_editor_suggests_a_review_date_the_clinician_can_change(app, clinician_client, person):
    from safetyplan.plans import reviews

    page = clinician_client.get_page(f"/people/{person.id}/plan/edit")
    suggested = reviews.suggested_review_date(None, today=date.today()).on
    typed = [page.select_one(f"#next_review_on-{part}")["value"] for part in ("day", "month", "year")]
    assert typed == [str(suggested.day), str(suggested.month), str(suggested.year)]
    assert "3 months from today" in text_of(page, "#next_review_on-hint")
    agreed = date.today() + timedelta(weeks=4)
    with app.app_context():
        write_plan(person, clinician_client.account, next_review_on=agreed)
    again = clinician_client.get_page(f"/people/{person.id}/plan/edit")
    assert "the date agreed last time" in text_of(again, "#next_review_on-hint")  # a small change keeps it
    assert again.select_one("#next_review_on-day")["value"] == str(agreed.day)
    changed = editor_data(
        clinician_client,
        person.id,
        **{
            "next_review_on[day]": str(NEXT.day),
            "next_review_on[month]": str(NEXT.month),
            "next_review_on[year]": str(NEXT.year),
        },
    )
    clinician_client.post_form(f"/people/{person.id}/plan/edit", changed, status=302)
    assert NEXT.strftime("%-d %B %Y") in text_of(
        clinician_client.get_page(f"/people/{person.id}/plan"), ".app-plan-meta"
    )
