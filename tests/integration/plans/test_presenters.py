"""Plan page pieces built in Python rather than in templates: the same markup as the NHS.UK macros and Flask-Babel's
filters would give, with everything that is not ours escaped."""

from datetime import UTC, datetime
from types import SimpleNamespace

from flask_babel import format_datetime

from safetyplan.plans.presenters import datetime_formatter, history_rows

PERSON = "0b6f0b6f-0000-4000-8000-000000000001"


def revision(number, *, reason="scheduled_review", agrees=True, declined=False, restored_from=None, at=None):
    return SimpleNamespace(
        number=number,
        reason=reason,
        person_agrees=agrees,
        declined=declined,
        restored_from=restored_from,
        created_at=at or datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
    )


def test_moments_read_as_flask_babel_writes_them_in_english_and_welsh(app):
    moments = [datetime(2026, 1, 5, 9, 7, tzinfo=UTC), datetime(2026, 7, 1, 23, 30, tzinfo=UTC)]  # GMT and BST
    for language in ("en", "cy"):
        with app.test_request_context(f"/?lang={language}"):
            formatted = datetime_formatter()
            for moment in moments:
                assert formatted(moment) == format_datetime(moment, "d MMM yyyy, HH:mm")
    with app.test_request_context("/"):
        assert datetime_formatter()(moments[1]) == "2 Jul 2026, 00:30"  # London time, past midnight


def test_history_rows_escape_what_is_not_ours_and_mark_each_revision(app):
    reasons = {"scheduled_review": "Review & <check>", "crisis": "Ar ôl argyfwng"}
    rows = [
        revision(3, restored_from=1),
        revision(2, reason="crisis", agrees=None, declined=True),
        revision(1, reason="unknown<reason>", agrees=False),
    ]
    with app.test_request_context("/"):
        html = [str(row) for row in history_rows(PERSON, rows, reasons)]
    assert "Review &amp; &lt;check&gt; (from revision 1)" in html[0]
    assert "Ar ôl argyfwng (offered and declined)" in html[1]
    assert "unknown&lt;reason&gt;" in html[2] and "<reason>" not in html[2]
    assert [">Yes<" in html[0], ">Not asked<" in html[1], ">No<" in html[2]] == [True, True, True]
    assert f'href="/people/{PERSON}/plan/revisions/3">Revision 3</a>' in html[0]
    # The newest is chosen to compare to, the one before it to compare from.
    assert 'id="to-3" name="to" type="radio" value="3" checked>' in html[0]
    assert 'id="from-2" name="from" type="radio" value="2" checked>' in html[1]
    assert " checked" not in html[2]
    assert '<span class="nhsuk-u-visually-hidden">Compare from revision 1</span>' in html[2]


def test_a_person_whose_id_holds_the_placeholder_digits_gets_the_right_links(app):
    person = "00000000-0000-4000-8000-000987654321"
    with app.test_request_context("/"):
        [html] = [str(row) for row in history_rows(person, [revision(5)], {"scheduled_review": "Review"})]
    assert f'href="/people/{person}/plan/revisions/5"' in html


def test_welsh_history_rows_escape_the_translation_once(app):
    with app.test_request_context("/?lang=cy"):
        [html] = [str(row) for row in history_rows(PERSON, [revision(1)], {"scheduled_review": "wedi'i drefnu"})]
    assert "wedi&#39;i drefnu" in html and "&amp;#39;" not in html
