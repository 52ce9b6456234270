"""The base of every form, and how a form page survives an expired CSRF token without losing what was typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation

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


class BaseForm(FlaskForm):
    """A form checked by CSRFProtect before any view runs (so the form itself carries no second check)."""

    class Meta:
        csrf = False

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Validate a submission; never accept one whose CSRF token was refused, but keep and show its text."""
        if g.get("csrf_token_refused"):
            self.validate(extra_validators)
            self.form_errors.append(str(STALE_PAGE_MESSAGE))
            return False
        return bool(super().validate_on_submit(extra_validators))


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
    widget = None  # rendered by the date_field macro, not by WTForms

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
            try:
                self.data = date(int(self.year_value), int(self.month_value), int(self.day_value))
                if self.data.year < 1900:
                    raise ValueError("too long ago")
            except ValueError:
                self._problem = self.invalid_message
            return
        self.data = None if data is unset_value else data
        if isinstance(self.data, date):
            self.day_value, self.month_value, self.year_value = str(self.data.day), str(self.data.month), str(self.data.year)

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise StopValidation(str(self._problem))

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""


class DateRequired:
    """For DateParts: the message when no part of the date was typed."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: DateParts) -> None:
        if field.data is None and not field._problem:
            raise StopValidation(str(field.missing_message))
