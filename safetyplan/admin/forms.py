"""Forms for making accounts and teams and filling a team's caseload.

Forms check what can be checked without the database; the services enforce the rest.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from safetyplan.accounts.forms import EMAIL_FORMAT, LANGUAGE_CHOICES, ROLE_CHOICES, ROLE_HINTS, strip_spaces
from safetyplan.people.identifiers import normalise_nhs_number
from safetyplan.people.messages import NHS_NUMBER_INVALID
from safetyplan.roles import Role
from safetyplan.web.forms import BaseForm, RadiosWithHints, chosen_values, options


class AddUserForm(BaseForm):
    display_name = StringField(
        validators=[
            InputRequired(_l("Enter the person's full name")),
            Length(max=120, message=_l("Name must be 120 characters or fewer")),
        ]
    )
    email = StringField(
        filters=[strip_spaces],
        validators=[
            InputRequired(_l("Enter an email address")),
            Email(message=EMAIL_FORMAT, check_deliverability=False, allow_smtputf8=True),
            Length(max=254, message=EMAIL_FORMAT),
        ],
    )
    role = RadiosWithHints(
        choices=options(ROLE_CHOICES), validators=[InputRequired(_l("Select what this account is for"))]
    )
    # No Optional(): it would stop the chain before validate_team, which needs the chosen role.
    team = SelectField(validate_choice=False)
    #: For a person's own account: the NHS number of their record, which the account is linked to.
    person_nhs_number = StringField(filters=[strip_spaces], validators=[Length(max=20)])
    language = RadioField(choices=options(LANGUAGE_CHOICES), default="en", validators=[InputRequired()])

    def __init__(self, *args: object, team_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choice_hints = ROLE_HINTS
        self.team.choices = options([("", _l("No team")), *team_choices])

    def validate_person_nhs_number(self, field: StringField) -> None:
        if self.role.data != Role.PERSON:
            return
        if not field.data:
            raise ValidationError(_l("Enter the NHS number of the person's record"))
        if normalise_nhs_number(field.data) is None:
            raise ValidationError(NHS_NUMBER_INVALID)

    def validate_team(self, field: SelectField) -> None:
        if self.role.data == Role.CLINICIAN and not field.data:
            raise ValidationError(_l("Select the clinician's team"))
        if field.data and field.data not in chosen_values(field):
            raise ValidationError(_l("Select a team from the list"))


class AddTeamForm(BaseForm):
    name = StringField(
        validators=[
            InputRequired(_l("Enter the team's name")),
            Length(max=120, message=_l("Name must be 120 characters or fewer")),
        ]
    )
    phone = StringField(validators=[Optional(), Length(max=32)])


class AddToCaseloadForm(BaseForm):
    nhs_number = StringField(
        filters=[strip_spaces], validators=[InputRequired(_l("Enter the person's NHS number")), Length(max=20)]
    )

    def validate_nhs_number(self, field: StringField) -> None:
        if normalise_nhs_number(field.data or "") is None:
            raise ValidationError(NHS_NUMBER_INVALID)


class AddMemberForm(BaseForm):
    clinician = SelectField(validators=[InputRequired(_l("Select a clinician"))], validate_choice=False)
