"""The data the route walks (tests/integration/test_get_writes_only_audit.py, test_authorization_matrix_post.py)
run over: a signed-in client per role, and two teams' people with everything a route can take an id of.

Ours: a clinician, a person with their own account, a plan, a suggestion from their carer waiting, something they
disagree with, the clinician's unsaved draft, and someone else involved for each role to aim its changes at.
Theirs: the same for a person whose name and plan carry a canary, which nobody but an admin may ever see.
Everything is made through the real services (tests/factories.py), so it is sealed and audited like real data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from safetyplan.accounts.models import Team
from safetyplan.db import transaction
from safetyplan.people.models import Person
from safetyplan.plans import disagreements, drafts
from safetyplan.sharing import carers, involvement
from safetyplan.sharing.involvement import InvolvedDetails
from tests.factories import Account, create_account, create_person, create_team, get_user, link_carer, write_plan
from tests.integration.test_authorization_matrix import CANARY, ROLES
from tests.pages import PageClient

#: The crisis contact the migrations put in first (every plan lists it).
CRISIS_CONTACT_ID = uuid.UUID(int=1)


@dataclass(frozen=True)
class Side:
    """One team's person and what a route may name of theirs."""

    person_id: uuid.UUID
    team_id: uuid.UUID
    #: The carer who sees part of the plan.
    involved_id: uuid.UUID
    #: Someone involved (not yet invited) for each role's changes to aim at, so that one role's allowed change
    #: (removing them, say) leaves the next role's case as it was.
    spare_involved_ids: dict[str, uuid.UUID]
    #: A carer's suggestion, waiting for the person's (or a clinician's) decision.
    suggestion_id: uuid.UUID
    #: What the person said they disagree with.
    disagreement_id: uuid.UUID


@dataclass(frozen=True)
class World:
    clients: dict[str, PageClient]
    accounts: dict[str, Account]
    own: Side
    other: Side

    def side(self, variant: str) -> Side:
        return self.other if variant == "other" else self.own

    def matrix_ids(self) -> dict[str, tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
        """The ids in the shape tests/integration/test_authorization_matrix.py's ``url_for_case`` takes."""
        return {name: (s.person_id, s.team_id, s.involved_id) for name, s in (("own", self.own), ("other", self.other))}


@dataclass(frozen=True)
class _Made:
    side: Side
    team: Team
    person: Person
    person_account: Account
    carer: Account


def _side(team_name: str, person_name: str, nhs_number: str, words: str) -> _Made:
    """A team, its person (with their own account), a plan, a carer who sees part of it and suggested something,
    a disagreement, and a spare involved person per role."""
    team = create_team(team_name)
    person = create_person(team, name=person_name, nhs_number=nhs_number)
    writer = create_account("clinician", team=team)
    write_plan(person, writer, words)
    own_account = create_account("person", person=person)
    carer = create_account("carer")
    involved_id = link_carer(person, carer, sections={"reasons", "people_to_ask"}, by=writer)
    with transaction():
        suggestion = carers.carer_suggest(
            by=get_user(carer), person_id=person.id, section_key="reasons", text="Ring me any time"
        )
        disagreement = disagreements.record_disagreement(
            by=get_user(own_account), section_key=None, words="I do not want my GP told"
        )
        clinician = get_user(writer)
        spares = {
            role: involvement.add_involved(
                by=clinician,
                person_id=person.id,
                details=InvolvedDetails(
                    name=f"Spare for {role}", kind="family", email=f"spare-{uuid.uuid4().hex[:8]}@example.com"
                ),
            ).id
            for role in ROLES
        }
    side = Side(person.id, team.id, involved_id, spares, suggestion.id, disagreement.id)
    return _Made(side, team, person, own_account, carer)


def build_world(app: Flask, sign_in: Callable[[str, Account, PageClient], None] | None = None) -> World:
    """Both teams' data, then a client per role, signed in through the real pages (the anonymous one is not):
    with its password, or through ``sign_in(role, account, client)`` (an identity service, say)."""
    with app.app_context():
        ours = _side("Own Team", "Own Person", "9990000018", "Own words")
        theirs = _side("Other Team", CANARY, "9990000026", f"{CANARY} walks by the sea")
        accounts = {
            "clinician": create_account("clinician", team=ours.team),
            "person": ours.person_account,
            "carer": ours.carer,
            "auditor": create_account("auditor"),
            "admin": create_account("admin"),
        }
        with transaction():
            # An unsaved draft of the clinician's, so that the editor opens on it.
            drafts.save_draft(
                by=get_user(accounts["clinician"]),
                person_id=ours.person.id,
                base_number=1,
                fields={"reasons-items-0": "Draft words"},
            )
    clients = {"anonymous": PageClient(app.test_client())}
    for role, account in accounts.items():
        clients[role] = PageClient(app.test_client())
        if sign_in is None:
            clients[role].sign_in(account)
        else:
            sign_in(role, account, clients[role])
    return World(clients=clients, accounts=accounts, own=ours.side, other=theirs.side)
