"""What the import says: why a file was refused as a whole (ImportRefused's codes), and why a part of one that
was taken stayed behind (a Refusal's reasons). The one catalogue of both, in English and Welsh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from safetyplan.errors import SHARED_MESSAGES

MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "no_file": _l("Select a file to import"),
    "too_big": _l("The file must be smaller than 10 MB"),
    "not_json": _l("The file is not a FHIR JSON file. Export the plan as FHIR JSON and try again"),
    "not_fhir": _l("The file is JSON but not FHIR: the FHIR models refused it"),
    "not_bundle": _l("The file holds one FHIR resource, not a Bundle. A plan comes as a Bundle of type document"),
    "too_many_entries": _l("The Bundle holds more than 10,000 entries. A safety plan has a few dozen"),
    "not_document": _l("The Bundle is not a document. A plan comes as a Bundle of type document"),
    "not_a_plan": _l("The Bundle holds no safety plan: no Composition of a mental health crisis plan, and no CarePlan"),
    "no_patient": _l("The Bundle does not say whose plan it is: it holds no Patient"),
    "no_nhs_number": _l("The Patient has no NHS number, so the person cannot be matched. Ask the sender to add it"),
    "nhs_number_invalid": _l("The Patient's NHS number is not a valid NHS number"),
    "two_nhs_numbers": _l(
        "The Bundle holds two different NHS numbers. Nothing was imported: ask the sender which is right"
    ),
    "no_name": _l("The Patient has no name, so the person cannot be added to the caseload"),
    "no_birth_date": _l("The Patient has no date of birth, so the person cannot be added to the caseload"),
    "known_elsewhere": _l(
        "This person is recorded on another team's caseload. Ask your admin to add them to your team's caseload "
        "first, then import the plan"
    ),
}

#: Why a plan could not be sent to another organisation.
SENDING_MESSAGES: Mapping[str, Any] = {
    **SHARED_MESSAGES,
    "no_kind": _l("Select who you are sending the plan to"),
    "no_name": _l("Enter the name of the GP practice or team"),
    "name_too_long": _l("The name must be 120 characters or fewer"),
    "ods_code": _l("Enter an ODS code of 3 to 10 letters and numbers, like A81001"),
    "no_nhs_number": _l(
        "Add the person's NHS number to their record before you send the plan. The practice or team needs it to "
        "match the plan to the right person"
    ),
    "newer": _l("A newer revision of the plan was saved since you opened this page. Check it, then send it"),
}

#: Why a part of a file was not taken.
REFUSALS: Mapping[str, Any] = {
    "risk_code": _l("A coded risk level. Risk levels are never stored"),
    "risk_words": _l("A risk level in words. Risk levels are never stored"),
    "risk_assessment": _l("A risk assessment. Risk levels are never stored"),
    "rating": _l("A rating or finding about the person. It is not part of a safety plan"),
    "not_plan": _l("Not part of a safety plan"),
    "other_questionnaire": _l("Answers to another organisation's questionnaire. Its sections are read instead"),
    "unplaced_section": _l("A section that matches no section of a safety plan here. Its words were not imported"),
}
