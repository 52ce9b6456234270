"""The base of every form, and how a form page survives an expired CSRF token without losing what was typed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar, TypeVar

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField

# types-wtforms 3.2 predates SelectChoice, which WTForms 3.3 added.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation

from safetyplan.errors import DomainError

View = TypeVar("View", bound=Callable[..., Any])

STALE_PAGE_MESSAGE = _l(
    "This page was open for too long, so nothing was saved. Check your answers below and submit them again."
)


def limit(most: int) -> Length:
    """At most ``most`` characters, with a message that says the limit."""
    return Length(max=most, message=_l("Must be %(limit)d characters or fewer", limit=most))


def options(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    """Choices for a select or radios field, from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def chosen_values(field: Any) -> set[str]:
    return {SelectChoice.from_input(choice).value for choice in field.choices}


def add_error(form: Any, message: str, *, field: str | None = None) -> None:
    """Put one message onto the field it is about, or onto the form as a whole (the error summary shows both)."""
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        form.form_errors = [*form.form_errors, message]


def show_error(form: Any, error: DomainError, *, fields: Mapping[str, str] | None = None) -> None:
    """Put a domain error's message from its package's catalogue onto the form field it names.

    ``fields`` maps a service's parameter name to the form's field name where the two differ."""
    field = (fields or {}).get(error.field, error.field) if error.field else None
    add_error(form, error.message, field=field)


class RadiosWithHints(RadioField):
    """Radios where a choice may have a hint shown below it (``choice_hints``: value -> hint)."""

    choice_hints: Mapping[str, Any] = {}


class BaseForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no types: FlaskForm is Any
    """A form checked by CSRFProtect before any view runs (so the form itself carries no second check)."""

    class Meta:
        csrf = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _note_field_kinds(cls)  # so that an error page shows back the words typed, not the choices made

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Validate a submission; never accept one whose CSRF token was refused, but keep and show its text."""
        if g.get("csrf_token_refused"):
            self.validate(extra_validators)
            add_error(self, str(STALE_PAGE_MESSAGE))
            return False
        return bool(super().validate_on_submit(extra_validators))


# Never repeat these back to the user on a page, even their own: a screen may be seen by someone else.
_SECRET_FIELD_HINTS = ("password", "token", "code", "secret")
#: Names of fields that hold a choice or a number, not words (filled in as each form class is made, below). A name
#: that some form uses for words is never in it.
_CHOICE_FIELDS: set[str] = set()
_WORD_FIELDS: set[str] = set()
_CHOICE_KINDS = (
    "RadioField",
    "SelectField",
    "SelectMultipleField",
    "BooleanField",
    "HiddenField",
    "IntegerField",
    "DateParts",
)


def _note_field_kinds(form_class: type) -> None:
    for name, value in vars(form_class).items():
        kind = getattr(getattr(value, "field_class", None), "__name__", None)
        if kind is None:
            continue
        (_CHOICE_FIELDS if kind in _CHOICE_KINDS else _WORD_FIELDS).add(name)


def typed_words() -> list[str]:
    """What the user typed into the form this request carries, so that a page that could not save it can show it
    back to be copied: every text, in the order sent, without secrets and without choices, dates and numbers."""
    if request.method in ("GET", "HEAD"):
        return []
    try:
        fields = list(request.form.items(multi=True))
    except Exception:  # noqa: BLE001 - the body could not be read (too large, say): there is nothing to show back
        return []
    return [value for key, value in fields if value.strip() and _holds_words(key)]


def _holds_words(key: str) -> bool:
    name = key.split("[", 1)[0]  # a date's parts: next_review_on[day]
    if any(hint in name.lower() for hint in _SECRET_FIELD_HINTS):
        return False
    return name in _WORD_FIELDS or name not in _CHOICE_FIELDS


#: A view's way of keeping what was typed when the request arrives after its session ended: given the account
#: the session belonged to and the view's arguments, it keeps the words for that account, and says whether it did.
Keeper = Callable[..., bool]


def keeps_words_when_signed_out(keeper: Keeper) -> Callable[[View], View]:
    """Mark a form's view with what keeps its words when the session ended before the form was sent (see
    safetyplan/web/session.py): a plan typed in the second before the save is offered back after signing in."""

    def mark(view: View) -> View:
        view.keeps_words_when_signed_out = keeper  # type: ignore[attr-defined]
        return view

    return mark


def redisplays_on_refused_token(view: View) -> View:
    """Mark a form page whose view shows the form again, with the text typed, when the CSRF token is refused.

    Only views built on BaseForm.validate_on_submit may carry this mark: that method refuses the submission,
    so the view renders the form instead of acting on it.
    """
    view.redisplays_on_refused_token = True  # type: ignore[attr-defined]
    return view


class DateParts(Field):
    """A date typed in three boxes (day, month, year), as the NHS.UK date input asks for it.

    Keeps exactly what was typed, so that a page shown again with an error loses nothing.
    """

    type = "DateParts"
    widget = None  # type: ignore[assignment]  # rendered by the date_field macro, not by WTForms

    def __init__(self, label: str | None = None, validators: Any = None, *, missing: Any, invalid: Any, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.missing_message = missing
        self.invalid_message = invalid
        self.day_value = self.month_value = self.year_value = ""
        self._problem: Any = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if formdata is not None and any(f"{self.name}[{part}]" in formdata for part in ("day", "month", "year")):
            self.day_value, self.month_value, self.year_value = (
                formdata.get(f"{self.name}[{part}]", "").strip() for part in ("day", "month", "year")
            )
            self.data = None
            if not (self.day_value or self.month_value or self.year_value):
                self._problem = None  # nothing typed: Optional() or InputRequired() decides
                return
            self.data = _real_date(self.day_value, self.month_value, self.year_value)
            self._problem = None if self.data is not None else self.invalid_message
            return
        self.data = None if data is unset_value else data
        if isinstance(self.data, date):
            self.day_value, self.month_value, self.year_value = (
                str(self.data.day),
                str(self.data.month),
                str(self.data.year),
            )

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise StopValidation(str(self._problem))

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""


#: How many digits each box of a date may hold. Anything else (a sign, a space, a digit from another script, a
#: number too large for a date to hold) is not a date, and is said so beside the field.
_DATE_DIGITS = {"day": (1, 2), "month": (1, 2), "year": (4, 4)}


def _real_date(day: str, month: str, year: str) -> date | None:
    """The date typed in three boxes, or None when it is not a real date from 1900 on."""
    for part, value in (("day", day), ("month", month), ("year", year)):
        fewest, most = _DATE_DIGITS[part]
        if not (value.isascii() and value.isdigit() and fewest <= len(value) <= most):
            return None
    try:
        typed = date(int(year), int(month), int(day))
    except ValueError:  # 31 February, month 13
        return None
    return typed if typed.year >= 1900 else None


class DateRequired:
    """For DateParts: the message when no part of the date was typed."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: Any, field: DateParts) -> None:
        if field.data is None and not field._problem:
            raise StopValidation(str(field.missing_message))
