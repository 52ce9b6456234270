"""The forms that lead to NHS login or CIS2: connecting an account through a set-password link, or from the
account page. (A carer's invitation uses sharing's own form.)"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired

from safetyplan.web.forms import BaseForm, limit


class SetUpCodeForm(BaseForm):
    """The code from a set-password link, which the page's script puts in the form."""

    token = StringField(validators=[InputRequired(_l("Enter the set-up code from your email")), limit(128)])


class LinkForm(BaseForm):
    """Only its CSRF token: the signed-in user asks to sign in through the service from now on."""
