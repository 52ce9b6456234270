"""The person's own copy of everything held about them (the UK GDPR right of access), as one zip file.

It holds every revision of their plan (as a FHIR document and as a PDF), every suggestion and its answer, the
disagreements they recorded, who is involved and every decision about what each sees, every decision about what
urgent care sees, who has looked (from the audit trail), and a README in their language that says what each file
is. The person downloads it from their account; a team exports it for them with ``safetyplan people export``.
Both are audited. The file's name says what it is, never whose.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds, record
from safetyplan.audit.actions import action_label
from safetyplan.db import session, utcnow
from safetyplan.errors import NotFound
from safetyplan.exchange.document import gather
from safetyplan.exchange.fhir import bundle_of
from safetyplan.exchange.pdf import revision_pdf
from safetyplan.exchange.sending import sent_plans
from safetyplan.people.models import Person
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.models import PlanDisagreement, Suggestion
from safetyplan.roles import Role
from safetyplan.sharing.models import CrisisViewChoice, InvolvedPerson, SharingChoice
from safetyplan.sharing.transparency import looks_by_day

FILENAME = "everything-safetyplan-holds-about-me.zip"


@dataclass(frozen=True)
class Everything:
    data: bytes
    filename: str = FILENAME


def everything_for_me(*, by: User) -> Everything:
    """The signed-in person's own copy, in their language. NotFound for anyone but a person with a record."""
    if by.role != Role.PERSON or by.person_id is None:
        record("person.exported_everything", by=by, grounds=Grounds.NONE, outcome="denied")
        raise NotFound()
    data = _zip(by.person_id, language=by.preferred_language, own_account=by.id)
    record("person.exported_everything", by=by, grounds=Grounds.SELF, person_id=by.person_id)
    return Everything(data)


def everything_for_command_line(*, person_id: uuid.UUID, language: str = "en") -> Everything:
    """The same copy for ``safetyplan people export``, for a team to give the person; audited as the command line."""
    if session.get(Person, person_id) is None:
        raise NotFound()
    own = session.scalars(select(User.id).where(User.person_id == person_id)).first()
    with force_locale(language):  # no request to take a language from
        data = _zip(person_id, language=language, own_account=own)
    record("person.exported_everything", by=None, grounds=Grounds.COMMAND_LINE, person_id=person_id)
    return Everything(data)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_plain).encode()


def _plain(value: Any) -> str:
    """Dates and times as ISO 8601; anything else JSON cannot hold as its text."""
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)


def _zip(person_id: uuid.UUID, *, language: str, own_account: uuid.UUID | None) -> bytes:
    person = session.get(Person, person_id)
    assert person is not None
    made_at = utcnow()
    files: dict[str, bytes] = {}
    revisions = unchecked_plans.revisions_of(person_id)
    for revision in revisions:
        document = gather(person_id, revision.number)
        assert document is not None
        files[f"plan/revision-{revision.number}.fhir.json"] = _json(bundle_of(document, generated_at=made_at))
        with force_locale(language):
            files[f"plan/revision-{revision.number}.pdf"] = revision_pdf(person, revision)
    files["suggestions.json"] = _json(
        [
            {
                "section": s.section_key,
                "written_by": s.author_role,
                "written_at": s.created_at,
                "words": s.text,
                "status": s.status,
                "decided_at": s.decided_at,
                "answer": s.answer,
                "added_in_revision": s.accepted_number,
            }
            for s in session.scalars(
                select(Suggestion).where(Suggestion.person_id == person_id).order_by(Suggestion.created_at)
            )
        ]
    )
    files["disagreements.json"] = _json(
        [
            {
                "section": d.section_key,
                "revision": d.revision_number,
                "said_at": d.created_at,
                "words": d.words,
                "taken_back_at": d.withdrawn_at,
            }
            for d in session.scalars(
                select(PlanDisagreement)
                .where(PlanDisagreement.person_id == person_id)
                .order_by(PlanDisagreement.created_at)
            )
        ]
    )
    files["sharing.json"] = _json(_sharing(person_id))
    files["who-has-looked.json"] = _json(
        [
            {
                "day": day.day,
                "who": day.name,
                "role": day.role,
                "what": [action_label(action) for action in day.actions],
            }
            for day in looks_by_day(person_id, excluding=own_account, limit=100_000)
        ]
    )
    with force_locale(language):
        files["README.txt"] = _readme(person, made_at, len(revisions)).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items(), key=lambda item: (item[0] != "README.txt", item[0])):
            archive.writestr(name, data)
    return buffer.getvalue()


def _sharing(person_id: uuid.UUID) -> dict[str, Any]:
    people = []
    for involved in session.scalars(
        select(InvolvedPerson).where(InvolvedPerson.person_id == person_id).order_by(InvolvedPerson.added_at)
    ):
        choices = session.scalars(
            select(SharingChoice).where(SharingChoice.involved_id == involved.id).order_by(SharingChoice.recorded_at)
        )
        people.append(
            {
                "name": involved.name,
                "how_involved": involved.kind,
                "relationship": involved.relationship,
                "added_at": involved.added_at,
                "no_longer_involved_since": involved.removed_at,
                "decisions": [
                    {"decided_on": c.decided_on, "sections": sorted(c.section_keys), "recorded_by": c.recorded_by_role}
                    for c in choices
                ],
            }
        )
    urgent_care = [
        {"decided_on": c.decided_on, "sections": sorted(c.section_keys), "recorded_by": c.recorded_by_role}
        for c in session.scalars(
            select(CrisisViewChoice)
            .where(CrisisViewChoice.person_id == person_id)
            .order_by(CrisisViewChoice.recorded_at)
        )
    ]
    sent_to = [
        {
            "added_at": sent.created_at,
            "revision": sent.revision_number,
            "to": sent.recipient.name,
            "ods_code": sent.recipient.ods_code,
            "sent_at": sent.sent_at,
        }
        for sent in reversed(sent_plans(person_id))
    ]
    return {"people_involved": people, "urgent_care": urgent_care, "plan_sent_to": sent_to}


def _readme(person: Person, made_at: datetime, revisions: int) -> str:
    lines = [
        str(_("Everything SafetyPlan holds about %(name)s", name=person.name)),
        str(_("Made on %(date)s.", date=made_at.date().isoformat())),
        "",
        str(_("This is your copy of your safety plan and everything about it. It is yours to keep.")),
        "",
        str(
            _(
                "plan/: every version of your plan (%(count)d), each as a PDF to read and as a FHIR file "
                "that other health services' systems can read.",
                count=revisions,
            )
        ),
        str(_("suggestions.json: the changes you and the people you involve suggested, and what your care team said.")),
        str(_("disagreements.json: what you told your care team you disagree with, in your words.")),
        str(
            _(
                "sharing.json: who you involve, and every choice about which parts of your plan each of them sees, "
                "what urgent care sees, and where your plan was sent (your GP, or a team taking over your care)."
            )
        ),
        str(_("who-has-looked.json: who has looked at your plan or record, by day, from the audit trail.")),
        "",
        str(_("Keep this file safe: it holds personal information. If something in it is wrong, tell your care team.")),
    ]
    return "\n".join(lines) + "\n"
