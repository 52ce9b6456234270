"""Admins change the crisis contacts every plan lists, in English and Welsh."""

import uuid

import pytest

from tests.factories import create_person, write_plan
from tests.pages import check_page, text_of

SAMARITANS = uuid.UUID(int=1)


@pytest.fixture(autouse=True)
def restore_contacts(app):
    """The contacts are reference data that other tests rely on: put them back as they were."""
    from sqlalchemy import select

    from safetyplan.db import session, transaction
    from safetyplan.plans.models import CrisisContact

    columns = ("name_en", "name_cy", "number", "channel", "detail_en", "detail_cy")
    with app.app_context(), transaction():
        saved = {c.id: {name: getattr(c, name) for name in columns} for c in session.scalars(select(CrisisContact))}
    yield
    with app.app_context(), transaction():
        for contact in session.scalars(select(CrisisContact)):
            for name, value in saved[contact.id].items():
                setattr(contact, name, value)


def test_the_defaults_are_the_national_services(admin_client):
    page = admin_client.get_page("/admin/crisis-contacts")
    text = text_of(page, "table")
    for expected in ("Samaritans", "116 123", "NHS 111", "choose option 2 for mental health", "Shout", "85258", "999"):
        assert expected in text


def test_an_admin_changes_a_contact_and_every_plan_shows_it(app, admin_client, clinician_client, team):
    url = f"/admin/crisis-contacts/{SAMARITANS}"
    data = {
        "name_en": "Samaritans Cymru",
        "name_cy": "Samariaid Cymru",
        "number": "116 123",
        "channel": "call",
        "detail_en": "free",
        "detail_cy": "am ddim",
    }
    admin_client.post_form(url, data, status=302)
    with app.app_context():
        person = create_person(team, name="Contact Person")
        write_plan(person, clinician_client.account)
    plan = clinician_client.get_page(f"/people/{person.id}/plan")
    assert "Samaritans Cymru" in text_of(plan, "#section-services")
    welsh = clinician_client.get_page(f"/people/{person.id}/plan?lang=cy")
    assert "Samariaid Cymru" in text_of(welsh, "#section-services")


def test_a_contact_needs_names_in_both_languages_and_a_real_number(admin_client):
    url = f"/admin/crisis-contacts/{SAMARITANS}"
    page = check_page(
        admin_client.post_form(url, {"name_en": "", "name_cy": "", "number": "call us", "channel": "call"}).data
    )
    assert [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary a")] == [
        "Enter the name in English",
        "Enter the name in Welsh",
        "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
    ]


def test_only_admins_change_contacts(app, clinician_client):
    assert clinician_client.get(f"/admin/crisis-contacts/{SAMARITANS}").status_code == 403
