"""One save from the editor: saved, flagged for its wording, or in conflict, with what was typed never lost."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from safetyplan.db import session, transaction
from safetyplan.errors import NotFound
from safetyplan.plans import drafts, editor
from safetyplan.plans.errors import PlanError
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.revisions import RevisionInput
from tests.factories import create_account, create_person, create_team, get_user, write_plan

SOON = date.today() + timedelta(days=14)


@pytest.fixture
def setting(app):
    with app.app_context():
        team = create_team("Editor Team")
        person = create_person(team, name="Editor Person")
        clinician = create_account("clinician", team=team)
    return person, clinician


def submission(words, *, base=0, **changes):
    revision = RevisionInput(
        content={"reasons": {"items": [words]}},
        reason="scheduled_review",
        person_took_part=True,
        person_agrees=True,
        next_review_on=changes.pop("next_review_on", SOON),
    )
    return editor.Submission(revision=revision, base_number=base, typed={"reasons": words}, **changes)


def submit(clinician, person, sent):
    with transaction():
        return editor.submit(by=get_user(clinician), person_id=person.id, submission=sent)


def draft_of(clinician, person):
    with transaction():
        return drafts.draft_for(by=get_user(clinician), person_id=person.id)


def revision_count():
    with transaction():
        return session.scalar(select(func.count()).select_from(PlanRevision))


def test_plain_words_are_saved_and_leave_no_draft(app, setting):
    person, clinician = setting
    with app.app_context():
        outcome = submit(clinician, person, submission("My dog Biscuit"))
        assert isinstance(outcome, editor.Saved)
        assert outcome.revision.number == 1
        assert draft_of(clinician, person) is None


def test_stratifying_words_are_flagged_kept_as_a_draft_and_not_saved(app, setting):
    person, clinician = setting
    with app.app_context():
        outcome = submit(clinician, person, submission("Assessed as low risk"))
        assert isinstance(outcome, editor.Flagged)
        assert list(outcome.flags) == ["reasons"]
        assert revision_count() == 0
        kept = draft_of(clinician, person)
        assert kept.fields["reasons"] == "Assessed as low risk"
        assert kept.fields["wording_checked"] == "" and kept.fields["merge_with"] == ""


def test_once_the_wording_is_checked_the_same_words_are_saved(app, setting):
    person, clinician = setting
    with app.app_context():
        outcome = submit(clinician, person, submission("Assessed as low risk", wording_checked=True))
        assert isinstance(outcome, editor.Saved)
        assert revision_count() == 1


def test_wording_already_in_the_plan_it_builds_on_is_not_flagged_again(app, setting):
    person, clinician = setting
    with app.app_context():
        submit(clinician, person, submission("Assessed as low risk", wording_checked=True))
        outcome = submit(clinician, person, submission("Assessed as low risk", base=1))
        assert isinstance(outcome, editor.Saved)
        assert outcome.revision.number == 2


def test_a_save_after_someone_else_saved_is_a_conflict_that_keeps_the_typed_words(app, setting):
    person, clinician = setting
    with app.app_context():
        write_plan(person, clinician, words="Theirs")
        outcome = submit(clinician, person, submission("Mine", base=0))
        assert isinstance(outcome, editor.Conflicted)
        assert outcome.current.number == 1
        assert revision_count() == 1
        kept = draft_of(clinician, person)
        assert kept.fields["reasons"] == "Mine" and kept.base_number == 0 and kept.fields["merge_with"] == ""


def test_a_save_from_the_conflict_view_builds_on_the_revision_shown_there(app, setting):
    person, clinician = setting
    with app.app_context():
        write_plan(person, clinician, words="Theirs")
        outcome = submit(clinician, person, submission("Mine and theirs", base=0, merge_with=1))
        assert isinstance(outcome, editor.Saved)
        assert outcome.revision.number == 2


def test_a_rule_the_save_refuses_names_its_field_and_saves_nothing(app, setting):
    person, clinician = setting
    with app.app_context():
        with pytest.raises(PlanError) as refused:
            submit(clinician, person, submission("Words", next_review_on=date.today() - timedelta(days=1)))
        assert refused.value.field == "next_review_on"
        assert revision_count() == 0


def test_a_clinician_of_another_team_is_refused_and_nothing_is_kept(app, setting):
    person, _clinician = setting
    with app.app_context():
        stranger = create_account("clinician", team=create_team("Other Team"))
        with pytest.raises(NotFound):
            submit(stranger, person, submission("Assessed as low risk"))
        assert draft_of(stranger, person) is None
        assert revision_count() == 0
