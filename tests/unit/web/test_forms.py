"""The date field: exactly what was typed is kept, and only a real date gets through."""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from safetyplan.web.forms import DateParts, DateRequired


class DateForm(Form):
    when = DateParts(validators=[DateRequired()], missing="Enter the date", invalid="The date must be a real date")


def typed(day: str, month: str, year: str) -> DateForm:
    form = DateForm(MultiDict({"when[day]": day, "when[month]": month, "when[year]": year}))
    form.validate()
    return form


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("7", "4", "1991", date(1991, 4, 7)),
        ("07", "04", "2027", date(2027, 4, 7)),
        (" 1 ", "12", "2026", date(2026, 12, 1)),
    ],
)
def test_a_real_date_is_read(day, month, year, expected):
    form = typed(day, month, year)
    assert form.when.data == expected and not form.errors


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("99999999999999999999", "1", "2027"),  # too large for a date: OverflowError, before
        ("1", "99999999999999999999", "2027"),
        ("1", "1", "99999999999999999999"),
        ("1", "1", "9" * 5000),
        ("31", "2", "2027"),
        ("1", "13", "2027"),
        ("0", "1", "2027"),
        ("1", "1", "27"),  # two digits of a year could be any century
        ("1", "1", "1899"),
        ("-1", "1", "2027"),
        ("+1", "1", "2027"),
        ("1_0", "1", "2027"),  # Python's int() reads this as 10
        ("\u0661", "1", "2027"),  # ARABIC-INDIC DIGIT ONE: int() reads it, a person would not
        ("1", "1", "２０２７"),  # full-width digits
        ("1.5", "1", "2027"),
        ("one", "1", "2027"),
        ("1", "", "2027"),
    ],
)
def test_anything_else_is_refused_with_the_fields_message_and_kept_as_typed(day, month, year):
    form = typed(day, month, year)
    assert form.when.data is None
    assert form.errors == {"when": ["The date must be a real date"]}
    assert (form.when.day_value, form.when.month_value, form.when.year_value) == (
        day.strip(),
        month.strip(),
        year.strip(),
    )


def test_nothing_typed_asks_for_the_date():
    assert typed("", "", "").errors == {"when": ["Enter the date"]}
