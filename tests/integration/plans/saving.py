"""A person, their clinician and their own account, and a revision saved with them, for the plan tests."""

from __future__ import annotations

from datetime import date, timedelta

from safetyplan.db import transaction
from safetyplan.plans import revisions
from safetyplan.plans.revisions import RevisionInput
from tests.factories import get_user

SOON = date.today() + timedelta(days=14)


def revision_input(words, **changes):
    values = {
        "content": {"reasons": {"items": words if isinstance(words, list) else [words]}},
        "reason": "scheduled_review",
        "person_took_part": True,
        "person_agrees": True,
        "next_review_on": SOON,
    }
    return RevisionInput(**{**values, **changes})


def save(clinician, person, base, words, **changes):
    with transaction():
        return revisions.save_revision(
            by=get_user(clinician), person_id=person.id, base_number=base, revision=revision_input(words, **changes)
        ).number
