"""Demo data for plans that travel: Alex's crisis view for urgent care, published through the outbox; Morgan,
whose plan arrived on transfer from a fictional trust; Chris, discharged to his GP, whose plan was sent there; and a
file from another fictional trust, carrying a risk level, for a clinician to import and see what is refused.
Everyone and every organisation here is made up."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from safetyplan.exchange.document import Author, Organisation, PersonDetails, RevisionRecord
from safetyplan.exchange.fhir import bundle_of, sample_document
from safetyplan.exchange.imports import import_fhir
from safetyplan.exchange.sending import Recipient, send_plan
from safetyplan.plans import revisions
from safetyplan.plans.revisions import RevisionInput
from safetyplan.plans.sections import CURRENT_VERSION
from safetyplan.roles import Role
from safetyplan.sharing.crisis_view import choose_crisis_view

#: Where the demo leaves the file to import by hand, under the instance folder.
TRANSFER_FILE = Path("demo") / "plan-from-another-trust.fhir.json"
#: The (made-up) GP practice Chris's plan was sent to at discharge; its ODS code is not a real one.
CHRIS_GP = Recipient("gp", "Northgate Surgery (fictional)", "XGP01")


def seed_crisis_view(by: Any, alex_id: uuid.UUID) -> None:
    """Kai talks the crisis view through with Alex, who wants urgent care to see four parts of their plan."""
    choose_crisis_view(
        by=by,
        person_id=alex_id,
        keys={"warning_signs", "people_to_ask", "services", "how_others_help"},
        decided_on=date.today() - timedelta(days=14),
    )


def seed_discharge(by: Any, chris_id: uuid.UUID) -> None:
    """Kai writes a plan with Chris, reviews it with him at discharge, and sends it to his (fictional) GP."""
    first: dict[str, Any] = {
        "reasons": {"items": ["My grandson Ollie", "The pigeons on my allotment"]},
        "warning_signs": {"items": ["Not going out to the allotment", "Drinking on my own"]},
        "on_my_own": {"items": ["Feed the pigeons", "Put the radio on"]},
        "people_to_ask": {"contacts": [{"name": "Bev", "relationship": "neighbour", "phone": "07700 900 501"}]},
    }
    at_discharge = {
        **first,
        "on_my_own": {"items": [*first["on_my_own"]["items"], "Ring the surgery if I cannot sleep for two nights"]},
    }
    for number, (content, reason, review_in) in enumerate(((first, "first_plan", 14), (at_discharge, "discharge", 28))):
        revisions.save_revision(
            by=by,
            person_id=chris_id,
            base_number=number,
            revision=RevisionInput(
                content=content,
                reason=reason,
                person_took_part=True,
                person_agrees=True,
                next_review_on=date.today() + timedelta(days=review_in),
            ),
        )
    send_plan(by=by, person_id=chris_id, number=2, recipient=CHRIS_GP)


def _document(name: str, nhs_number: str, born: date, organisation: str, author: str, content: dict[str, Any]) -> Any:
    moment = datetime.now(UTC) - timedelta(days=40)
    record = RevisionRecord(
        number=1,
        created_at=moment,
        author=Author(uuid.uuid5(uuid.NAMESPACE_URL, author), author, Role.CLINICIAN),
        reason="first_plan",
        sections_version=CURRENT_VERSION,
        declined=False,
        person_took_part=True,
        carer_took_part=False,
        advocate_took_part=False,
        participants={},
        person_agrees=True,
        disagreement=None,
        next_review_on=date.today() + timedelta(days=20),
        restored_from=None,
    )
    return dataclasses.replace(
        sample_document(),
        person=PersonDetails(uuid.uuid5(uuid.NAMESPACE_URL, nhs_number), name, nhs_number, None, born),
        revision=record,
        history=(record,),
        content=content,
        involved=(),
        teams=(),
        crisis_lines=(),
        earlier=(),
        first_saved=moment,
        custodian=Organisation(organisation, "XDEMO"),
    )


def _words(**sections: list[str]) -> dict[str, Any]:
    return {key: {"items": lines, "by": Role.PERSON, "own_words": True} for key, lines in sections.items()}


MORGAN = _words(
    reasons=["My allotment and the tomatoes coming up", "My brother Lewis"],
    warning_signs=["Staying in bed past noon", "Not answering Lewis's texts"],
    on_my_own=["Walk to the end of the canal and back", "Cold water on my face"],
)


def seed_transfer(team_id: uuid.UUID, instance_path: Path) -> None:
    """Morgan's plan arrives from the (fictional) Northmoor trust; another person's waits in a file to import."""
    bundle = bundle_of(
        _document(
            "Morgan Transfer-Example",
            "9990000077",
            date(1990, 7, 4),
            "Northmoor Hills NHS Trust (fictional)",
            "Dr Rowan Example",
            MORGAN,
        ),
        generated_at=datetime.now(UTC),
    )
    import_fhir(by=None, team_id=team_id, data=json.dumps(bundle).encode())

    other = bundle_of(
        _document(
            "Taylor Moving-Example",
            "9990000085",
            date(1983, 2, 14),
            "Eastvale NHS Trust (fictional)",
            "Nurse Sam Example",
            _words(
                reasons=["Singing in the choir on Thursdays"],
                warning_signs=["Risk level: high", "Skipping meals"],
            ),
        ),
        generated_at=datetime.now(UTC),
    )
    subject = {"reference": next(e["fullUrl"] for e in other["entry"] if e["resource"]["resourceType"] == "Patient")}
    other["entry"].append(
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'demo-risk-level')}",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {
                    "coding": [{"system": "http://loinc.org", "code": "93374-7", "display": "Suicide risk level"}]
                },
                "subject": subject,
                "valueCodeableConcept": {"text": "Moderate"},
            },
        }
    )
    path = instance_path / TRANSFER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(other, ensure_ascii=False, indent=2))
