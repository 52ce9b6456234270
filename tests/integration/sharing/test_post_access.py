"""Every sharing action that changes something, sent by the wrong role, or by the right role about another team's
person: refused (403 for the role, 404 for the person, like a missing record) and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from safetyplan.db import session
from safetyplan.plans.models import Suggestion
from safetyplan.sharing.models import CarerInvitation, InvolvedPerson, InvolvementConversation, SharingChoice
from tests.factories import create_account, create_person, create_team, link_carer, write_plan
from tests.pages import PageClient

TODAY = date.today()
#: (endpoint path after /people/<person>, form data); {involved} is filled in.
MANAGING = [
    ("/involved/new", {"name": "Intruder", "kind": "friend"}),
    (
        "/involved/{involved}/sections",
        {"sections": ["reasons"], "decided_on[day]": 1, "decided_on[month]": 1, "decided_on[year]": 2026},
    ),
    ("/involved/{involved}/invite", {}),
    ("/involved/{involved}/confirm", {}),
    ("/involved/{involved}/unlink", {}),
    ("/involved/{involved}/remove", {}),
    (
        "/involvement-conversations/new",
        {"held_on[day]": TODAY.day, "held_on[month]": TODAY.month, "held_on[year]": TODAY.year, "agreed": "Intruder"},
    ),
]


@pytest.fixture
def world(app):
    with app.app_context():
        own_team, other_team = create_team("Own Team"), create_team("Other Team")
        own, other = create_person(own_team, name="Own Person"), create_person(other_team, name="Other Person")
        own_clinician, other_clinician = (
            create_account("clinician", team=own_team),
            create_account("clinician", team=other_team),
        )
        for person, clinician in ((own, own_clinician), (other, other_clinician)):
            write_plan(person, clinician)
        carer = create_account("carer")
        link_carer(own, carer, sections={"reasons"}, by=own_clinician)
        other_involved = link_carer(other, create_account("carer"), sections={"reasons"}, by=other_clinician)
        accounts = {
            "clinician": own_clinician,
            "person": create_account("person", person=own),
            "carer": carer,
            "auditor": create_account("auditor"),
            "admin": create_account("admin"),
        }
    clients = {}
    for role, account in accounts.items():
        clients[role] = PageClient(app.test_client())
        clients[role].sign_in(account)
    return clients, other.id, other_involved


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return (
            *(
                session.scalar(select(func.count()).select_from(model))
                for model in (InvolvedPerson, SharingChoice, CarerInvitation, InvolvementConversation, Suggestion)
            ),
            session.scalar(
                select(func.count()).select_from(InvolvedPerson).where(InvolvedPerson.removed_at.is_not(None))
            ),
        )


@pytest.mark.parametrize(("path", "data"), MANAGING)
def test_managing_another_persons_sharing_or_in_the_wrong_role_is_refused(app, world, path, data):
    clients, other_id, other_involved = world
    url = f"/people/{other_id}" + path.format(involved=other_involved)
    before = counts(app)
    for role, client in clients.items():
        token = client.csrf_token("/account")
        status = client.client.post(url, data={"csrf_token": token, **data}).status_code
        managers = ("clinician",) if "conversation" in path else ("clinician", "person")
        expected = 404 if role in managers else 403
        assert status == expected, f"{role} POST {url}: {status}, expected {expected}"
    assert counts(app) == before


def test_a_carer_cannot_add_to_a_plan_they_are_not_linked_to(app, world):
    clients, other_id, _ = world
    before = counts(app)
    carer = clients["carer"]
    response = carer.client.post(
        f"/shared/{other_id}/suggest",
        data={"csrf_token": carer.csrf_token("/account"), "section": "carers_will_do", "text": "Intruder"},
    )
    assert response.status_code == 404
    for role in ("clinician", "person", "auditor", "admin"):
        client = clients[role]
        assert (
            client.client.post(
                f"/shared/{other_id}/suggest", data={"csrf_token": client.csrf_token("/account"), "text": "x"}
            ).status_code
            == 403
        )
    assert counts(app) == before


def test_only_auditors_scan_documents(app, world):
    import io

    clients, _, _ = world
    for role in ("clinician", "person", "carer", "admin"):
        client = clients[role]
        response = client.client.post(
            "/assurance/scan",
            data={"csrf_token": client.csrf_token("/account"), "document": (io.BytesIO(b"high risk"), "x.txt")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, role
