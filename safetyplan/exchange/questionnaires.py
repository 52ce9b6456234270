"""The FHIR Questionnaire of each section registry version: what an exported plan's QuestionnaireResponse answers.

A registry version is never edited once released (``safetyplan.plans.sections``), so neither is its Questionnaire:
another system can rely on ``safety-plan-v1`` meaning the same questions forever. It is public (it holds no one's
data) at ``/fhir/Questionnaire/safety-plan-v<N>``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from safetyplan.exchange import codes
from safetyplan.plans.sections import REGISTRY, Section

CONTACT_FIELDS = (("name", "Name"), ("relationship", "Who they are"), ("phone", "Phone number"))
HELPS_FIELDS = (("helps", "What helps"), ("does_not_help", "What does not help"))


def _item(part: Section) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": part.key, "text": str(part.title), "prefix": str(part.number)}
    if part.kind == "contacts":
        item["type"] = "group"
        item["item"] = [
            {
                "linkId": f"{part.key}.contact",
                "text": "Contact",
                "type": "group",
                "repeats": True,
                "item": [
                    {"linkId": f"{part.key}.contact.{name}", "text": text, "type": "string"}
                    for name, text in CONTACT_FIELDS
                ],
            }
        ]
    elif part.kind == "helps":
        item["type"] = "group"
        item["item"] = [
            {"linkId": f"{part.key}.{name}", "text": text, "type": "string", "repeats": True}
            for name, text in HELPS_FIELDS
        ]
    else:
        item.update({"type": "string", "repeats": True})
    return item


def questionnaire(version: int) -> dict[str, Any]:
    """The Questionnaire of registry ``version`` (KeyError for one that does not exist)."""
    parts = REGISTRY[version]
    with force_locale("en"):
        items = [_item(part) for part in parts]
    return {
        "resourceType": "Questionnaire",
        "id": f"safety-plan-v{version}",
        "meta": codes.profile("Questionnaire"),
        "url": codes.questionnaire_url(version),
        "version": str(version),
        "name": f"SafetyPlanV{version}",
        "title": "Safety plan",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "A safety plan written with the person, in their own words. It asks nothing that rates, "
        "grades or categorises the person.",
        "item": items,
    }
