"""Forms for signing in, setting passwords, the second factor and the language; the admin's are in admin/.

Forms check what can be checked without the database; the services enforce the rest, and routes map the
services' errors to the messages here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from safetyplan.web.forms import BaseForm, options

EMAIL_REQUIRED = _l("Enter your email address")
EMAIL_FORMAT = _l("Enter an email address in the correct format, like name@example.com")


def strip_spaces(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SignInForm(BaseForm):
    email = StringField(
        filters=[strip_spaces], validators=[InputRequired(EMAIL_REQUIRED), Length(max=254, message=EMAIL_FORMAT)]
    )
    password = PasswordField(validators=[InputRequired(_l("Enter your password")), Length(max=1024)])


class SecondFactorForm(BaseForm):
    code = StringField(
        validators=[InputRequired(_l("Enter the 6-digit code from your authenticator app")), Length(max=32)]
    )


class SetUpAppForm(BaseForm):
    #: The new secret, signed by the server, carried by the form until the code proves the app has it.
    secret = HiddenField()
    #: Asked for when an app is already set up: replacing it must not be possible from an unattended screen.
    current_password = PasswordField(validators=[Length(max=1024)])
    code = StringField(
        validators=[InputRequired(_l("Enter the 6-digit code from your authenticator app")), Length(max=32)]
    )


class NewPasswordForm(BaseForm):
    password = PasswordField(validators=[InputRequired(_l("Enter a password")), Length(max=1024)])
    confirm = PasswordField(validators=[InputRequired(_l("Enter the password again"))])

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords do not match. Enter the same password twice"))


class SetPasswordForm(NewPasswordForm):
    #: Filled in from the link by the page's script, or pasted by hand where scripts do not run.
    token = StringField(validators=[InputRequired(_l("Enter the set-up code from your email")), Length(max=128)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(validators=[InputRequired(_l("Enter your current password"))])


ROLE_CHOICES = [
    ("clinician", _l("Clinician")),
    ("person", _l("Person with a safety plan")),
    ("carer", _l("Family member, friend or carer")),
    ("auditor", _l("Auditor")),
    ("admin", _l("Admin")),
]
ROLE_HINTS = {
    "clinician": _l("Writes and reviews plans with the people on their teams' caseloads"),
    "auditor": _l("Sees the assurance report and the audit trail, never plan content"),
    "admin": _l("Manages accounts, teams and caseloads, never plan content"),
}

LANGUAGE_CHOICES = [("en", "English"), ("cy", "Cymraeg")]


class LanguageForm(BaseForm):
    language = RadioField(choices=options(LANGUAGE_CHOICES), validators=[InputRequired(_l("Select a language"))])
