"""The code systems, codes and profiles a SafetyPlan FHIR document uses, in one place.

``CANONICAL`` names this project's own definitions (the Questionnaire of each section registry version, the code
systems of section keys and revision reasons, and a few extensions) the same in every installation, so that one
SafetyPlan recognises another's export (docs/adr/0014-fhir-documents.md).
"""

from __future__ import annotations

CANONICAL = "https://fhir.safetyplan.example"

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"

#: SNOMED CT "Mental health crisis plan" and its category "Care plan", as the National Record Locator files it.
CRISIS_PLAN = {"system": SNOMED, "code": "736253002", "display": "Mental health crisis plan"}
CARE_PLAN_CATEGORY = {"system": SNOMED, "code": "734163000", "display": "Care plan"}

SECTION_SYSTEM = f"{CANONICAL}/CodeSystem/plan-section"
REASON_SYSTEM = f"{CANONICAL}/CodeSystem/revision-reason"
INVOLVEMENT_SYSTEM = f"{CANONICAL}/CodeSystem/involvement-kind"
#: The role a revision's author wrote it in (person, clinician or carer), on its Provenance.
AUTHOR_ROLE_SYSTEM = f"{CANONICAL}/CodeSystem/author-role"

#: Who last wrote a section (person, clinician or carer), and whether it is in the person's own words.
WRITTEN_BY = f"{CANONICAL}/StructureDefinition/written-by"
OWN_WORDS = f"{CANONICAL}/StructureDefinition/own-words"
#: The next review date agreed with the person (on the CarePlan).
NEXT_REVIEW = f"{CANONICAL}/StructureDefinition/next-review-date"
#: Whether the person agreed with the plan, and in their words why not (on each revision's Provenance).
PERSON_AGREES = f"{CANONICAL}/StructureDefinition/person-agrees"
DISAGREEMENT = f"{CANONICAL}/StructureDefinition/disagreement"
#: The organisation where a revision was written, on the Provenance of a revision received from elsewhere.
RECEIVED_FROM = f"{CANONICAL}/StructureDefinition/received-from"
#: The revision number a Provenance records.
REVISION_NUMBER = f"{CANONICAL}/StructureDefinition/revision-number"

PROVENANCE_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
LIST_EMPTY = "http://terminology.hl7.org/CodeSystem/list-empty-reason"


def profile(name: str) -> dict[str, list[str]]:
    """A resource's ``meta``, naming its UK Core profile."""
    return {"profile": [f"{UK_CORE}{name}"]}


def questionnaire_url(version: int) -> str:
    return f"{CANONICAL}/Questionnaire/safety-plan-v{version}"
