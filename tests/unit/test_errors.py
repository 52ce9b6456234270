"""Every domain error a service raises has a message in its package's catalogue, and lands on the field it names."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from wtforms import Form, StringField

import safetyplan
from safetyplan.accounts.errors import AccountError, NotAllowed, SignInRefused, Throttled
from safetyplan.accounts.passwords import PasswordProblem
from safetyplan.assurance.documents import DocumentProblem
from safetyplan.errors import DomainError
from safetyplan.exchange.reading import ImportRefused
from safetyplan.exchange.sending import SendingError
from safetyplan.identity.services import IdentityRefused
from safetyplan.offline.devices import DeviceError
from safetyplan.people.services import PersonError
from safetyplan.plans.errors import PlanError
from safetyplan.sharing.errors import SharingError
from safetyplan.web.forms import add_error, show_error

PACKAGE = Path(safetyplan.__file__).parent
ERRORS: dict[str, type[DomainError]] = {
    cls.__name__: cls
    for cls in (
        AccountError,
        SignInRefused,
        PasswordProblem,
        DocumentProblem,
        ImportRefused,
        SendingError,
        IdentityRefused,
        DeviceError,
        PersonError,
        PlanError,
        SharingError,
    )
}


def raised_codes() -> list[tuple[str, str, str]]:
    """(where, error class, code) for every ``raise SomeError("code", ...)`` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ERRORS and node.exc.args and isinstance(node.exc.args[0], ast.Constant):
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", name, node.exc.args[0].value))
    return found


def test_the_scan_finds_the_codes_services_raise():
    codes = {(name, code) for _where, name, code in raised_codes()}
    assert ("PlanError", "review_date_past") in codes
    assert ("SharingError", "no_email") in codes
    assert len(codes) > 30


@pytest.mark.parametrize(("where", "name", "code"), raised_codes())
def test_every_code_raised_has_a_message_in_its_catalogue(where, name, code):
    assert code in ERRORS[name].messages, f"{where}: {name}({code!r}) has no message in its package's messages.py"


def test_every_domain_error_class_in_the_package_is_checked():
    classes = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = importlib.import_module(
            "safetyplan." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        )
        classes |= {
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, DomainError) and value.__module__ == module.__name__
        }
    # These two take no code: their one message is checked below.
    assert classes - {DomainError, Throttled, NotAllowed} == set(ERRORS.values())
    assert NotAllowed().code in NotAllowed.messages


class _Form(Form):
    email = StringField()
    clinician = StringField()


@pytest.fixture
def app():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


def test_an_error_lands_on_the_field_it_names(app):
    form = _Form()
    show_error(form, AccountError("email_taken", field="email"))
    assert form.email.errors == ["An account with this email address already exists"]
    assert list(form.clinician.errors) == [] and form.form_errors == []


def test_a_field_named_otherwise_on_the_form_is_mapped(app):
    form = _Form()
    show_error(form, AccountError("already_a_member", field="user"), fields={"user": "clinician"})
    assert form.clinician.errors == ["This clinician is already in the team"]
    assert list(form.email.errors) == []


def test_an_error_about_no_field_of_this_form_goes_to_the_whole_form(app):
    form = _Form()
    show_error(form, PlanError("no_plan"))
    show_error(form, PlanError("review_date_past", field="next_review_on"))
    assert form.form_errors == [
        "There is no plan to add to yet. You can add to it once it is written.",
        "Enter a review date in the future",
    ]
    assert list(form.email.errors) == [] and list(form.clinician.errors) == []


def test_add_error_keeps_the_errors_already_there(app):
    form = _Form()
    add_error(form, "first", field="email")
    add_error(form, "second", field="email")
    assert form.email.errors == ["first", "second"]


def test_a_throttled_sign_in_says_for_how_long(app):
    assert Throttled(1).message == "You have tried to sign in too many times. Try again in 1 minute."
    assert Throttled(5).message == "You have tried to sign in too many times. Try again in 5 minutes."
