"""What each rule about accounts, passwords and signing in says when it is not met: the one catalogue of
AccountError's and PasswordProblem's messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from safetyplan.errors import SHARED_MESSAGES

#: What each NHS identity service is called on the pages (config.IDENTITY_SERVICES names them).
SERVICE_NAMES: Mapping[str, Any] = {"nhs_login": _l("NHS login"), "cis2": _l("NHS CIS2")}

SIGN_IN_REFUSED = _l("The email address or password is not correct")
CODE_REFUSED = _l("The code is not correct. Check your authenticator app or recovery code and try again")

#: The set-password message an admin's new account gets, in the new user's language.
SET_PASSWORD_SUBJECT = _l("Set your SafetyPlan password")
SET_PASSWORD_BODY = _l(
    "Hello %(name)s,\n\nAn account has been made for you on SafetyPlan. Open this link to set your password. "
    "It works once, for 72 hours:\n\n{link}\n\nIf you did not expect this message, you can ignore it."
)

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "refused": SIGN_IN_REFUSED,
    "code_wrong": CODE_REFUSED,
    "use_nhs_login": _l("Your account signs in with NHS login. Select ‘Continue with NHS login’"),
    "use_cis2": _l("Your account signs in with NHS CIS2. Select ‘Continue with NHS CIS2’"),
    "connect_nhs_login": _l("Your account signs in with NHS login. Select ‘Connect NHS login’"),
    "connect_cis2": _l("Your account signs in with NHS CIS2. Select ‘Connect NHS CIS2’"),
    "email_taken": _l("An account with this email address already exists"),
    "team_name_taken": _l("A team with this name already exists"),
    "already_a_member": _l("This clinician is already in the team"),
    "not_a_clinician": _l("Only clinicians can join a team"),
    "person_has_account": _l("This person already has an account"),
    "link_invalid": _l("This link has expired or has already been used. Ask your care team or admin for a new one"),
    "current_password_wrong": _l("Your current password is not correct"),
    # Passwords
    "too_short": _l("Your password must be at least 12 characters"),
    "too_long": _l("Your password must be 256 characters or fewer"),
    "common": _l("Choose a password that is harder to guess. Try 3 or more random words"),
    "personal": _l("Your password must not contain your name or email address"),
}


def throttled_message(minutes: int) -> str:
    """Why signing in is refused for now, and for how long."""
    return str(
        ngettext(
            "You have tried to sign in too many times. Try again in %(num)d minute.",
            "You have tried to sign in too many times. Try again in %(num)d minutes.",
            minutes,
        )
    )
