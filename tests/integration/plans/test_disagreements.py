"""The person says, in their own account and words, that they disagree with their plan or a part of it: their
clinician sees it, the history keeps it, "My plan" shows it, and the person can take it back. No one else can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from safetyplan.audit.models import AuditEvent
from safetyplan.db import session
from safetyplan.people.models import Person
from safetyplan.plans.models import PlanDisagreement
from tests.factories import create_account, link_carer, write_plan
from tests.pages import PageClient, check_page, text_of

WORDS = "Calling my mum does not help: we argue. Please take it out."


@pytest.fixture
def plan_of(app, person_client, team):
    """The signed-in person's plan, written with a clinician of their team (returned signed in too)."""
    with app.app_context():
        person = session.get(Person, person_client.person_id)
        clinician = create_account("clinician", team=team)
        write_plan(person, clinician)
    clinician_client = PageClient(app.test_client())
    clinician_client.sign_in(clinician)
    return {"person": person, "clinician": clinician_client, "clinician_account": clinician}


def disagree(person_client, part="people_to_ask", words=WORDS):
    return person_client.post_form("/my-plan/disagree", {"part": part, "words": words}, status=302)


def test_the_person_records_a_disagreement_and_their_clinician_sees_it_in_their_words(app, person_client, plan_of):
    assert disagree(person_client).headers["Location"] == "/my-plan"
    mine = person_client.get_page("/my-plan")
    card = mine.select_one(".app-disagreement")
    assert WORDS in card.get_text() and "People I can ask for help" in card.get_text()
    assert "Your care team can see it" in card.get_text()
    person_id = plan_of["person"].id
    clinician_page = plan_of["clinician"].get_page(f"/people/{person_id}/plan")
    assert WORDS in text_of(clinician_page, "#disagreements")
    assert "In their own words" in text_of(clinician_page, "#disagreements")
    with app.app_context():
        stored = session.scalars(select(PlanDisagreement)).one()
        assert WORDS.encode() not in stored.words_sealed  # sealed with the person's key
        assert (
            session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.disagreement_recorded")).one().section
            == "people_to_ask"
        )


def test_the_whole_plan_can_be_disagreed_with(person_client, plan_of):
    disagree(person_client, part="whole_plan", words="None of this is what we talked about.")
    assert "The whole plan" in text_of(person_client.get_page("/my-plan"), ".app-disagreement")


def test_taking_it_back_keeps_it_in_the_history(app, person_client, plan_of):
    disagree(person_client)
    page = person_client.get_page("/my-plan")
    withdraw = page.select_one(".app-disagreement form")["action"]
    person_client.post_form(withdraw, {}, from_url="/my-plan", status=302)
    again = person_client.get_page("/my-plan")
    assert "took it back on" in text_of(again, ".app-disagreement")
    assert again.select_one(".app-disagreement form") is None
    person_id = plan_of["person"].id
    clinician_page = plan_of["clinician"].get_page(f"/people/{person_id}/plan")
    assert clinician_page.select_one("#disagreements") is None  # no longer standing
    history = plan_of["clinician"].get_page(f"/people/{person_id}/plan/history")
    row = text_of(history, "#disagreements + table tbody")
    assert WORDS in row and "Taken back on" in row
    assert person_client.post_form(withdraw, {}, from_url="/my-plan", status=302)  # twice: told, nothing changes
    with app.app_context():
        assert session.scalars(select(PlanDisagreement)).one().withdrawn_at is not None


def test_nothing_typed_is_explained_and_kept(person_client, plan_of):
    page = check_page(person_client.post_form("/my-plan/disagree", {"part": "reasons", "words": " "}).data)
    assert "Write what you disagree with, in your own words" in text_of(page, ".nhsuk-error-summary")
    page = check_page(person_client.post_form("/my-plan/disagree", {"words": WORDS}).data)
    assert "Select what you disagree with" in text_of(page, ".nhsuk-error-summary")
    assert page.select_one("#words").get_text().strip() == WORDS


def test_no_one_else_can_record_or_take_back_a_persons_disagreement(app, person_client, plan_of, team):
    disagree(person_client)
    with app.app_context():
        said = session.scalars(select(PlanDisagreement)).one()
        stranger = create_account("person", person=None)
        carer = create_account("carer")
        link_carer(plan_of["person"], carer, sections={"people_to_ask"}, by=plan_of["clinician_account"])
    url = f"/my-plan/disagreements/{said.id}/withdraw"
    for account in (stranger, carer):
        client = PageClient(app.test_client())
        client.sign_in(account)
        token = client.csrf_token("/account/password")
        assert client.client.post(url, data={"csrf_token": token}).status_code in (403, 404)
        assert client.client.post(
            "/my-plan/disagree", data={"csrf_token": token, "part": "reasons", "words": "x"}
        ).status_code in (403, 404)
    clinician = plan_of["clinician"]
    token = clinician.csrf_token(f"/people/{plan_of['person'].id}/plan/edit")
    assert clinician.client.post(url, data={"csrf_token": token}).status_code == 403
    carer_client = PageClient(app.test_client())
    carer_client.sign_in(carer)
    assert WORDS.encode() not in carer_client.get(f"/shared/{plan_of['person'].id}").data  # carers never see it
    with app.app_context():
        assert session.get(PlanDisagreement, said.id).withdrawn_at is None


def test_the_part_disagreed_with_is_marked_in_the_plan_and_shown_in_the_editor(person_client, plan_of):
    disagree(person_client)
    person_id = plan_of["person"].id
    plan_page = plan_of["clinician"].get_page(f"/people/{person_id}/plan")
    marked = [
        section["id"] for section in plan_page.select(".app-plan-section") if section.select_one(".app-disagreed")
    ]
    assert marked == ["section-people_to_ask"]
    editor = plan_of["clinician"].get_page(f"/people/{person_id}/plan/edit")
    assert WORDS in text_of(editor, ".app-editor-disagreements")
    mine = person_client.get_page("/my-plan")
    assert "You have said you disagree with this part" in text_of(mine, "#section-people_to_ask")


def test_what_still_stands_comes_first_and_what_was_taken_back_is_marked(person_client, plan_of):
    disagree(person_client, words="First, then taken back")
    first = person_client.get_page("/my-plan").select_one(".app-disagreement form")["action"]
    person_client.post_form(first, {}, from_url="/my-plan", status=302)
    disagree(person_client, part="reasons", words="Second, still stands")
    cards = person_client.get_page("/my-plan").select(".app-disagreement")
    assert "Second, still stands" in cards[0].get_text() and "Taken back" not in cards[0].get_text()
    assert "First, then taken back" in cards[1].get_text() and "Taken back" in cards[1].get_text()
