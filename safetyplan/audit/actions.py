"""Every action an audit event can record, with what it means in plain English (and Welsh) for the people who read
the trail. ``record`` refuses an action that is not here, so that no reader ever meets a raw code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "access.denied": _l("Tried to open a page their role cannot see"),
    "account.created": _l("Made an account"),
    "account.language_changed": _l("Changed the language of their account"),
    "account.list_viewed": _l("Looked at the list of accounts"),
    "account.password_changed": _l("Changed their password"),
    "account.password_set": _l("Set a password"),
    "account.second_factor_enabled": _l("Set up an authenticator app"),
    "account.set_password_link_issued": _l("Sent a link to set a password"),
    "assurance.document_scanned": _l("Scanned a document"),
    "assurance.measures_downloaded": _l("Downloaded the quality measures"),
    "assurance.measures_viewed": _l("Looked at the quality measures"),
    "assurance.report_viewed": _l("Looked at the assurance report"),
    "audit_trail.searched": _l("Searched the audit trail"),
    "audit_trail.viewed": _l("Looked at the audit trail"),
    "carer_link.confirmed": _l("Confirmed a carer's account"),
    "carer_link.undone": _l("Said a carer's account was not theirs"),
    "caseload.person_added": _l("Added a person to a caseload"),
    "caseload.viewed": _l("Looked at a caseload"),
    "crisis_contact.changed": _l("Changed a crisis contact"),
    "invitation.accepted": _l("Accepted an invitation"),
    "invitation.refused": _l("Used an invitation that did not work"),
    "invitation.sent": _l("Sent an invitation"),
    "involvement.conversation_recorded": _l("Recorded a conversation about who is involved"),
    "involvement.person_added": _l("Added someone to involve"),
    "involvement.person_removed": _l("Stopped involving someone"),
    "involvement.viewed": _l("Looked at who is involved"),
    "person.created": _l("Added a person"),
    "person.viewed": _l("Looked at a person's record"),
    "plan.compared": _l("Compared two revisions of a plan"),
    "plan.declined": _l("Recorded that a plan was offered and declined"),
    "plan.disagreement_recorded": _l("Recorded that they disagree with their plan"),
    "plan.disagreement_withdrawn": _l("Took back their disagreement with their plan"),
    "plan.draft_discarded": _l("Discarded a draft of a plan"),
    "plan.draft_saved": _l("Kept a draft of a plan"),
    "plan.editor_opened": _l("Opened a plan to write or review it"),
    "plan.exported_fhir": _l("Exported a plan as a FHIR document"),
    "plan.exported_pdf": _l("Downloaded a plan as a PDF"),
    "plan.history_viewed": _l("Looked at a plan's history"),
    "plan.lookups_viewed": _l("Looked at who has looked at their plan"),
    "plan.printed": _l("Opened a plan to print it"),
    "plan.restored": _l("Restored an earlier revision of a plan"),
    "plan.reviews_viewed": _l("Looked at the reviews due"),
    "plan.revised": _l("Saved a revision of a plan"),
    "plan.revision_viewed": _l("Looked at one revision of a plan"),
    "plan.suggestion_accepted": _l("Added a suggestion to a plan"),
    "plan.suggestion_declined": _l("Did not add a suggestion to a plan"),
    "plan.suggestion_made": _l("Suggested a change to a plan"),
    "plan.suggestion_opened": _l("Opened the form to suggest a change"),
    "plan.viewed": _l("Looked at a plan"),
    "shared_plans.listed": _l("Looked at the plans shared with them"),
    "sharing.changed": _l("Changed what a carer can see"),
    "sharing.withdrawn": _l("Stopped sharing with a carer"),
    "sign_in.failed": _l("Failed to sign in"),
    "sign_in.recovery_code_used": _l("Signed in with a recovery code"),
    "sign_in.second_factor_failed": _l("Entered a wrong authenticator code"),
    "sign_in.succeeded": _l("Signed in"),
    "sign_out": _l("Signed out"),
    "team.created": _l("Made a team"),
    "team.member_added": _l("Added a clinician to a team"),
}


def action_label(action: str) -> str:
    """What an action means, in the reader's language."""
    return str(ACTIONS[action]) if action in ACTIONS else action
