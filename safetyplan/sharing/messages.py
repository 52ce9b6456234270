"""What sharing says: the one catalogue of SharingError's messages (each rule about involvement, sharing and
invitations that is not met), and the invitation email."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "kind": _l("Select how they are involved"),
    "future_date": _l("The date must be today or in the past"),
    "section": _l("Select parts of the plan from the list"),
    "crisis_view_not_talked": _l(
        "Talk to your care team about what urgent care can see first. They will record what you choose, and then you "
        "can change it here"
    ),
    "no_email": _l("Add their email address first, so that the invitation can be sent"),
    "already_linked": _l("They have already accepted an invitation"),
    "nothing_to_confirm": _l("There is nothing to confirm"),
    "no_plan": _l("There is no plan to add to yet. You can add to it once it is written."),
    "invitation_invalid": _l("This invitation link does not work"),
    "use_nhs_login": _l("Accept the invitation with NHS login. Select ‘Continue with NHS login’"),
    "wrong_account": _l("You cannot accept this invitation with this account"),
    "email_taken": _l(
        "There is already an account with this email address. Sign in to it, then open the link in your email again."
    ),
}

INVITATION_SUBJECT = _l("An invitation to see a safety plan")
INVITATION_BODY = _l(
    "Hello %(name)s,\n\n"
    "Someone you support has asked for you to see parts of their safety plan on SafetyPlan.\n\n"
    "To accept, open this link within 7 days and create your account:\n\n{link}\n\n"
    "If you were not expecting this, you can ignore this email."
)
