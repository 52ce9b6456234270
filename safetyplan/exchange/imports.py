"""Receiving a plan on transfer: a FHIR plan document from another SafetyPlan, or another system that sends these
resources, stored as a new revision with the reason "on transfer" and where it came from.

The person is matched by NHS number, or added to the receiving team's caseload. A clinician imports only for a
team they belong to, and only for someone that team holds or no one holds yet: an NHS number in a file never
opens another team's record. The command line (an operator, on the trust's servers) may also put someone already
recorded onto the receiving team's caseload.

Everything is read and checked before anything is written (``reading.read_bundle``): a file refused as a whole
stores nothing. The report says what was taken, what was refused and why, and which words the detector flagged.
Importing the same document twice adds nothing the second time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from safetyplan.accounts.models import User
from safetyplan.accounts.teams import teams_of
from safetyplan.audit import Grounds, record
from safetyplan.detector import scan
from safetyplan.exchange.reading import ImportRefused, Received, Refusal, read_bundle
from safetyplan.people import services as people
from safetyplan.people import unchecked as unchecked_people
from safetyplan.people.access import grounds_for
from safetyplan.plans import unchecked as unchecked_plans
from safetyplan.plans.content import lines_of, same, section_content
from safetyplan.plans.revisions import ReceivedRevision, receive_revision
from safetyplan.plans.sections import sections
from safetyplan.roles import Role
from safetyplan.sharing.involvement import InvolvedDetails, receive_involved

IMPORT_ROLES = frozenset({Role.CLINICIAN})


@dataclass(frozen=True)
class Flagged:
    """Words in an imported section that the detector reads as stratifying (kept, as a clinician's would be)."""

    section: str
    category: str
    words: str


@dataclass(frozen=True)
class ImportReport:
    person_id: uuid.UUID
    #: The person was not recorded here before: they are now, on the receiving team's caseload.
    person_added: bool
    revision_number: int
    organisation: str
    refused: tuple[Refusal, ...]
    flagged: tuple[Flagged, ...]
    #: How many people involved (with what each sees) came with it.
    involved_added: int
    #: This document was already imported: nothing new was stored.
    already: bool = False


def import_fhir(*, by: User | None, team_id: uuid.UUID, data: bytes) -> ImportReport:
    """Store the plan in ``data`` for the team ``team_id`` (``by`` None is the command line). Raises
    ImportRefused, having stored nothing, when the file is not a plan document or the person cannot be taken."""
    grounds = _team_grounds(by, team_id)
    try:
        received = read_bundle(data)
        person_id, added = _person(by, team_id, received)
    except ImportRefused as refused:
        record("plan.import_refused", by=by, grounds=grounds, outcome="failed", team_id=team_id)
        raise refused from None
    flagged = tuple(
        Flagged(part.key, finding.category, finding.matched)
        for part in sections(received.version)
        for line in lines_of(section_content(received.content, part), part)
        for finding in scan(line)
    )
    plan = unchecked_plans.plan_of(person_id)
    current = unchecked_plans.revision_of(plan, plan.current_number) if plan else None
    if current is not None and _same_document(current.origin, current.content, received):
        record("plan.imported_fhir", by=by, grounds=grounds, person_id=person_id, revision_id=current.id)
        return ImportReport(
            person_id, False, current.number, received.origin["organisation"], received.refused, flagged, 0, True
        )
    involved = 0
    for someone in received.involved:
        details = InvolvedDetails(someone.name, someone.kind, someone.relationship, someone.phone)
        if receive_involved(
            by=by, person_id=person_id, details=details, keys=someone.sections, decided_on=someone.decided_on
        ):
            involved += 1
    saved = receive_revision(
        by=by,
        person_id=person_id,
        received=ReceivedRevision(
            received.content, received.version, received.origin, received.next_review_on, received.declined
        ),
        grounds=grounds,
    )
    record(
        "plan.imported_fhir",
        by=by,
        grounds=grounds,
        person_id=person_id,
        plan_id=saved.plan_id,
        revision_id=saved.id,
        team_id=team_id,
    )
    return ImportReport(
        person_id, added, saved.number, received.origin["organisation"], received.refused, flagged, involved
    )


def _team_grounds(by: User | None, team_id: uuid.UUID) -> Grounds:
    if by is None:
        return Grounds.COMMAND_LINE
    if by.role not in IMPORT_ROLES or team_id not in {team.id for team in teams_of(by=by)}:
        record("plan.import_refused", by=by, grounds=Grounds.role(by.role), outcome="denied", team_id=team_id)
        raise ImportRefused("not_allowed")
    return Grounds.team(team_id)


def _person(by: User | None, team_id: uuid.UUID, received: Received) -> tuple[uuid.UUID, bool]:
    """The person the plan is for, and whether they were added now."""
    found = unchecked_people.person_with_nhs_number(received.nhs_number)
    if found is not None:
        if by is None:
            if not unchecked_people.on_caseload(found.id, team_id):
                people.add_to_caseload(by=None, person_id=found.id, team_id=team_id)
        elif grounds_for(by, found.id, roles=IMPORT_ROLES) is None:
            raise ImportRefused("known_elsewhere")
        return found.id, False
    if not received.name.strip():
        raise ImportRefused("no_name")
    if received.date_of_birth is None:
        raise ImportRefused("no_birth_date")
    details = people.PersonDetails(
        name=received.name,
        date_of_birth=received.date_of_birth,
        nhs_number=received.nhs_number,
        preferred_name=received.preferred_name,
        phone=received.phone,
        address=received.address,
    )
    return people.create_person(by=by, team_id=team_id, details=details).id, True


def _same_document(origin: object, content: object, received: Received) -> bool:
    if not isinstance(origin, dict) or not isinstance(content, dict) or not origin.get("document"):
        return False
    if origin.get("document") != received.origin["document"]:
        return False
    return all(
        same(section_content(content, part), section_content(received.content, part), part)
        for part in sections(received.version)
    )
