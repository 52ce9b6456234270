"""Fixtures of the plan tests."""

import pytest

from tests.factories import create_account, create_person, create_team


@pytest.fixture
def setting(app):
    with app.app_context():
        team = create_team("Plan Team")
        person = create_person(team, name="Plan Person")
        clinician = create_account("clinician", team=team)
        person_account = create_account("person", person=person)
    return person, clinician, person_account
