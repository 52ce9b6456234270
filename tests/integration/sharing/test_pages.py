"""Sharing as people, clinicians and carers use it: consent per section, invitations, the carer's view,
contributions, changing one's mind, and who can see and who has looked."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from safetyplan.accounts.models import User
from safetyplan.audit import Grounds
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session, transaction, utcnow
from safetyplan.plans.sections import sections
from safetyplan.sharing.models import CarerInvitation, InvolvedPerson
from tests.factories import create_account, create_person, get_user, link_carer, write_plan
from tests.pages import PageClient, text_of

KEYS = [part.key for part in sections()]


def canary(key: str) -> str:
    return f"Canary-{key.replace('_', '-')}-4417"


def canary_content() -> dict:
    """A plan with its own canary word in every section."""
    content: dict = {}
    for part in sections():
        if part.kind == "contacts":
            content[part.key] = {"contacts": [{"name": canary(part.key), "relationship": "", "phone": "07700 900 111"}]}
        elif part.kind == "helps":
            content[part.key] = {"helps": [canary(part.key)], "does_not_help": [f"{canary(part.key)} not"]}
        else:
            content[part.key] = {"items": [canary(part.key)]}
    return content


@pytest.fixture
def world(app, team):
    """A person with a plan holding a canary in every section, their clinician, their own account, and a carer
    linked and confirmed who is shared nothing yet."""
    with app.app_context():
        person = create_person(team, name="Morgan Share-Test", preferred_name="Mo")
        clinician = create_account("clinician", team=team)
        write_plan(person, clinician, content=canary_content())
        own = create_account("person", person=person)
        carer = create_account("carer", name="Jamie Carer")
        involved_id = link_carer(person, carer, by=clinician)
    clients = {}
    for role, account in (("clinician", clinician), ("person", own), ("carer", carer)):
        clients[role] = PageClient(app.test_client())
        clients[role].sign_in(account)
    return {"person": person, "involved_id": involved_id, "clients": clients, "carer": carer, "clinician": clinician}


def carer_responses(client: PageClient, person_id) -> bytes:
    """Every response a carer can reach about the person, joined."""
    urls = ["/shared", f"/shared/{person_id}", f"/shared/{person_id}/suggest", "/shared/crisis"]
    bodies = [client.get(url).data for url in urls]
    printed = client.get(f"/shared/{person_id}/print")
    bodies.append(printed.data)
    return b"\n".join(bodies)


def share(app, world, keys) -> None:
    with app.app_context(), transaction():
        from safetyplan.sharing import consent

        consent.choose_sections(
            by=get_user(world["clinician"]),
            person_id=world["person"].id,
            involved_id=world["involved_id"],
            keys=set(keys),
            decided_on=date.today(),
        )


@pytest.mark.parametrize("shared_key", KEYS)
def test_a_carer_sees_exactly_the_shared_section_and_no_byte_of_any_other(app, world, shared_key):
    share(app, world, {shared_key})
    body = carer_responses(world["clients"]["carer"], world["person"].id)
    assert canary(shared_key).encode() in body
    for key in KEYS:
        if key != shared_key:
            assert canary(key).encode() not in body, f"{key} leaked while only {shared_key} is shared"


def test_the_carer_sees_the_shared_sections_numbered_1_to_n_without_gaps(app, world):
    """Numbers 1, 2, 8 would tell the carer that sections 3 to 7 exist and are hidden from them."""
    share(app, world, {"reasons", "warning_signs", "how_others_help"})
    carer = world["clients"]["carer"]
    for url in (f"/shared/{world['person'].id}", f"/shared/{world['person'].id}/print"):
        page = carer.get_page(url)
        numbers = [number.get_text(strip=True) for number in page.select(".app-plan-section__number")]
        assert numbers == ["1.", "2.", "3."], url
    full = world["clients"]["person"].get_page("/my-plan")
    assert [n.get_text(strip=True) for n in full.select(".app-plan-section__number")] == [
        f"{n}." for n in range(1, len(KEYS) + 1)
    ]


def test_with_nothing_shared_the_carer_is_told_kindly_and_sees_no_plan_text(app, world):
    carer = world["clients"]["carer"]
    page = carer.get_page(f"/shared/{world['person'].id}")
    assert "has not shared any part of their plan with you" in text_of(page, "main")
    body = carer_responses(carer, world["person"].id)
    assert not any(canary(key).encode() in body for key in KEYS)


def test_with_every_section_shared_the_carer_still_sees_no_history_drafts_or_suggestions(app, world):
    person_id = world["person"].id
    clinician, person = world["clients"]["clinician"], world["clients"]["person"]
    # A newer revision the person does not agree with, a draft and a suggestion: none is for carers.
    with app.app_context():
        write_plan(
            world["person"],
            world["clinician"],
            content={"reasons": {"items": ["Unagreed-Words-5521"]}},
            person_agrees=False,
            disagreement="Disagree-5521",
        )
    clinician.client.post(
        f"/people/{person_id}/plan/draft",
        data={
            "csrf_token": clinician.csrf_token(f"/people/{person_id}/plan/edit"),
            "reasons": "Draft-Words-5521",
            "base_number": "2",
        },
    )
    person.post_form("/my-plan/suggest", {"section": "reasons", "text": "Suggested-Words-5521"}, status=302)
    share(app, world, set(KEYS))
    body = carer_responses(world["clients"]["carer"], person_id)
    for key in KEYS:
        assert canary(key).encode() in body  # revision 1, the one the person agreed with
    for secret in (b"Unagreed-Words-5521", b"Disagree-5521", b"Draft-Words-5521", b"Suggested-Words-5521"):
        assert secret not in body
    page = world["clients"]["carer"].get_page(f"/shared/{person_id}")
    assert "revision 1" in text_of(page, ".app-plan-meta")
    for url in (
        f"/people/{person_id}/plan/history",
        f"/people/{person_id}/plan/revisions/1",
        f"/people/{person_id}/plan",
    ):
        assert world["clients"]["carer"].get(url).status_code == 403


def test_withdrawing_sharing_takes_effect_on_the_carers_next_request(app, world):
    person_id, carer, person = world["person"].id, world["clients"]["carer"], world["clients"]["person"]
    share(app, world, {"warning_signs"})
    assert canary("warning_signs").encode() in carer.get(f"/shared/{person_id}").data
    sections_url = f"/people/{person_id}/involved/{world['involved_id']}/sections"
    response = person.post_form(sections_url, {}, status=302)  # nothing ticked: stop sharing
    assert "cannot see any of the plan now" in text_of(
        person.get_page(response.headers["Location"]), ".nhsuk-notification-banner"
    )
    assert canary("warning_signs").encode() not in carer_responses(carer, person_id)
    with app.app_context():
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.person_id == person_id))]
    assert "sharing.withdrawn" in actions


def test_removing_a_carer_refuses_their_next_request_like_a_missing_page(app, world):
    person_id, carer, person = world["person"].id, world["clients"]["carer"], world["clients"]["person"]
    share(app, world, {"warning_signs"})
    assert carer.get(f"/shared/{person_id}").status_code == 200
    person.post_form(f"/people/{person_id}/involved/{world['involved_id']}/remove", {}, status=302)
    missing = carer.get("/shared/00000000-0000-0000-0000-00000000abcd")
    refused = carer.get(f"/shared/{person_id}")
    assert refused.status_code == missing.status_code == 404
    assert canary("warning_signs").encode() not in refused.data
    assert b"Morgan" not in carer.get("/shared").data
    with app.app_context():
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.person_id == person_id, AuditEvent.outcome == "denied", AuditEvent.actor_role == "carer"
            )
        ).all()
    assert denied


def test_the_person_chooses_sections_with_suggested_defaults_and_nothing_is_shared_until_they_save(app, world):
    person_id, person, carer = world["person"].id, world["clients"]["person"], world["clients"]["carer"]
    url = f"/people/{person_id}/involved/{world['involved_id']}/sections"
    page = person.get_page(url)
    ticked = {box["value"] for box in page.select("input[name=sections][checked]")}
    assert ticked == {"warning_signs", "people_to_ask", "services", "how_others_help"}
    assert "Nothing is shared yet" in page.get_text()
    assert not any(canary(key).encode() in carer.get(f"/shared/{person_id}").data for key in KEYS)
    person.post_form(url, {"sections": ["warning_signs", "how_others_help"]}, status=302)
    body = carer.get(f"/shared/{person_id}").data
    assert canary("warning_signs").encode() in body and canary("how_others_help").encode() in body
    assert canary("people_to_ask").encode() not in body
    overview = person.get_page(f"/people/{person_id}/sharing")
    card = overview.select_one(".app-involved").get_text(" ", strip=True)
    assert "Signs that things are getting harder for me" in card and "How others can help me" in card
    assert "Riverside Test Team" in overview.get_text()


def test_a_clinician_records_the_persons_decision_with_its_date(app, world):
    person_id, clinician = world["person"].id, world["clients"]["clinician"]
    url = f"/people/{person_id}/involved/{world['involved_id']}/sections"
    future = date.today() + timedelta(days=3)
    page = clinician.post_page(
        url,
        {
            "sections": ["reasons"],
            "decided_on[day]": future.day,
            "decided_on[month]": future.month,
            "decided_on[year]": future.year,
        },
    )
    assert "The date must be today or in the past" in text_of(page, ".nhsuk-error-summary")
    page = clinician.post_page(
        url,
        {
            "sections": ["reasons", "not_a_section"],
            "decided_on[day]": 1,
            "decided_on[month]": 1,
            "decided_on[year]": 2026,
        },
    )
    assert "Select parts of the plan from the list" in text_of(page, ".nhsuk-error-summary")
    clinician.post_form(
        url,
        {"sections": ["reasons"], "decided_on[day]": 1, "decided_on[month]": 1, "decided_on[year]": 2026},
        status=302,
    )
    page = clinician.get_page(url)
    assert "1 January 2026" in text_of(page, "main") and "recorded by you" in text_of(page, "main")


def test_involving_someone_and_recording_the_conversation(app, world):
    person_id, clinician = world["person"].id, world["clients"]["clinician"]
    page = clinician.post_page(
        f"/people/{person_id}/involved/new", {"name": "", "kind": "family", "phone": "12", "email": "nope"}
    )
    errors = text_of(page, ".nhsuk-error-summary")
    assert (
        "Enter their name" in errors
        and "Enter a phone number" in errors
        and "Enter an email address in the correct format" in errors
    )
    clinician.post_form(
        f"/people/{person_id}/involved/new",
        {"name": "Robin Sibling", "kind": "family", "relationship": "brother", "phone": "07700 900 555"},
        status=302,
    )
    page = clinician.post_page(f"/people/{person_id}/involvement-conversations/new", {"agreed": ""})
    assert "Enter the date of the conversation" in text_of(page, ".nhsuk-error-summary")
    today = date.today()
    clinician.post_form(
        f"/people/{person_id}/involvement-conversations/new",
        {
            "held_on[day]": today.day,
            "held_on[month]": today.month,
            "held_on[year]": today.year,
            "agreed": "Robin can know my warning signs",
            "own_words": "y",
        },
        status=302,
    )
    page = world["clients"]["person"].get_page(f"/people/{person_id}/sharing")
    text = text_of(page, "main")
    assert "Robin Sibling" in text and "Nothing. No part of the plan is shared with them." in text
    assert "Robin can know my warning signs" in text and "In my words" in text
    with app.app_context():
        sealed = session.scalars(select(InvolvedPerson.name_sealed)).all()
    assert all(b"Robin" not in (value or b"") for value in sealed)


def test_people_see_who_has_looked_at_their_plan(app, world):
    person_id = world["person"].id
    share(app, world, {"reasons"})
    world["clients"]["clinician"].get_page(f"/people/{person_id}/plan")
    world["clients"]["carer"].get_page(f"/shared/{person_id}")
    page = world["clients"]["person"].get_page("/my-plan/who-has-looked")
    rows = [" ".join(tr.get_text(" ", strip=True).split()) for tr in page.select("tbody tr")]
    assert any("Jamie Carer" in row and "Family, friend or carer" in row and "Read your plan" in row for row in rows)
    assert any("Clinician in your care team" in row and "Read your plan" in row for row in rows)
    with app.app_context():
        own_name = "Own Account"
    assert not any(own_name in row for row in rows)  # the person's own looks are left out
    assert len(rows) == 2


def test_who_has_looked_is_one_row_per_person_per_day_with_the_times_on_request(app, world, monkeypatch):
    from safetyplan.audit import record
    from safetyplan.audit import services as audit_services

    person_id = world["person"].id
    clinician = world["clients"]["clinician"]
    with app.app_context(), transaction(), monkeypatch.context() as clock:
        clock.setattr(audit_services, "utcnow", lambda: utcnow() - timedelta(days=2))  # printed it two days ago
        record("plan.printed", by=world["clinician"], grounds=Grounds.role("clinician"), person_id=person_id)
    for _ in range(6):  # a few minutes of work today: the same pages, again and again
        clinician.get_page(f"/people/{person_id}/plan")
    clinician.get_page(f"/people/{person_id}/plan/history")
    page = world["clients"]["person"].get_page("/my-plan/who-has-looked")
    rows = page.select("tbody tr")
    assert len(rows) == 2  # today, and two days ago
    today = " ".join(rows[0].get_text(" ", strip=True).split())
    assert "Read your plan; Looked at earlier versions" in today
    assert "7 times: see when" in today
    times = [li.get_text(" ", strip=True) for li in rows[0].select("details li")]
    assert len(times) == 7 and times[0].endswith("Looked at earlier versions")  # newest first
    assert "Opened your plan to print it" in rows[1].get_text() and "1 time: see when" in rows[1].get_text()


# Invitations ---------------------------------------------------------------------------------------------------


def invite(app, world, email="new.carer@example.com"):
    """Involve someone new and send them an invitation from the person's own pages; returns (token, involved)."""
    person_id, person = world["person"].id, world["clients"]["person"]
    person.post_form(
        f"/people/{person_id}/involved/new", {"name": "Casey New", "kind": "friend", "email": email}, status=302
    )
    with app.app_context():
        involved = next(
            i
            for i in session.scalars(select(InvolvedPerson).where(InvolvedPerson.person_id == person_id))
            if i.name == "Casey New"
        )
    person.post_form(
        f"/people/{person_id}/involved/{involved.id}/invite", {}, status=302, from_url=f"/people/{person_id}/sharing"
    )
    message = app.extensions["safetyplan.outbox"].sent[-1]
    assert message.to == email
    token = re.search(r"/invitation#([\w-]+)", message.body).group(1)
    return token, involved.id


def new_account(token, email="new.carer@example.com"):
    return {
        "token": token,
        "name": "Casey New",
        "email": email,
        "password": "lantern meadow copper tide",
        "confirm": "lantern meadow copper tide",
    }


def test_the_invitation_is_written_in_the_language_of_whoever_sends_it(app, world, outbox):
    with app.app_context(), transaction():
        session.execute(update(User).where(User.person_id == world["person"].id).values(preferred_language="cy"))
    invite(app, world)
    message = outbox.sent[-1]
    assert message.subject == "Gwahoddiad i weld cynllun diogelwch"
    assert "Casey New" in message.body and "/invitation#" in message.body and "{link}" not in message.body


def test_an_invited_carer_makes_an_account_and_sees_the_plan_once_the_person_confirms(app, world, outbox):
    token, involved_id = invite(app, world)
    person_id = world["person"].id
    visitor = PageClient(app.test_client())
    response = visitor.post_form("/invitation", new_account(token), status=302)
    assert response.headers["Location"].startswith("/shared")
    page = visitor.get_page("/shared")
    assert "waiting to be confirmed" in text_of(page, "main") and "Morgan" not in page.get_text()
    assert "authenticator app" in text_of(page, "main")  # a second factor is offered
    assert visitor.get(f"/shared/{person_id}").status_code == 404
    person = world["clients"]["person"]
    overview = person.get_page(f"/people/{person_id}/sharing")
    assert "new.carer@example.com" in overview.get_text()
    person.post_form(
        f"/people/{person_id}/involved/{involved_id}/confirm", {}, status=302, from_url=f"/people/{person_id}/sharing"
    )
    person.post_form(f"/people/{person_id}/involved/{involved_id}/sections", {"sections": ["reasons"]}, status=302)
    body = visitor.get(f"/shared/{person_id}").data
    assert canary("reasons").encode() in body and canary("warning_signs").encode() not in body


def test_an_invitation_works_once(app, world, outbox):
    token, _ = invite(app, world)
    PageClient(app.test_client()).post_form("/invitation", new_account(token), status=302)
    again = PageClient(app.test_client())
    page = again.post_page("/invitation", new_account(token, "someone.else@example.com"), status=410)
    assert "This invitation link does not work" in page.get_text() and "Morgan" not in page.get_text()


def test_an_expired_or_tampered_invitation_gets_a_clear_page_with_no_hint_about_the_person(app, world, outbox):
    token, involved_id = invite(app, world)
    visitor = PageClient(app.test_client())
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = visitor.post_page("/invitation", new_account(tampered), status=410)
    assert "Ask the person who invited you, or their care team, to send you a new invitation." in page.get_text()
    with app.app_context(), transaction():
        session.execute(
            update(CarerInvitation)
            .where(CarerInvitation.involved_id == involved_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    page = visitor.post_page("/invitation", new_account(token), status=410)
    assert "Morgan" not in page.get_text() and "Casey" not in page.get_text()
    with app.app_context():
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.refused")).all()
        assert get_user_by_email("new.carer@example.com") is None  # nothing kept from the refused attempts


def get_user_by_email(email):
    from safetyplan.accounts.users import find_user_by_email

    return find_user_by_email(email)


def test_an_invitation_cannot_be_used_by_another_persons_account(app, team, world, outbox):
    token, involved_id = invite(app, world)
    with app.app_context():
        other = create_account("person", person=create_person(team, name="Other Person"))
    client = PageClient(app.test_client())
    client.sign_in(other)
    page = client.get_page("/invitation", status=403)
    assert "You cannot accept this invitation with this account" in page.get_text()
    with app.app_context():
        csrf = session  # the token must be this client's own, so that only the role check can refuse it
    token_field = client.client.get("/account").get_data(as_text=True)
    own_csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_field) or re.search(
        r'name="csrf_token" value="([^"]+)"', token_field
    )
    response = client.client.post("/invitation", data={"csrf_token": own_csrf.group(1), "token": token})
    assert response.status_code == 403 and csrf is not None
    with app.app_context():
        assert session.get(InvolvedPerson, involved_id).user_id is None
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation.refused", AuditEvent.actor_id == other.id)
        ).all()
    assert refused


def test_a_signed_in_carer_adds_an_invitation_to_their_account(app, world, outbox):
    token, involved_id = invite(app, world)
    with app.app_context():
        carer = create_account("carer", name="Existing Carer")
    client = PageClient(app.test_client())
    client.sign_in(carer)
    page = client.get_page("/invitation")
    assert "You are signed in as Existing Carer" in page.get_text()
    client.post_form("/invitation", {"token": token}, status=302)
    with app.app_context():
        assert session.get(InvolvedPerson, involved_id).user_id == carer.id


def test_an_email_with_an_account_is_told_to_sign_in_and_the_invitation_still_works(app, world, outbox):
    token, _ = invite(app, world, email="taken@example.com")
    with app.app_context():
        create_account("carer", email="taken@example.com")
    page = PageClient(app.test_client()).post_page("/invitation", new_account(token, "taken@example.com"))
    assert "There is already an account with this email address" in text_of(page, ".nhsuk-error-summary")
    PageClient(app.test_client()).post_form("/invitation", new_account(token, "fresh@example.com"), status=302)


# Contributions -------------------------------------------------------------------------------------------------


def test_a_carer_adds_what_they_will_do_and_the_person_accepts_it_attributed_to_the_carer(app, world):
    person_id, carer, person = world["person"].id, world["clients"]["carer"], world["clients"]["person"]
    share(app, world, {"carers_will_do", "warning_signs"})
    page = carer.get_page(f"/shared/{person_id}/suggest")
    assert {radio["value"] for radio in page.select("input[name=section]")} == {"warning_signs", "carers_will_do"}
    forged = carer.client.post(
        f"/shared/{person_id}/suggest",
        data={
            "csrf_token": carer.csrf_token(f"/shared/{person_id}/suggest"),
            "section": "reasons",
            "text": "Forged-8813",
        },
    )
    assert forged.status_code == 200 and "Select the part of the plan" in forged.get_data(
        as_text=True
    )  # not a choice offered
    blank = carer.post_page(f"/shared/{person_id}/suggest", {"section": "carers_will_do", "text": "   "})
    assert "Write what you want to add" in text_of(blank, ".nhsuk-error-summary")
    with app.app_context():
        from safetyplan.plans.models import Suggestion

        assert session.scalars(select(Suggestion)).all() == []
    carer.post_form(
        f"/shared/{person_id}/suggest", {"section": "carers_will_do", "text": "I will ring every Sunday"}, status=302
    )
    my_plan = person.get_page("/my-plan")
    card = my_plan.select_one(".app-suggestion").get_text(" ", strip=True)
    assert "I will ring every Sunday" in card and "Jamie Carer" in card
    form = my_plan.select_one(".app-suggestion form")
    prefix = form.select_one("input[type=radio]")["name"]
    person.post_form(form["action"], {prefix: "accept"}, status=302, from_url="/my-plan")
    section = carer.get_page(f"/shared/{person_id}").select_one("#section-carers_will_do").get_text(" ", strip=True)
    assert "I will ring every Sunday" in section and "Includes words added by Jamie Carer" in section
    assert "I will ring every Sunday" in carer.get_page(f"/shared/{person_id}").select_one("dl").get_text()


def test_a_declined_contribution_is_not_shown_to_anyone_else(app, world):
    person_id, carer, person, clinician = (
        world["person"].id,
        world["clients"]["carer"],
        world["clients"]["person"],
        world["clients"]["clinician"],
    )
    with app.app_context():
        second = create_account("carer", name="Second Carer")
        link_carer(world["person"], second, sections={"carers_will_do"}, by=world["clinician"])
    share(app, world, {"carers_will_do"})
    carer.post_form(
        f"/shared/{person_id}/suggest", {"section": "carers_will_do", "text": "Declined-Words-8812"}, status=302
    )
    form = person.get_page("/my-plan").select_one(".app-suggestion form")
    prefix = form.select_one("input[type=radio]")["name"]
    person.post_form(
        form["action"],
        {prefix: "decline", prefix.replace("decision", "answer"): "Not now, thank you"},
        status=302,
        from_url="/my-plan",
    )
    other = PageClient(app.test_client())
    other.sign_in(second)
    assert b"Declined-Words-8812" not in other.get(f"/shared/{person_id}").data
    assert b"Declined-Words-8812" not in clinician.get(f"/people/{person_id}/plan").data
    assert b"Declined-Words-8812" not in person.get("/my-plan").data
    own = carer.get_page(f"/shared/{person_id}").get_text(" ", strip=True)
    assert "Declined-Words-8812" in own and "Not now, thank you" in own


def test_the_carer_reads_in_their_own_language(app, world):
    share(app, world, {"warning_signs"})
    with app.app_context():
        welsh = create_account("carer", name="Carys", language="cy")
        link_carer(world["person"], welsh, sections={"warning_signs"}, by=world["clinician"])
    client = PageClient(app.test_client())
    client.sign_in(welsh)
    page = client.get_page(f"/shared/{world['person'].id}")
    assert page.html["lang"] == "cy"
    assert text_of(page, "h1") == "Cynllun diogelwch Mo"
    assert canary("warning_signs") in page.get_text()


def test_a_weak_password_or_taken_email_at_sign_up_keeps_nothing_and_the_invitation_still_works(app, world, outbox):
    token, _ = invite(app, world)
    visitor = PageClient(app.test_client())
    page = visitor.post_page("/invitation", {**new_account(token), "password": "short", "confirm": "short"})
    assert text_of(page, ".nhsuk-error-summary")
    assert get_user_in_app(app, "new.carer@example.com") is None
    visitor.post_form("/invitation", new_account(token), status=302)
    assert get_user_in_app(app, "new.carer@example.com") is not None


def get_user_in_app(app, email):
    with app.app_context():
        return get_user_by_email(email)


def test_a_removed_carer_can_be_involved_again_and_a_wrong_account_unlinked(app, world, outbox):
    person_id, person, carer = world["person"].id, world["clients"]["person"], world["clients"]["carer"]
    person.post_form(f"/people/{person_id}/involved/{world['involved_id']}/remove", {}, status=302)
    token, involved_id = invite(app, world, email="jamie.again@example.com")
    carer.post_form("/invitation", {"token": token}, status=302)
    overview = f"/people/{person_id}/sharing"
    person.post_form(f"/people/{person_id}/involved/{involved_id}/unlink", {}, status=302, from_url=overview)
    with app.app_context():
        assert session.get(InvolvedPerson, involved_id).user_id is None
    person.post_form(f"/people/{person_id}/involved/{involved_id}/invite", {}, status=302, from_url=overview)
    token = re.search(r"/invitation#([\w-]+)", app.extensions["safetyplan.outbox"].sent[-1].body).group(1)
    carer.post_form("/invitation", {"token": token}, status=302)
    person.post_form(f"/people/{person_id}/involved/{involved_id}/confirm", {}, status=302, from_url=overview)
    person.post_form(f"/people/{person_id}/involved/{involved_id}/sections", {"sections": ["reasons"]}, status=302)
    assert canary("reasons").encode() in carer.get(f"/shared/{person_id}").data


def test_a_person_cannot_decide_a_suggestion_on_someone_elses_plan(app, world, team):
    share(app, world, {"carers_will_do"})
    world["clients"]["carer"].post_form(
        f"/shared/{world['person'].id}/suggest", {"section": "carers_will_do", "text": "Mine to decide"}, status=302
    )
    with app.app_context():
        from safetyplan.plans.models import Suggestion

        suggestion = session.scalars(select(Suggestion)).one()
        stranger = create_account("person", person=create_person(team, name="Someone Else"))
    client = PageClient(app.test_client())
    client.sign_in(stranger)
    account_page = client.client.get("/account/password").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', account_page).group(1)
    response = client.client.post(
        f"/suggestions/{suggestion.id}/decision",
        data={"csrf_token": csrf, f"s{suggestion.id.hex[:8]}-decision": "accept"},
    )
    assert response.status_code == 404
    with app.app_context():
        assert session.get(Suggestion, suggestion.id).status == "waiting"


def test_a_suggestion_after_sharing_is_withdrawn_is_refused(app, world):
    person_id, carer = world["person"].id, world["clients"]["carer"]
    share(app, world, {"warning_signs"})
    token = carer.csrf_token(f"/shared/{person_id}/suggest")
    share(app, world, set())
    response = carer.client.post(
        f"/shared/{person_id}/suggest", data={"csrf_token": token, "section": "warning_signs", "text": "Too late"}
    )
    assert response.status_code == 200 and "Select the part of the plan" in response.get_data(as_text=True)
    with app.app_context():
        from safetyplan.plans.models import Suggestion

        assert session.scalars(select(Suggestion)).all() == []


def help_now_links(page) -> list[tuple[str, str]]:
    block = page.select_one(".app-help-now")
    return [(link["href"], " ".join(link.get_text(" ", strip=True).split())) for link in block.select("a")]


def test_need_help_now_comes_first_on_the_persons_plan_with_one_tap_calls(app, world):
    with app.app_context(), transaction() as db:
        from safetyplan.accounts.models import Team

        db.execute(update(Team).values(phone="01632 960 001"))
    page = world["clients"]["person"].get_page("/my-plan")
    main = page.select_one("main")
    first_section = main.select_one(".app-help-now, .app-plan-section")
    assert "app-help-now" in first_section["class"]  # before any part of the plan
    links = help_now_links(page)
    assert links[0] == ("tel:01632960001", "Call Riverside Test Team 01632 960 001")
    hrefs = [href for href, _ in links]
    assert {"tel:116123", "tel:111", "sms:85258", "tel:999"} <= set(hrefs)
    assert any("choose option 2 for mental health" in text for _, text in links)
    welsh = world["clients"]["person"].get_page("/my-plan?lang=cy")
    assert text_of(welsh, ".app-help-now h2") == "Angen help nawr?"


def test_need_help_now_on_the_carers_view_names_the_team_only_when_services_are_shared(app, world):
    with app.app_context(), transaction() as db:
        from safetyplan.accounts.models import Team

        db.execute(update(Team).values(phone="01632 960 001"))
    carer = world["clients"]["carer"]
    share(app, world, {"reasons"})
    page = carer.get_page(f"/shared/{world['person'].id}")
    hrefs = [href for href, _ in help_now_links(page)]
    assert "tel:999" in hrefs and "sms:85258" in hrefs
    assert "tel:01632960001" not in hrefs  # which team holds them is not shared
    share(app, world, {"reasons", "services"})
    assert "tel:01632960001" in [href for href, _ in help_now_links(carer.get_page(f"/shared/{world['person'].id}"))]
