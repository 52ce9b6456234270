import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetyplan.people.identifiers import format_nhs_number, normalise_nhs_number, normalise_phone


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_valid_nhs_numbers_are_normalised(typed):
    assert normalise_nhs_number(typed) == "9434765919"


@pytest.mark.parametrize(
    "typed",
    ["9434765918", "943476591", "94347659190", "94347659l9", "", "1234567890", "0000000001"],
    ids=["wrong check digit", "9 digits", "11 digits", "a letter", "empty", "check digit 10", "bad check"],
)
def test_invalid_nhs_numbers_are_refused(typed):
    assert normalise_nhs_number(typed) is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_fits_or_none_does(nine):
    fitting = [d for d in "0123456789" if normalise_nhs_number(nine + d)]
    assert len(fitting) <= 1


def test_nhs_numbers_show_as_three_three_four():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    "typed", ["01632 960 001", "07700 900 982", "+44 808 157 0192", "116 123", "999", "85258", "(01632) 960001"]
)
def test_phone_numbers_people_use(typed):
    assert normalise_phone(typed) is not None


@pytest.mark.parametrize("typed", ["call me", "0123", "+1", "07700 900 982 ext 5", "12", "0770090098212345"])
def test_phone_numbers_that_cannot_be_called(typed):
    assert normalise_phone(typed) is None
