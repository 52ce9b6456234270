"""One check reaches a person for a purpose: the grounds when allowed, an audited refusal and NotFound when not."""

import uuid

import pytest
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.people.access import PLAN_ROLES, grounds_for, reach
from safetyplan.roles import Role
from tests.factories import create_account, create_person, create_team


@pytest.fixture
def setting(app):
    with app.app_context():
        team, other_team = create_team("Access Team"), create_team("Access Other Team")
        person = create_person(team, name="Reached Person")
        stranger = create_person(other_team, name="Unreached Person")
        accounts = {
            "clinician": create_account("clinician", team=team),
            "person": create_account("person", person=person),
            "admin": create_account("admin"),
            "auditor": create_account("auditor"),
        }
    return team, person, stranger, accounts


def denials(person_id):
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.person_id == person_id, AuditEvent.outcome == "denied"))
    )


def test_each_role_reaches_a_person_on_its_own_grounds(app, setting):
    team, person, _stranger, accounts = setting
    with app.app_context(), transaction():
        seen = {role: grounds_for(session.get(User, account.id), person.id) for role, account in accounts.items()}
    assert seen == {
        "clinician": Grounds.team(team.id),
        "person": Grounds.SELF,
        "admin": Grounds.role(Role.ADMIN),
        "auditor": None,
    }


def test_reach_gives_the_person_and_the_grounds_and_audits_nothing_itself(app, setting):
    team, person, _stranger, accounts = setting
    with app.app_context():
        with transaction():
            grounds, found = reach(
                session.get(User, accounts["clinician"].id), person.id, action="plan.viewed", roles=PLAN_ROLES
            )
        assert (grounds, found.id) == (Grounds.team(team.id), person.id)
        with transaction():
            assert denials(person.id) == []


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_a_role_outside_the_purpose_is_refused_audited_and_told_not_found(app, setting, role):
    _team, person, _stranger, accounts = setting
    with app.app_context():
        with transaction(), pytest.raises(NotFound):
            reach(session.get(User, accounts[role].id), person.id, action="plan.viewed", roles=PLAN_ROLES)
        with transaction():
            (event,) = denials(person.id)
            assert (event.action, event.grounds, event.actor_role) == ("plan.viewed", "none", role)


def test_a_person_on_another_team_looks_exactly_like_no_one(app, setting):
    _team, _person, stranger, accounts = setting
    with app.app_context():
        with transaction(), pytest.raises(NotFound):
            reach(session.get(User, accounts["clinician"].id), stranger.id, action="plan.viewed", roles=PLAN_ROLES)
        with transaction(), pytest.raises(NotFound):
            reach(session.get(User, accounts["clinician"].id), uuid.UUID(int=0), action="plan.viewed", roles=PLAN_ROLES)
