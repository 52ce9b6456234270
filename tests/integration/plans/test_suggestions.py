"""Suggestions: added in their author's words, or declined with an answer the person reads."""

from __future__ import annotations

import pytest

from safetyplan.db import transaction
from safetyplan.plans import revisions, suggestions
from safetyplan.plans.errors import PlanError
from tests.factories import get_user
from tests.integration.plans.saving import save


def test_accepting_a_suggestion_keeps_the_conversation_record_and_who_wrote_the_rest(app, setting):
    person, clinician, person_account = setting
    with app.app_context():
        save(
            clinician,
            person,
            0,
            "first",
            person_agrees=False,
            disagreement="Not the part about my mum",
            carer_took_part=True,
        )
        with transaction():
            suggestion = suggestions.suggest(by=get_user(person_account), section_key="reasons", text="My garden")
        with transaction():
            revision = suggestions.accept_suggestion(by=get_user(clinician), suggestion_id=suggestion.id)
            part = revision.content["reasons"]
            assert part["items"] == ["first", "My garden"]
            assert (part["by"], part["own_words"], part["suggested_by"]) == ("clinician", False, ["person"])
            assert (revision.person_agrees, revision.disagreement, revision.carer_took_part) == (
                False,
                "Not the part about my mum",
                True,
            )


def test_a_persons_suggestion_is_accepted_in_their_words(app, setting):
    person, clinician, person_account = setting
    with app.app_context():
        save(clinician, person, 0, "first")
        with transaction():
            suggestion = suggestions.suggest(
                by=get_user(person_account), section_key="on_my_own", text="Stroke the cat"
            )
        with transaction():
            revision = suggestions.accept_suggestion(by=get_user(clinician), suggestion_id=suggestion.id)
            part = revision.content["on_my_own"]
            assert part["items"] == ["Stroke the cat"] and part["by"] == "person" and part["own_words"] is True
            assert revision.content["reasons"]["items"] == ["first"]
            assert revision.reason == "suggestion_accepted"
        with transaction(), pytest.raises(PlanError):
            suggestions.accept_suggestion(by=get_user(clinician), suggestion_id=suggestion.id)


def test_a_declined_suggestion_keeps_the_plan_and_tells_the_person_why(app, setting):
    person, clinician, person_account = setting
    with app.app_context():
        save(clinician, person, 0, "first")
        with transaction():
            suggestion = suggestions.suggest(by=get_user(person_account), section_key="reasons", text="My dog Biscuit")
        with transaction():
            suggestions.decline_suggestion(
                by=get_user(clinician), suggestion_id=suggestion.id, answer="Let's talk on Monday"
            )
        with transaction():
            (mine,) = suggestions.suggestions(by=get_user(person_account), person_id=person.id)
            assert (mine.status, mine.answer) == ("declined", "Let's talk on Monday")
            assert revisions.current_number(by=get_user(clinician), person_id=person.id) == 1
