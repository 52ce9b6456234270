"""One save from the plan editor, as one call: the note about wording, the save itself, and, whenever nothing is
saved, what was typed kept as the clinician's draft.

The editor's route only reads the form and shows the outcome: saved (go to the plan), flagged (a gentle note beside
each section whose new words use risk stratification; saving again keeps them) or a conflict (someone saved first:
their text beside ours, and nothing of ours lost). Rules the save refuses raise PlanError, with the field they are
about; a person out of reach raises NotFound.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from safetyplan.accounts.models import User
from safetyplan.detector import Finding
from safetyplan.plans import drafts, unchecked
from safetyplan.plans.access import reach_plan
from safetyplan.plans.errors import Conflict
from safetyplan.plans.models import PlanRevision
from safetyplan.plans.revisions import RevisionInput, save_revision
from safetyplan.plans.sections import CURRENT_VERSION
from safetyplan.plans.wording import flags_for_editor


@dataclass(frozen=True)
class Submission:
    """What the editor sends: the revision, and where it stands."""

    revision: RevisionInput
    base_number: int  # the revision the clinician began from
    typed: dict[str, str]  # the form as typed, which becomes the draft when nothing is saved
    merge_with: int | None = None  # a newer revision shown beside ours in a conflict: a save now builds on it
    wording_checked: bool = False  # the clinician has seen the notes about wording, and saves as written


@dataclass(frozen=True)
class Saved:
    revision: PlanRevision


@dataclass(frozen=True)
class Flagged:
    """Nothing saved yet: these sections' new words use risk stratification (section key -> what was found)."""

    flags: dict[str, list[Finding]]


@dataclass(frozen=True)
class Conflicted:
    """Nothing saved: someone saved ``current`` since the clinician began."""

    current: PlanRevision


Outcome = Saved | Flagged | Conflicted


def submit(*, by: User, person_id: uuid.UUID, submission: Submission) -> Outcome:
    """Save the editor's revision, unless its new wording needs a second look first or someone saved since."""
    if not submission.wording_checked:
        reach_plan(by, person_id, "plan.revised")
        # Compared with the revision the text builds on (after a merge, the one merged with).
        builds_on = submission.merge_with if submission.merge_with is not None else submission.base_number
        flags = flags_for_editor(
            submission.revision.content,
            submission.revision.own_words,
            CURRENT_VERSION,
            unchecked.revision_content(person_id, builds_on),
        )
        if flags:
            _keep_draft(by, person_id, submission, wording_checked="")
            return Flagged(flags)
    # A save from the conflict view builds on the revision the user was shown there, and only on that one.
    merged = submission.merge_with
    base = merged if merged is not None and merged > submission.base_number else submission.base_number
    try:
        saved = save_revision(by=by, person_id=person_id, base_number=base, revision=submission.revision)
    except Conflict as conflict:
        # Ours stays in the draft, still based on the revision it began from; only a save from the conflict view
        # (which carries merge_with) may build on theirs.
        _keep_draft(by, person_id, submission)
        return Conflicted(conflict.current)
    return Saved(saved)


def _keep_draft(by: User, person_id: uuid.UUID, submission: Submission, **cleared: str) -> None:
    """A draft never claims to have seen a newer revision, nor (when ``wording_checked`` is cleared) the notes."""
    fields = {**submission.typed, "merge_with": "", **cleared}
    drafts.save_draft(by=by, person_id=person_id, base_number=submission.base_number, fields=fields)
