"""Revisions: append-only, agreement recorded, never a silent overwrite, restore, attribution, reach."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import select, text

from safetyplan.accounts.models import User
from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.plans import revisions, suggestions
from safetyplan.plans.errors import Conflict, PlanError
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.revisions import RevisionInput
from tests.factories import create_account, create_person, create_team, get_user
from tests.integration.plans.saving import SOON, revision_input, save


def test_every_save_adds_a_revision_and_never_changes_an_earlier_one(app, setting):
    person, clinician, _ = setting
    with app.app_context():
        assert save(clinician, person, 0, "first words") == 1
        with transaction():
            sealed_before = session.execute(text("SELECT content FROM plan_revisions WHERE number = 1")).scalar_one()
        assert save(clinician, person, 1, "second words") == 2
        with transaction():
            sealed_after = session.execute(text("SELECT content FROM plan_revisions WHERE number = 1")).scalar_one()
            numbers = session.scalars(select(PlanRevision.number).order_by(PlanRevision.number)).all()
        assert bytes(sealed_before) == bytes(sealed_after)
        assert numbers == [1, 2]
        with transaction():
            _person, first = revisions.get_revision(by=get_user(clinician), person_id=person.id, number=1)
            assert first.content["reasons"]["items"] == ["first words"]


def test_agreement_participants_and_disagreement_are_recorded(app, setting):
    person, clinician, _ = setting
    with app.app_context():
        save(
            clinician,
            person,
            0,
            "words",
            carer_took_part=True,
            advocate_took_part=True,
            participants={"carers": "Jo (sister)", "advocate": "Sam"},
            person_agrees=False,
            disagreement="I don't want my mum told",
        )
        with transaction():
            view = revisions.view_plan(by=get_user(clinician), person_id=person.id)
            current = view.current
            assert (current.person_took_part, current.carer_took_part, current.advocate_took_part) == (True, True, True)
            assert current.person_agrees is False
            assert current.disagreement == "I don't want my mum told"
            assert current.participants == {"carers": "Jo (sister)", "advocate": "Sam"}
            assert view.plan.next_review_on == SOON
            raw = session.execute(text("SELECT disagreement, participants FROM plan_revisions")).one()
        assert b"mum" not in bytes(raw[0]) and b"Jo" not in bytes(raw[1])


def test_a_review_date_in_the_past_is_refused(app, setting):
    person, clinician, _ = setting
    with app.app_context(), pytest.raises(PlanError, match="review_date_past"):
        save(clinician, person, 0, "words", next_review_on=date.today())


def test_two_saves_from_the_same_revision_never_silently_overwrite(app, setting):
    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, "first")
        save(clinician, person, 1, "mine")
        with pytest.raises(Conflict) as conflict:
            save(clinician, person, 1, "theirs")
        assert conflict.value.current.number == 2
        with transaction():
            assert revisions.view_plan(by=get_user(clinician), person_id=person.id).current.content["reasons"][
                "items"
            ] == ["mine"]


@pytest.mark.parametrize("writers", [6])
def test_many_concurrent_saves_lose_no_update(app, setting, writers):
    """Each writer adds its own line, starting from what it read; on a conflict it reads again and retries."""
    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, [])
    start = threading.Barrier(writers)
    failures = []

    def writer(number):
        try:
            with app.app_context():
                start.wait()
                for _attempt in range(50):
                    with transaction():
                        user = session.get(User, clinician.id)
                        view = revisions.view_plan(by=user, person_id=person.id)
                        base, lines = view.number, list(view.current.content["reasons"]["items"])
                    try:
                        with transaction():
                            revisions.save_revision(
                                by=session.get(User, clinician.id),
                                person_id=person.id,
                                base_number=base,
                                revision=revision_input([*lines, f"writer {number}"]),
                            )
                        return
                    except Conflict:
                        continue
                failures.append(f"writer {number} never saved")
        except Exception as error:  # noqa: BLE001
            failures.append(repr(error))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context(), transaction():
        view = revisions.view_plan(by=session.get(User, clinician.id), person_id=person.id)
        assert sorted(view.current.content["reasons"]["items"]) == sorted(f"writer {n}" for n in range(writers))
        assert view.number == writers + 1


def test_restoring_makes_a_new_revision_from_an_old_one(app, setting):
    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, "original")
        save(clinician, person, 1, "changed")
        with transaction():
            restored = revisions.restore(by=get_user(clinician), person_id=person.id, number=1, base_number=2)
            assert (restored.number, restored.reason, restored.restored_from) == (3, "restored", 1)
            assert restored.content["reasons"]["items"] == ["original"]


def test_attribution_keeps_the_persons_words_when_a_clinician_changes_another_section(app, setting):
    person, clinician, person_account = setting
    with app.app_context():
        save(clinician, person, 0, "first")
        with transaction():
            suggestion = suggestions.suggest(by=get_user(person_account), section_key="on_my_own", text="Music")
        with transaction():
            accepted = suggestions.accept_suggestion(by=get_user(clinician), suggestion_id=suggestion.id)
            content = dict(accepted.content)
        content["reasons"] = {"items": ["first", "added by the clinician"]}
        with transaction():
            later = revisions.save_revision(
                by=get_user(clinician),
                person_id=person.id,
                base_number=accepted.number,
                revision=RevisionInput(
                    content=content, reason="scheduled_review", person_took_part=False, next_review_on=SOON
                ),
            )
            assert later.content["on_my_own"]["by"] == "person" and later.content["on_my_own"]["own_words"] is True
            assert later.content["reasons"]["by"] == "clinician" and later.content["reasons"]["own_words"] is False


def test_plans_are_out_of_reach_for_other_teams_admins_auditors_and_other_people(app, setting):
    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, "words")
        strangers = [
            create_account("clinician", team=create_team("Elsewhere")),
            create_account("admin"),
            create_account("auditor"),
            create_account("carer"),
            create_account("person", person=create_person(create_team("Other"), name="Someone Else")),
        ]
        for stranger in strangers:
            with transaction(), pytest.raises(NotFound):
                revisions.view_plan(by=get_user(stranger), person_id=person.id)
        # Each refusal is kept in the audit trail (the request edge commits a refused request's events).
        from safetyplan.audit.models import AuditEvent

        with transaction():
            refused = session.execute(
                select(AuditEvent.actor_id, AuditEvent.action, AuditEvent.grounds)
                .where(AuditEvent.person_id == person.id, AuditEvent.outcome == "denied")
                .order_by(AuditEvent.seq)
            ).all()
        assert refused == [(stranger.id, "plan.viewed", "none") for stranger in strangers]


def test_a_plan_view_gives_its_teams_phones_only_to_the_account_it_was_made_for(app, setting):
    """team_phones_in trusts the view's access check, so it refuses anyone else holding the view."""
    from safetyplan.accounts.models import Team
    from safetyplan.plans import contacts

    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, "words")
        with transaction():
            session.get(Team, person_team_id(person)).phone = "0300 123 4567"
        other = create_account("clinician", team=create_team("Elsewhere"))
        with transaction():
            view = revisions.view_plan(by=get_user(clinician), person_id=person.id)
            assert contacts.team_phones_in(by=get_user(clinician), view=view) == [("Plan Team", "0300 123 4567")]
            with pytest.raises(NotFound):
                contacts.team_phones_in(by=get_user(other), view=view)


def person_team_id(person):
    from safetyplan.people.models import CaseloadEntry

    with transaction():
        return session.scalars(select(CaseloadEntry.team_id).where(CaseloadEntry.person_id == person.id)).first()


def test_an_old_revision_renders_with_the_sections_it_was_written_with(app, setting, monkeypatch):
    from safetyplan.plans import sections as registry
    from safetyplan.plans.presenters import plan_parts

    person, clinician, _ = setting
    with app.app_context():
        save(clinician, person, 0, "words")
        with transaction():
            old = revisions.view_plan(by=get_user(clinician), person_id=person.id).current
            newer = registry.Section("pets", 10, "Pets", "My pets", "Which pets?", "Ask about pets")
            monkeypatch.setitem(registry.REGISTRY, 2, (*registry.SECTIONS_V1, newer))
            assert old.sections_version == 1
            assert [part.section.key for part in plan_parts(old)] == [s.key for s in registry.SECTIONS_V1]
            assert uuid.UUID(str(old.id))
