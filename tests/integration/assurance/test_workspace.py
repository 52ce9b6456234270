"""The auditor's workspace as auditors use it: the report, measures, trail and document scan, and no plan text
anywhere in it."""

from __future__ import annotations

import gc
import io
import warnings

import pytest
from sqlalchemy import func, select

from safetyplan.assurance.pseudonyms import person_reference
from safetyplan.audit.models import AuditEvent
from safetyplan.db import session
from safetyplan.plans.sections import sections
from tests.factories import create_account, create_person, link_carer, write_plan
from tests.pages import check_page, text_of

CANARY = "Canary-Wren-6620"


def canary_plan() -> dict:
    """A canary in every section; one line a clinician wrote that reads as a level, beside a canary."""
    content: dict = {}
    for part in sections():
        words = f"{CANARY} {part.key}"
        if part.kind == "contacts":
            content[part.key] = {"contacts": [{"name": words, "relationship": CANARY, "phone": "07700 900 111"}]}
        elif part.kind == "helps":
            content[part.key] = {"helps": [words], "does_not_help": [words]}
        else:
            content[part.key] = {"items": [words]}
    content["warning_signs"]["items"].append(f"{CANARY} was judged to be high risk")
    return content


@pytest.fixture
def world(app, team):
    with app.app_context():
        person = create_person(team, name=f"{CANARY} Person", nhs_number="9990000018")
        clinician = create_account("clinician", team=team, email="kai.clinician@example.com")
        write_plan(person, clinician, content=canary_plan(), disagreement=CANARY)
        link_carer(person, create_account("carer", name=f"{CANARY} Carer"), sections={"reasons"}, by=clinician)
    return person


def auditor_pages(client, person) -> list[bytes]:
    with client.client.application.app_context():
        reference = person_reference(person.id)
    urls = ["/assurance/", "/assurance/measures", "/assurance/measures.csv", "/audit/", "/assurance/scan"]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.data)
    for search in ({"reference": reference}, {"action": "plan.viewed"}):
        bodies.append(client.post_form("/audit/", search).data)
    return bodies


def cell_text(cell) -> str:
    """A table cell's own text, without the heading repeated in it for narrow screens."""
    for heading in cell.select(".nhsuk-table__heading"):
        heading.extract()
    return cell.get_text(" ", strip=True)


def search(client, **fields) -> object:
    """The audit trail searched as the page's form sends it."""
    return check_page(client.post_form("/audit/", fields).data)


def test_no_plan_text_reaches_any_auditor_page(app, world, auditor_client):
    bodies = auditor_pages(auditor_client, world)
    scanned = auditor_client.post_form(
        "/assurance/scan",
        {"document": (io.BytesIO(f"{CANARY} judged to be high risk\n".encode()), "export.txt")},
        content_type="multipart/form-data",
    )
    for body in [*bodies, scanned.data]:
        assert CANARY.encode() not in body
    assert b"high risk" in scanned.data


def test_the_report_lists_the_finding_by_reference_with_the_matched_words_only(app, world, auditor_client):
    page = auditor_client.get_page("/assurance/")
    with app.app_context():
        reference = person_reference(world.id)
    rows = [" ".join(tr.get_text(" ", strip=True).split()) for tr in page.select("table")[-1].select("tbody tr")]
    assert len(rows) == 1
    assert reference in rows[0] and "Riverside Test Team" in rows[0] and "Clinician" in rows[0]
    assert "high risk" in rows[0] and "A level given to a person" in rows[0]
    assert "Passed." in text_of(page, "main")


def test_a_reference_is_stable_and_reveals_nothing(app, world):
    with app.app_context():
        first, second = person_reference(world.id), person_reference(world.id)
    assert first == second and first.startswith("P-") and world.id.hex[:8].upper() not in first


def test_the_trail_is_searched_by_user_reference_action_and_date(app, world, auditor_client):
    with app.app_context():
        reference = person_reference(world.id)
    by_user = search(auditor_client, email="kai.clinician@example.com")
    actions = {cell_text(tr.select("td")[1]) for tr in by_user.select("tbody tr")}
    assert "Saved a revision of a plan" in actions and "Made an account" not in actions
    by_reference = search(auditor_client, reference=reference, action="plan.revised")
    rows = by_reference.select("tbody tr")
    assert len(rows) == 1 and reference in rows[0].get_text()
    assert "Clinician" in rows[0].get_text()  # staff are named with their role
    future = search(auditor_client, since="2999-01-01")
    assert "No events match your search." in text_of(future, "main")
    wrong = search(auditor_client, reference="P-NOTAREFERENCE")
    assert "No events match your search." in text_of(wrong, "main")
    bad = search(auditor_client, since="27/3/2026")
    assert "Enter dates like 2026-03-27" in text_of(bad, "main")


def test_the_trail_never_names_the_person_or_their_carer(app, world, auditor_client, team):
    from tests.pages import PageClient

    with app.app_context():
        own = create_account("person", person=world, name=f"{CANARY} Own", email="own.person@example.com")
        clinician = create_account("clinician", team=team)
        carer = create_account("carer", name=f"{CANARY} Second Carer", email="second.carer@example.com")
        link_carer(world, carer, sections={"reasons"}, by=clinician)
    for account, url in ((own, "/my-plan"), (carer, f"/shared/{world.id}")):
        client = PageClient(app.test_client())
        client.sign_in(account)
        client.get_page(url)
    page = auditor_client.get_page("/audit/")
    assert CANARY not in page.get_text()
    roles = {tr.select("td")[2].get_text(" ", strip=True).split(" ", 1)[-1] for tr in page.select("tbody tr")}
    assert {"Person with a safety plan", "Family member, friend or carer"} <= roles
    # Searching by a person's or a carer's own email finds nothing: it would tie them to their reference.
    for email in ("own.person@example.com", "second.carer@example.com"):
        assert "No events match your search." in text_of(search(auditor_client, email=email), "main")


def test_a_date_far_in_the_future_is_not_an_error(app, auditor_client):
    page = search(auditor_client, until="9999-12-31", since="0001-01-01")
    assert page.select("tbody tr")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "The selected file is empty"),
        (b"   \n", "blank.txt", "The selected file is empty"),
        (b"high risk\x00\x01\x02" * 10, "binary.txt", "The selected file is not text"),
        (b"caf\xe9 judged high risk", "latin.txt", "could not be read. Save it as UTF-8"),
        (b"high risk", "sheet.xlsx", "must be a text (.txt), CSV (.csv) or HTML (.html) file"),
    ],
)
def test_a_bad_upload_gets_a_clear_message(app, auditor_client, data, name, message):
    response = auditor_client.post_form(
        "/assurance/scan", {"document": (io.BytesIO(data), name)}, status=400, content_type="multipart/form-data"
    )
    assert message in " ".join(check_page(response.data).get_text(" ", strip=True).split())


def post_large(client, data: bytes, status: int):
    """Werkzeug's test client spools a large body to a temporary file it never closes: collect it here, so that
    its warning does not surface in a later test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        token = client.csrf_token("/assurance/scan")
        response = client.client.post(
            "/assurance/scan",
            data={"csrf_token": token, "document": (io.BytesIO(data), "big.txt")},
            content_type="multipart/form-data",
        )
        found_status, text = response.status_code, check_page(response.data).get_text(" ", strip=True)
        response.request.input_stream.close()
        del response
        gc.collect()
    assert found_status == status
    return text


def test_an_upload_over_2_mb_gets_a_clear_message(app, auditor_client):
    assert "smaller than 2 MB" in post_large(auditor_client, b"x" * (2 * 1024 * 1024 + 1), 400)


def test_no_file_is_asked_for(app, auditor_client):
    response = auditor_client.post_form("/assurance/scan", {}, status=400, content_type="multipart/form-data")
    assert "Select a file to scan" in check_page(response.data).get_text()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Name,Risk\nA,RAG rated red\nB,risk: low\n", "export.csv"),
        (
            b"<html><body><script>var x='high risk'</script><p>RAG rated red</p><td>risk: low</td></body></html>",
            "export.html",
        ),
        ("\ufeffRAG rated red\nrisk: low\n".encode("utf-16"), "export.txt"),
    ],
)
def test_csv_html_and_utf16_exports_are_scanned_and_nothing_is_kept(app, auditor_client, data, name):
    with app.app_context():
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    response = auditor_client.post_form(
        "/assurance/scan", {"document": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    page = check_page(response.data)
    found = [" ".join(tr.get_text(" ", strip=True).split()) for tr in page.select("tbody tr")]
    assert len(found) == 2 and "RAG rated red" in found[0]
    with app.app_context():
        scans = session.scalars(select(AuditEvent).where(AuditEvent.action == "assurance.document_scanned")).all()
        assert [event.section for event in scans] == ["findings:2"]
        assert session.scalar(select(func.count()).select_from(AuditEvent)) > events_before


def test_measures_with_no_data_say_so_rather_than_zero(app, auditor_client, team):
    page = auditor_client.get_page(f"/assurance/measures?team={team.id}")
    cells = [td.get_text(" ", strip=True) for td in page.select("#measure-made_with_person ~ div td")]
    assert any("No data yet" in cell for cell in cells)
    assert not any(cell.endswith("0%") for cell in cells)
    declined = [td.get_text(" ", strip=True) for td in page.select("#measure-declined ~ div td")]
    assert declined and all(cell.endswith("No data yet") for cell in declined[1::2])
    assert auditor_client.get("/assurance/measures?team=not-a-team").status_code == 404


def test_a_far_too_large_upload_gets_a_clear_page(app, auditor_client):
    assert "What you sent is too large" in post_large(auditor_client, b"x" * (5 * 1024 * 1024), 413)


def test_the_scan_result_names_the_file_that_was_scanned(app, auditor_client):
    response = auditor_client.post_form(
        "/assurance/scan",
        {"document": (io.BytesIO(b"RAG rated red\n"), "exports/ward-template.txt")},
        content_type="multipart/form-data",
    )
    assert text_of(check_page(response.data), "main h2") == "What the scan found in ward-template.txt"
    clean = auditor_client.post_form(
        "/assurance/scan",
        {"document": (io.BytesIO(b"Feeling low today\n"), "notes <b>.txt")},
        content_type="multipart/form-data",
    )
    page = check_page(clean.data)
    assert "Nothing found in notes <b>.txt." in text_of(page, "main")  # shown as text, never as markup
    assert page.select_one("main b") is None


def test_the_trail_shows_plain_english_in_welsh_too_and_no_raw_codes(app, world, auditor_client):
    from safetyplan.audit.actions import ACTIONS

    for lang in ("en", "cy"):
        page = auditor_client.get_page(f"/audit/?lang={lang}")
        shown = [cell_text(tr.select("td")[1]) for tr in page.select("tbody tr")]
        assert shown and not any(code in cell for cell in shown for code in ACTIONS)
        options = [option.get_text() for option in page.select("#action option")]
        assert not any(code in options for code in ACTIONS)
    assert "Searched the audit trail" not in page.get_text()  # the English page's own search, shown in Welsh


def test_the_trail_pages_through_fifty_events_at_a_time(app, auditor_client, world):
    from safetyplan.audit import Grounds, record
    from safetyplan.db import transaction

    with app.app_context(), transaction():
        for _ in range(120):
            record("plan.viewed", by=None, grounds=Grounds.NONE)
    with app.app_context():
        total = session.scalar(select(func.count()).select_from(AuditEvent))
    pages = [auditor_client.get_page("/audit/")]
    while (older := pages[-1].select_one(".app-trail-pages a.nhsuk-button")) is not None:
        pages.append(auditor_client.get_page(older["href"]))
    sizes = [len(page.select("tbody tr")) for page in pages]
    assert sizes[:-1] == [50] * (len(pages) - 1) and 0 < sizes[-1] <= 50
    assert sum(sizes) == total  # every event once: each page's own search is newer than where it starts
    assert "Older events, newest first" in text_of(pages[1], "caption")
    assert pages[1].select_one(".app-trail-pages a[href='/audit/']") is not None
    # A search pages by form too, carrying its own query and never putting it in the address.
    searched = search(auditor_client, action="plan.viewed")
    button = searched.select_one(".app-trail-pages form")
    assert button["method"] == "post" and button.select_one("input[name=action]")["value"] == "plan.viewed"
