"""Forms for adding a person to a caseload and searching a caseload."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from safetyplan.people.identifiers import normalise_nhs_number, normalise_phone
from safetyplan.people.messages import NHS_NUMBER_INVALID
from safetyplan.web.forms import BaseForm, DateParts, DateRequired, chosen_values, limit, options

PHONE_INVALID = _l("Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")


class PersonForm(BaseForm):
    name = StringField(validators=[InputRequired(_l("Enter the person's full name")), limit(120)])
    preferred_name = StringField(validators=[Optional(), limit(60)])
    pronouns = StringField(validators=[Optional(), limit(40)])
    date_of_birth = DateParts(
        validators=[DateRequired()],
        missing=_l("Enter the person's date of birth"),
        invalid=_l("Date of birth must be a real date, like 27 3 1990"),
    )
    nhs_number = StringField(validators=[Optional(), limit(20)])
    phone = StringField(validators=[Optional(), limit(32)])
    address = TextAreaField(validators=[Optional(), limit(400)])
    team = SelectField(validators=[InputRequired(_l("Select a team"))], validate_choice=False)

    def __init__(self, *args: Any, team_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team.choices = options(team_choices)
        if len(team_choices) == 1 and not self.team.data:
            self.team.data = team_choices[0][0]

    def validate_date_of_birth(self, field: DateParts) -> None:
        if field.data is not None and field.data >= date.today():
            raise ValidationError(_l("Enter a date of birth in the past"))

    def validate_nhs_number(self, field: StringField) -> None:
        if field.data and normalise_nhs_number(field.data) is None:
            raise ValidationError(NHS_NUMBER_INVALID)

    def validate_phone(self, field: StringField) -> None:
        if field.data and normalise_phone(field.data) is None:
            raise ValidationError(PHONE_INVALID)

    def validate_team(self, field: SelectField) -> None:
        if field.data not in chosen_values(field):
            raise ValidationError(_l("Select a team from the list"))
