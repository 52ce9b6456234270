"""Every date on every form: a number too large, or not a number, gets a message next to the field, never a 500,
and nothing else typed on the page is lost."""

from datetime import date

import pytest

from tests.factories import create_account, create_person, link_carer, write_plan
from tests.integration.plans.test_pages import editor_data
from tests.pages import check_page, text_of

HUGE = "99999999999999999999"


@pytest.fixture
def forms(app, team, clinician_client):
    """Each date form: (url, the date field's name, the fields of a good submission, a typed text and its box)."""
    with app.app_context():
        person = create_person(team, name="Dana Date-Test")
        write_plan(person, clinician_client.account)
        carer = create_account("carer")
        involved = link_carer(person, carer, by=clinician_client.account)
    plan = editor_data(clinician_client, person.id, on_my_own="Sit with the cat for ten minutes")
    return {
        "plan editor": (f"/people/{person.id}/plan/edit", "next_review_on", plan, "#on_my_own"),
        "declined plan": (
            f"/people/{person.id}/plan/declined",
            "next_review_on",
            {"base_number": "1", "note": "Sit with the cat for ten minutes"},
            "#note",
        ),
        "a person's details": (
            "/people/new",
            "date_of_birth",
            {"name": "Sit with the cat for ten minutes", "team": str(team.id)},
            "#name",
        ),
        "sections a carer sees": (
            f"/people/{person.id}/involved/{involved}/sections",
            "decided_on",
            {"sections": ["reasons"]},
            None,
        ),
        "involvement conversation": (
            f"/people/{person.id}/involvement-conversations/new",
            "held_on",
            {"agreed": "Sit with the cat for ten minutes"},
            "#agreed",
        ),
    }


@pytest.mark.parametrize(
    "form_name",
    ["plan editor", "declined plan", "a person's details", "sections a carer sees", "involvement conversation"],
)
def test_a_date_part_that_is_not_a_real_number_is_explained_next_to_the_field(clinician_client, forms, form_name):
    url, field, data, kept_box = forms[form_name]
    today = date.today()
    year = today.year + 1 if field == "next_review_on" else today.year - 1
    for part in ("day", "month", "year"):
        for value in (HUGE, "-1", "\u0661"):
            typed_date = {"day": str(today.day), "month": str(today.month), "year": str(year), part: value}
            submitted = {**data, **{f"{field}[{name}]": typed for name, typed in typed_date.items()}}
            page = check_page(clinician_client.post_form(url, submitted).data)  # 200, never a 500
            assert "must be a real date" in text_of(page, f"#{field}-error"), (part, value)
            assert page.select_one(f"#{field}-{part}")["value"] == value  # kept exactly as typed
            if kept_box:
                box = page.select_one(kept_box)
                kept = box.get_text().strip() if box.name == "textarea" else box["value"]
                assert kept == "Sit with the cat for ten minutes"
