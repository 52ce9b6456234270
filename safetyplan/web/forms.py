"""The base of every form, and how a form page survives an expired CSRF token without losing what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

View = TypeVar("View", bound=Callable[..., Any])

STALE_PAGE_MESSAGE = _l(
    "This page was open for too long, so nothing was saved. Check your answers below and submit them again."
)


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
