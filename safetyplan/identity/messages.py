"""What a refused sign-in through NHS login or CIS2 says: the one catalogue of IdentityRefused's messages.

None of them says whether a person or an account exists: an NHS number that matches nobody and one that matches a
record whose team has not invited them get the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "refused": _l(
        "We could not check your sign-in. Try again. If this keeps happening, tell your care team or your "
        "SafetyPlan admin."
    ),
    "no_account": _l(
        "We could not find a SafetyPlan account for you. Your care team must invite you first, with your NHS "
        "number. If they have, ask them to check that the NHS number they used is yours."
    ),
    "not_proofed": _l(
        "To see your own safety plan, NHS login must have checked who you are with photo ID. You can do this in "
        "the NHS App or NHS login. If you are a carer or family member, open the invitation link you were sent."
    ),
    "no_staff_account": _l(
        "We could not find a SafetyPlan account for you. Ask your SafetyPlan admin to make one with the email "
        "address your NHS CIS2 account uses."
    ),
    "weak": _l(
        "Your sign-in was not strong enough for SafetyPlan. Sign in again with your smartcard, Windows Hello or "
        "security key, or with the security code NHS login sends you."
    ),
    "no_email": _l(
        "NHS login has not checked an email address for you. Add one in your NHS login settings, then open the "
        "invitation link again."
    ),
    "email_taken": _l(
        "There is already a SafetyPlan account with your email address. Sign in to it, then open the invitation "
        "link again. You can choose to sign in with NHS login from your account page."
    ),
    "link_invalid": _l("This link has expired or has already been used. Ask your care team or admin for a new one."),
    "already_linked": _l("This account, or this NHS CIS2 user, is linked already"),
    "role_missing": _l(
        "Your NHS CIS2 roles do not include one that your SafetyPlan account needs. Ask your registration "
        "authority or your SafetyPlan admin."
    ),
}
