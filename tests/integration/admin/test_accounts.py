"""Making an account from the admin pages: found, made and sent in one call, or refused with its field and nothing
made or sent."""

import pytest
from sqlalchemy import func, select

from safetyplan.accounts.errors import AccountError
from safetyplan.accounts.models import User
from safetyplan.accounts.teams import team_ids_of
from safetyplan.admin.accounts import NewAccount, add_account
from safetyplan.db import session, transaction
from safetyplan.people.services import PersonError
from tests.factories import create_account, create_person, create_team, get_user

BASE_URL = "https://safetyplan.example"


@pytest.fixture
def admin(app):
    with app.app_context():
        return create_account("admin")


def add(admin, **details):
    with transaction():
        return add_account(by=get_user(admin), account=NewAccount(**details), base_url=BASE_URL)


def accounts():
    with transaction():
        return session.scalar(select(func.count()).select_from(User))


def test_a_clinician_joins_their_team_and_gets_a_link_in_their_language(app, admin, outbox):
    with app.app_context():
        team = create_team("Welsh Team")
        user = add(
            admin, email="nyrs@example.com", display_name="Nyrs", role="clinician", language="cy", team_id=team.id
        )
        with transaction():
            assert team_ids_of(session.get(User, user.id)) == [team.id]
    (message,) = outbox.sent
    assert message.to == "nyrs@example.com"
    assert message.subject == "Gosodwch eich cyfrinair Cynllun Diogelwch"
    assert f"{BASE_URL}/set-password#" in message.body


def test_a_persons_account_opens_the_record_with_their_nhs_number(app, admin, outbox):
    with app.app_context():
        person = create_person(create_team("Team"), nhs_number="9990000115")
        user = add(admin, email="p@example.com", display_name="P", role="person", person_nhs_number="999 000 0115")
        assert user.person_id == person.id
    assert len(outbox.sent) == 1


def test_no_record_with_that_nhs_number_is_refused_on_its_field(app, admin, outbox):
    with app.app_context():
        before = accounts()
        with pytest.raises(PersonError) as refused:
            add(admin, email="p@example.com", display_name="P", role="person", person_nhs_number="9990000115")
        assert refused.value.field == "person_nhs_number"
        assert accounts() == before
    assert outbox.sent == []


def test_a_second_account_for_one_person_is_refused_on_the_nhs_number_field(app, admin, outbox):
    with app.app_context():
        create_person(create_team("Team"), nhs_number="9990000115")
        add(admin, email="p@example.com", display_name="P", role="person", person_nhs_number="9990000115")
        outbox.sent.clear()
        with pytest.raises(AccountError) as refused:
            add(admin, email="q@example.com", display_name="Q", role="person", person_nhs_number="9990000115")
        assert (refused.value.code, refused.value.field) == ("person_has_account", "person_nhs_number")
    assert outbox.sent == []


def test_a_taken_email_address_is_refused_on_its_field(app, admin, outbox):
    with app.app_context():
        add(admin, email="same@example.com", display_name="One", role="auditor")
        outbox.sent.clear()
        with pytest.raises(AccountError) as refused:
            add(admin, email="Same@Example.com", display_name="Two", role="auditor")
        assert refused.value.field == "email"
    assert outbox.sent == []
