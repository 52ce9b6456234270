"""Wording that reads as a risk level, as clinicians meet it while saving: a gentle note, never a block, and
metadata (never the text around it) kept for the auditors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from safetyplan.db import session
from safetyplan.plans.models import PlanRevision, StratificationFinding
from tests.factories import create_person
from tests.integration.plans.test_pages import editor_data
from tests.pages import text_of

NOTE = "This reads as a risk level. NICE advises describing what the person needs and what helps instead."


@pytest.fixture
def person(app, team):
    with app.app_context():
        return create_person(team, name="Quinn Wording-Test")


def revisions(app) -> int:
    with app.app_context():
        return session.scalar(select(func.count()).select_from(PlanRevision))


def findings(app) -> list[StratificationFinding]:
    """Every stored finding, its sealed matched words opened while the app is at hand."""
    with app.app_context():
        found = list(session.scalars(select(StratificationFinding)))
        for finding in found:
            finding.__dict__["matched_text"] = str(finding.matched)
        return found


def test_a_clinician_is_told_gently_and_may_keep_the_wording(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(
        clinician_client, person.id, warning_signs="Stops eating\nJudged to be high risk after the weekend"
    )
    page = clinician_client.post_page(url, data)
    assert revisions(app) == 0
    note = page.select_one("#edit-warning_signs-wording")
    assert note is not None and NOTE in " ".join(note.get_text(" ", strip=True).split())
    assert "high risk" in note.select_one("q").get_text()
    assert page.select_one("#edit-reasons-wording") is None
    assert "Judged to be high risk after the weekend" in page.select_one("textarea#warning_signs").get_text()
    assert page.select_one("input[name=wording_checked]")["value"] == "1"
    # Saving again keeps the wording as it is.
    response = clinician_client.post_form(url, {**data, "wording_checked": "1"}, status=302)
    assert revisions(app) == 1
    assert "Judged to be high risk" in clinician_client.get(response.headers["Location"]).get_data(as_text=True)
    [finding] = findings(app)
    assert (finding.section, finding.category, finding.author_role) == ("warning_signs", "level-label", "clinician")
    matched = finding.matched_text
    assert "high risk" in matched and "weekend" not in matched and "Judged" not in matched
    with app.app_context():
        sealed = session.scalar(select(StratificationFinding.matched_sealed))
    assert b"high risk" not in sealed  # sealed with the person's key, like the plan


def test_rewording_saves_without_a_finding(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, warning_signs="RAG rating: red")
    assert clinician_client.post_page(url, data).select_one("#edit-warning_signs-wording") is not None
    clinician_client.post_form(
        url, {**data, "wording_checked": "1", "warning_signs": "Stops answering the phone"}, status=302
    )
    assert revisions(app) == 1 and findings(app) == []


def test_the_persons_own_words_are_never_stopped_but_are_counted(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(
        clinician_client, person.id, warning_signs="They told me I am high risk", warning_signs_own_words="y"
    )
    clinician_client.post_form(url, data, status=302)
    [finding] = findings(app)
    assert (finding.section, finding.author_role) == ("warning_signs", "person")


def test_ordinary_words_are_not_flagged(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(
        clinician_client,
        person.id,
        warning_signs="I feel low on Sundays\nMy heart rate is high after a run",
        safer_surroundings="Lock the medicines away",
    )
    clinician_client.post_form(url, data, status=302)
    assert findings(app) == []


def test_a_finding_is_counted_once_when_its_words_were_written(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    data = editor_data(clinician_client, person.id, reasons="Assessed as low risk", wording_checked="1")
    clinician_client.post_form(url, data, status=302)
    again = editor_data(clinician_client, person.id, on_my_own="Go for a walk", reason="scheduled_review")
    clinician_client.post_form(url, again, status=302)
    assert revisions(app) == 2 and len(findings(app)) == 1
    page = clinician_client.get_page(f"/people/{person.id}/plan")
    assert "Assessed as low risk" in text_of(page, "#section-reasons")


def test_fixing_a_typo_near_a_finding_does_not_count_it_again(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    clinician_client.post_form(
        url, editor_data(clinician_client, person.id, reasons="Assessed as low risk", wording_checked="1"), status=302
    )
    again = editor_data(clinician_client, person.id, reasons="Assessed as low risk.", reason="scheduled_review")
    clinician_client.post_form(url, again, status=302)
    assert revisions(app) == 2  # the second save happened, and found the same words again
    assert len(findings(app)) == 1


def test_the_typed_text_is_kept_as_a_draft_when_the_note_appears(app, clinician_client, person):
    url = f"/people/{person.id}/plan/edit"
    clinician_client.post_page(
        url, editor_data(clinician_client, person.id, warning_signs="RAG rated red\nStops eating")
    )
    page = clinician_client.get_page(url)  # the tab closed, then opened again
    assert "Stops eating" in page.select_one("textarea#warning_signs").get_text()
    assert page.select_one("input[name=wording_checked]")["value"] == ""
