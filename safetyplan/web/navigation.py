"""The header's links: what each role can reach from every page."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from safetyplan.roles import Role

#: The header's links for each role: (endpoint, label).
NAVIGATION = {
    Role.CLINICIAN: [
        ("plans.caseload", _l("Caseload")),
        ("plans.reviews", _l("Reviews due")),
        ("people.add_person", _l("Add a person")),
    ],
    Role.ADMIN: [
        ("admin.users", _l("Accounts")),
        ("admin.teams", _l("Teams")),
        ("plans.crisis_contacts", _l("Crisis contacts")),
        ("exchange.deliveries", _l("Documents to send")),
        ("people.add_person", _l("Add a person")),
    ],
    Role.AUDITOR: [
        ("assurance.report", _l("Assurance report")),
        ("assurance.quality_measures", _l("Quality measures")),
        ("audit_trail.overview", _l("Audit trail")),
        ("assurance.scan", _l("Scan a document")),
    ],
    Role.PERSON: [("plans.my_plan", _l("My safety plan")), ("sharing.who_has_looked", _l("Who has looked"))],
    Role.CARER: [("sharing.shared_home", _l("Plans shared with you")), ("sharing.crisis_help", _l("Help in a crisis"))],
}


def navigation_items() -> list[dict[str, object]]:
    """The signed-in user's links, the current page marked."""
    return [
        {"href": url_for(endpoint), "text": str(label), "current": request.endpoint == endpoint}
        for endpoint, label in NAVIGATION.get(current_user.role, [])
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(navigation_items=navigation_items)
