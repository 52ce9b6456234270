"""Forms for involving people, choosing what they see, invitations and carers' suggestions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from safetyplan.people.forms import PHONE_INVALID
from safetyplan.people.identifiers import normalise_phone
from safetyplan.plans.sections import CURRENT_VERSION, section
from safetyplan.web.forms import BaseForm, DateParts, DateRequired, chosen_values, limit, options

KIND_LABELS = {
    "family": _l("Family"),
    "friend": _l("A friend"),
    "carer": _l("A carer"),
    "advocate": _l("An independent advocate"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _not_future(form: Any, field: DateParts) -> None:
    if field.data is not None and field.data > date.today():
        raise ValidationError(_l("The date must be today or in the past"))


class InvolvedForm(BaseForm):
    name = StringField(filters=[_strip], validators=[DataRequired(_l("Enter their name")), limit(100)])
    kind = RadioField(
        choices=options(list(KIND_LABELS.items())),
        validators=[InputRequired(_l("Select how they are involved"))],
    )
    relationship = StringField(validators=[Optional(), limit(60)])
    phone = StringField(validators=[Optional(), limit(32)])
    email = StringField(
        validators=[
            Optional(),
            limit(254),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
        ]
    )

    def validate_phone(self, field: StringField) -> None:
        if field.data and normalise_phone(field.data) is None:
            raise ValidationError(PHONE_INVALID)


class SectionsForm(BaseForm):
    """Which sections someone sees. Choosing none stops sharing."""

    sections = SelectMultipleField(validate_choice=False)

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections.choices = options([(key, section(key, CURRENT_VERSION).heading) for key in keys])

    def validate_sections(self, field: SelectMultipleField) -> None:
        if not set(field.data or []) <= chosen_values(field):
            raise ValidationError(_l("Select parts of the plan from the list"))


class RecordedSectionsForm(SectionsForm):
    """A clinician records the person's decision, with the date they made it."""

    decided_on = DateParts(
        validators=[DateRequired(), _not_future],
        missing=_l("Enter the date they decided"),
        invalid=_l("The date must be a real date, like 27 3 2026"),
    )


class ConversationForm(BaseForm):
    held_on = DateParts(
        validators=[DateRequired(), _not_future],
        missing=_l("Enter the date of the conversation"),
        invalid=_l("The date must be a real date, like 27 3 2026"),
    )
    agreed = TextAreaField(filters=[_strip], validators=[DataRequired(_l("Enter what was agreed")), limit(2000)])
    own_words = BooleanField()


class ActionForm(BaseForm):
    """A button that changes something: the CSRF token is all it carries."""


class InvitationForm(BaseForm):
    token = StringField(validators=[InputRequired(_l("Enter the invitation code from your email")), limit(100)])


class InvitationAccountForm(InvitationForm):
    name = StringField(filters=[_strip], validators=[DataRequired(_l("Enter your name")), limit(100)])
    email = StringField(
        validators=[
            InputRequired(_l("Enter your email address")),
            limit(254),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
        ]
    )
    password = PasswordField(validators=[InputRequired(_l("Create a password"))])
    confirm = PasswordField(validators=[InputRequired(_l("Enter the password again"))])

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords do not match"))


class CarerSuggestionForm(BaseForm):
    section = RadioField(validators=[InputRequired(_l("Select the part of the plan"))], validate_choice=False)
    text = TextAreaField(filters=[_strip], validators=[DataRequired(_l("Write what you want to add")), limit(2000)])

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section.choices = options([(key, section(key, CURRENT_VERSION).heading) for key in keys])

    def validate_section(self, field: RadioField) -> None:
        if field.data not in chosen_values(field):
            raise ValidationError(_l("Select the part of the plan"))
