"""Adding people to a caseload, the caseload page and its search, and a person's record."""

import pytest

from safetyplan.people.models import Person
from tests.factories import create_person, create_team
from tests.pages import check_page, text_of

GOOD = {
    "name": "Morgan Testcase",
    "preferred_name": "Mo",
    "pronouns": "they/them",
    "date_of_birth[day]": "7",
    "date_of_birth[month]": "4",
    "date_of_birth[year]": "1991",
    "nhs_number": "943 476 5919",
    "phone": "07700 900 982",
    "address": "1 Test Road\nTesttown",
}


def team_id_of(client):
    return client.get_page("/people/new").select_one("#team option[selected], #team option")["value"]


def test_a_clinician_adds_a_person_and_sees_their_record(clinician_client):
    response = clinician_client.post_form("/people/new", {**GOOD, "team": team_id_of(clinician_client)}, status=302)
    page = clinician_client.get_page(response.headers["Location"])
    assert text_of(page, "h1") == "Morgan Testcase"
    summary = text_of(page, ".nhsuk-summary-list")
    assert "943 476 5919" in summary and "7 April 1991" in summary and "Riverside Test Team" in summary
    assert page.select_one('a[href="tel:07700900982"]').get_text() == "07700 900 982"
    assert "1 Test Road" in str(page.select_one(".nhsuk-summary-list")) and "<br/>" in str(
        page.select_one(".nhsuk-summary-list")
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter the person's full name"),
        (
            {"date_of_birth[day]": "", "date_of_birth[month]": "", "date_of_birth[year]": ""},
            "Enter the person's date of birth",
        ),
        (
            {"date_of_birth[day]": "31", "date_of_birth[month]": "2"},
            "Date of birth must be a real date, like 27 3 1990",
        ),
        ({"date_of_birth[year]": "2999"}, "Enter a date of birth in the past"),
        ({"nhs_number": "943 476 5918"}, "Enter a valid 10-digit NHS number"),
        ({"phone": "call my mum"}, "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"),
        ({"name": "x" * 121}, "Must be 120 characters or fewer"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_typed_is_lost(clinician_client, change, message):
    data = {**GOOD, "team": team_id_of(clinician_client), **change}
    page = check_page(clinician_client.post_form("/people/new", data).data)
    assert message in text_of(page, ".nhsuk-error-summary")
    assert message in text_of(page, ".nhsuk-error-message")
    assert page.select_one("#preferred_name")["value"] == "Mo"
    assert page.select_one("#date_of_birth-day")["value"] == data["date_of_birth[day]"]
    assert "1 Test Road" in page.select_one("#address").get_text()


def test_an_nhs_number_is_recorded_once(clinician_client):
    data = {**GOOD, "team": team_id_of(clinician_client)}
    clinician_client.post_form("/people/new", data, status=302)
    page = check_page(clinician_client.post_form("/people/new", {**data, "nhs_number": "9434765919"}).data)
    assert "A person with this NHS number is already recorded" in text_of(page, ".nhsuk-error-summary")


def test_the_caseload_lists_the_teams_people_by_name_only(app, clinician_client, team):
    with app.app_context():
        create_person(team, name="Zara Last", nhs_number="9990000107")
        create_person(team, name="adam first")
        create_person(create_team("Another Team"), name="Not Mine")
    page = clinician_client.get_page("/caseload")
    names = [a.get_text() for a in page.select("table a")]
    assert names == ["adam first", "Zara Last"]
    assert "Not Mine" not in str(page)


def test_the_caseload_is_searched_by_name_or_nhs_number(app, clinician_client, team):
    with app.app_context():
        create_person(team, name="Zara Last", nhs_number="9990000107")
        create_person(team, name="Adam First", nhs_number="9990000115")
        create_person(create_team("Another Team"), name="Zed Elsewhere", nhs_number="9990000093")
    by_name = clinician_client.post_page("/caseload", {"q": "zar"})
    assert [a.get_text() for a in by_name.select("table a")] == ["Zara Last"]
    by_number = clinician_client.post_page("/caseload", {"q": "999 000 0115"})
    assert [a.get_text() for a in by_number.select("table a")] == ["Adam First"]
    elsewhere = clinician_client.post_page("/caseload", {"q": "9990000093"})
    assert elsewhere.select("table") == [] and "0 people match" in text_of(elsewhere, "main")


def test_a_search_in_the_address_is_ignored_and_the_order_keeps_the_search_out_of_it(app, clinician_client, team):
    with app.app_context():
        create_person(team, name="Zara Last", nhs_number="9990000107")
        create_person(team, name="Adam First", nhs_number="9990000115")
    assert len(clinician_client.get_page("/caseload?q=zar").select("tbody tr")) == 2  # not searched
    searched = clinician_client.post_page("/caseload", {"q": "a"})
    order = searched.select_one(".app-sort form")
    assert order["method"] == "post" and order.select_one("input[name=q]")["value"] == "a"
    assert all("zar" not in link["href"] and "q=" not in link["href"] for link in searched.select("a[href]"))
    by_review = clinician_client.post_page("/caseload", {"q": "a", "sort": "review"})
    assert "by next review date" in text_of(by_review, "caption")


def test_another_teams_person_is_not_found(app, clinician_client):
    with app.app_context():
        other = create_person(create_team("Another Team"), name="Hidden Person")
    response = clinician_client.get(f"/people/{other.id}")
    assert response.status_code == 404
    assert b"Hidden Person" not in response.data


def test_identifiers_are_sealed_and_the_nhs_number_is_found_by_its_index(app, clinician_client):
    clinician_client.post_form("/people/new", {**GOOD, "team": team_id_of(clinician_client)}, status=302)
    from sqlalchemy import text

    from safetyplan.db import session, transaction

    with app.app_context(), transaction():
        row = session.execute(text("SELECT name, nhs_number, phone, address FROM people")).one()
        for value in row:
            assert b"Morgan" not in bytes(value) and b"9434765919" not in bytes(value)
        from safetyplan.people.services import find_person_by_nhs_number

        found = find_person_by_nhs_number(by=None, nhs_number="943-476-5919")
        assert isinstance(found, Person) and found.name == "Morgan Testcase"


def test_the_caseload_can_be_ordered_by_next_review_date_and_nothing_else(app, clinician_client, team):
    from datetime import date, timedelta

    from tests.factories import write_plan

    with app.app_context():
        create_person(team, name="Aaron No-Plan")
        later = create_person(team, name="Bea Later")
        sooner = create_person(team, name="Cal Sooner")
        write_plan(later, clinician_client.account, next_review_on=date.today() + timedelta(days=60))
        write_plan(sooner, clinician_client.account, next_review_on=date.today() + timedelta(days=6))
    by_review = clinician_client.get_page("/caseload?sort=review")
    assert [a.get_text() for a in by_review.select("table a")] == ["Cal Sooner", "Bea Later", "Aaron No-Plan"]
    by_name = clinician_client.get_page("/caseload?sort=risk")  # anything else is ignored: name order
    assert [a.get_text() for a in by_name.select("table a")] == ["Aaron No-Plan", "Bea Later", "Cal Sooner"]


def test_names_typed_with_markup_are_shown_as_text_in_the_caseload(app, clinician_client, team):
    with app.app_context():
        create_person(team, name="<script>alert(1)</script>", preferred_name='"><img src=x onerror=alert(1)>')
    body = clinician_client.get("/caseload").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
