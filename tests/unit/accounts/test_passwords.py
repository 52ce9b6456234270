import pytest

from safetyplan.accounts.passwords import PasswordProblem, check_new_password


def problem(password, email="sam.jones@example.com", name="Sam Jones"):
    try:
        check_new_password(password, email=email, name=name)
    except PasswordProblem as refused:
        return refused.code
    return None


def test_a_long_passphrase_is_accepted():
    assert problem("kettle orchard violet sunrise") is None


def test_no_composition_rules():
    assert problem("all lower case words here") is None


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short one", "too_short"),
        ("x" * 257, "too_long"),
        ("password1234", "common"),
        ("Password-1234", "common"),
        ("aaaaaaaaaaaaaa", "common"),
        ("abababababababab", "common"),
        ("sam.jones@example.com!", "personal"),
        ("jones family holidays", "personal"),
    ],
)
def test_refused_passwords(password, code):
    assert problem(password) == code
