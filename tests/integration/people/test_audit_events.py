"""Every service that reads or changes a person writes exactly one audit event, with its grounds; never content."""

import pytest
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.people import services
from tests.factories import create_account, create_person, create_team


def events_after(seq):
    with transaction():
        return list(session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))


def last_seq():
    with transaction():
        return session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0


@pytest.fixture
def setting(app):
    with app.app_context():
        team, other_team = create_team("Audit Team"), create_team("Audit Other Team")
        person = create_person(team, name="Audited Person")
        stranger = create_person(other_team, name="Stranger Person")
        clinician = create_account("clinician", team=team)
    return team, person, stranger, clinician


def as_user(account):
    return session.get(User, account.id)


def test_reading_a_person_writes_one_event_with_the_team_as_grounds(app, setting):
    team, person, _stranger, clinician = setting
    with app.app_context():
        before = last_seq()
        with transaction():
            services.get_person(by=as_user(clinician), person_id=person.id)
        (event,) = events_after(before)
        assert (event.action, event.outcome, event.grounds) == ("person.viewed", "allowed", f"team:{team.id}")
        assert (event.person_id, event.actor_id, event.actor_role) == (person.id, clinician.id, "clinician")


def test_a_refused_read_writes_one_denied_event(app, setting):
    _team, _person, stranger, clinician = setting
    with app.app_context():
        before = last_seq()
        with transaction(), pytest.raises(NotFound):
            services.get_person(by=as_user(clinician), person_id=stranger.id)
        (event,) = events_after(before)
        assert (event.action, event.outcome, event.grounds, event.person_id) == (
            "person.viewed",
            "denied",
            "none",
            stranger.id,
        )


def test_a_refused_read_through_the_web_is_audited(app, setting, client):
    _team, _person, stranger, clinician = setting
    client.sign_in(clinician)
    with app.app_context():
        before = last_seq()
    assert client.get(f"/people/{stranger.id}").status_code == 404
    with app.app_context():
        (event,) = events_after(before)
    assert (event.action, event.outcome, event.person_id) == ("person.viewed", "denied", stranger.id)


def test_adding_a_person_writes_one_event(app, setting):
    team, _person, _stranger, clinician = setting
    from datetime import date

    with app.app_context():
        before = last_seq()
        with transaction():
            added = services.create_person(
                by=as_user(clinician),
                team_id=team.id,
                details=services.PersonDetails(name="New One", date_of_birth=date(1990, 1, 1)),
            )
        (event,) = events_after(before)
        assert (event.action, event.person_id, event.team_id) == ("person.created", added.id, team.id)


def test_events_hold_no_content(app, setting):
    _team, person, _stranger, clinician = setting
    with app.app_context():
        with transaction():
            services.get_person(by=as_user(clinician), person_id=person.id)
        columns = {column.name for column in AuditEvent.__table__.columns}
        assert columns == {
            "seq",
            "occurred_at",
            "actor_id",
            "actor_role",
            "grounds",
            "action",
            "outcome",
            "person_id",
            "plan_id",
            "revision_id",
            "section",
            "team_id",
            "subject_user_id",
            "request_id",
            "prev_hash",
            "hash",
        }
