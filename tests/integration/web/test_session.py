"""A form sent after its session ended: our own page in the user's language, the words shown back, and the plan
editor's words kept as the clinician's draft, offered back once the same account signs in again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from safetyplan.accounts.models import UserSession
from safetyplan.db import session, transaction, utcnow
from safetyplan.people.models import Person
from safetyplan.plans.models import PlanDraft
from safetyplan.web.session import LAST_SEEN
from tests.factories import create_account, create_person, write_plan
from tests.integration.plans.test_pages import editor_data
from tests.pages import PageClient, check_page, text_of

TYPED = "Ring Sam before it gets dark"


@pytest.fixture
def person(app, team, clinician_client):
    with app.app_context():
        person = create_person(team, name="Kit Lapsed-Session")
        write_plan(person, clinician_client.account)
    return person


def lapse_at_12_hours(app) -> None:
    with app.app_context(), transaction() as db:
        db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))


def lapse_when_idle(client: PageClient) -> None:
    with client.client.session_transaction() as cookie:
        cookie[LAST_SEEN] = int(time.time()) - 16 * 60


def drafts(app) -> list[dict[str, str]]:
    """The fields of every draft kept."""
    with app.app_context():
        return [dict(draft.fields or {}) for draft in session.scalars(select(PlanDraft))]


def kept_words(page) -> list[str]:
    return [p.get_text() for p in page.select(".app-kept-text")]


@pytest.mark.parametrize("lapse", ["at 12 hours", "when idle"])
def test_a_plan_saved_after_the_session_lapsed_is_kept_and_offered_back_after_signing_in(
    app, clinician_client, person, lapse
):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, on_my_own=TYPED)
    token = clinician_client.csrf_token(url)
    lapse_at_12_hours(app) if lapse == "at 12 hours" else lapse_when_idle(clinician_client)

    response = clinician_client.client.post(
        url, data={"csrf_token": token, **data}
    )  # typed a second before: no autosave
    assert response.status_code == 401
    page = check_page(response.data)
    assert text_of(page, "h1") == "You have been signed out"
    assert "What you typed has been kept, but not saved yet" in text_of(page, "main")
    assert TYPED in kept_words(page)
    sign_in = page.select_one("main a.nhsuk-button")["href"]
    assert sign_in == f"/sign-in?timed_out=1&next=/people/{person.id}/plan/edit"
    assert len(drafts(app)) == 1

    clinician_client.sign_in(clinician_client.account)
    editor = clinician_client.get_page(url)
    assert "We kept what you typed" in text_of(editor, "main")
    assert editor.select_one("#on_my_own").get_text().strip() == TYPED
    history = clinician_client.get_page(f"/people/{person.id}/plan/history")
    assert len(history.select("tbody tr")) == 1  # kept as a draft, never saved as a revision on its own


def test_an_autosave_after_the_session_lapsed_is_kept_too(app, clinician_client, person):
    token = clinician_client.csrf_token(f"/people/{person.id}/plan/edit")
    lapse_at_12_hours(app)
    response = clinician_client.client.post(
        f"/people/{person.id}/plan/draft",
        data={"csrf_token": token, "base_number": "1", "on_my_own": TYPED},
        headers={"Sec-Fetch-Mode": "cors"},
    )
    assert response.status_code == 401  # the script sees it was signed out, and says so on the page
    assert [fields["on_my_own"] for fields in drafts(app)] == [TYPED]


def test_nothing_is_kept_for_a_session_that_was_ended_on_purpose(app, clinician_client, person):
    """A copy of the cookie of a session that was signed out must not be able to put words in the editor."""
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, on_my_own=TYPED)
    token = clinician_client.csrf_token(url)
    copy = PageClient(app.test_client())
    copy.client.set_cookie("safetyplan_session", clinician_client.client.get_cookie("safetyplan_session").value)
    clinician_client.post_form("/sign-out", {}, from_url="/account", status=302)

    response = copy.client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 401
    page = check_page(response.data)
    assert TYPED in kept_words(page)  # shown back to whoever typed it
    assert "has been kept" not in text_of(page, "main")
    assert drafts(app) == []


def test_nothing_is_kept_for_a_session_that_lapsed_long_ago(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, on_my_own=TYPED)
    token = clinician_client.csrf_token(url)
    with app.app_context(), transaction() as db:
        db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(hours=13)))
    assert clinician_client.client.post(url, data={"csrf_token": token, **data}).status_code == 401
    assert drafts(app) == []


def test_nothing_is_kept_when_the_forms_token_was_refused(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, on_my_own=TYPED)
    lapse_at_12_hours(app)
    response = clinician_client.client.post(url, data={"csrf_token": "forged", **data})
    assert response.status_code == 401
    assert TYPED in kept_words(check_page(response.data))
    assert drafts(app) == []


def test_a_suggestion_sent_after_the_session_lapsed_is_shown_back_in_welsh(app, person_client, team):
    with app.app_context():
        write_plan(session.get(Person, person_client.person_id), create_account("clinician", team=team))
    token = person_client.csrf_token("/my-plan/suggest")
    person_client.get("/my-plan?lang=cy")
    lapse_at_12_hours(app)
    response = person_client.client.post(
        "/my-plan/suggest", data={"csrf_token": token, "section": "reasons", "text": "Fy nghi, Mot"}
    )
    assert response.status_code == 401
    page = check_page(response.data)
    assert page.html["lang"] == "cy"
    assert text_of(page, "h1") == "Rydych wedi cael eich allgofnodi"
    assert kept_words(page) == ["Fy nghi, Mot"]
    assert page.select_one(".app-language-switch") is None  # following a language link would lose the words
    assert page.select_one("main a.nhsuk-button")["href"] == "/sign-in?timed_out=1&next=/my-plan/suggest"


def test_a_page_opened_after_the_session_lapsed_still_goes_to_sign_in_and_back(app, clinician_client, person):
    lapse_at_12_hours(app)
    response = clinician_client.get(f"/people/{person.id}/plan")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next=/people/{person.id}/plan"
