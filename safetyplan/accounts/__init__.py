"""Accounts, sign-in and teams."""

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l

from safetyplan.config import Settings
from safetyplan.extensions import login_manager


def init_app(app: Flask, settings: Settings) -> None:
    from safetyplan.accounts import passwords, services

    passwords.init_app(app, settings)
    login_manager.init_app(app)
    # The server-side session is the protection: it ends on sign-out everywhere. Tying a session to an IP
    # address would sign people out whenever their phone changes network.
    login_manager.session_protection = None
    login_manager.login_message = _l("Sign in to see this page")
    login_manager.user_loader(services.load_session)
    # What a request without a session gets is decided by web.session (a page, and the words kept).

    from safetyplan.accounts.routes import admin, bp

    app.register_blueprint(bp)
    app.register_blueprint(admin)
    app.jinja_env.globals.update(navigation_items=navigation_items, idle_seconds=idle_seconds, role_label=role_label)


def role_label(role: str) -> str:
    from safetyplan.accounts.forms import ROLE_CHOICES

    return str(dict(ROLE_CHOICES)[role])


#: The header's links for each role: (endpoint, label).
NAVIGATION = {
    "clinician": [
        ("people.caseload", _l("Caseload")),
        ("plans.reviews", _l("Reviews due")),
        ("people.add_person", _l("Add a person")),
    ],
    "admin": [
        ("admin.users", _l("Accounts")),
        ("admin.teams", _l("Teams")),
        ("plans.crisis_contacts", _l("Crisis contacts")),
        ("people.add_person", _l("Add a person")),
    ],
    "auditor": [
        ("assurance.report", _l("Assurance report")),
        ("assurance.quality_measures", _l("Quality measures")),
        ("audit_trail.overview", _l("Audit trail")),
        ("assurance.scan", _l("Scan a document")),
    ],
    "person": [("plans.my_plan", _l("My safety plan")), ("sharing.who_has_looked", _l("Who has looked"))],
    "carer": [("sharing.shared_home", _l("Plans shared with you")), ("sharing.crisis_help", _l("Help in a crisis"))],
}


def navigation_items() -> list[dict[str, object]]:
    from flask_login import current_user

    return [
        {"href": url_for(endpoint), "text": str(label), "current": request.endpoint == endpoint}
        for endpoint, label in NAVIGATION.get(current_user.role, [])
    ]


def idle_seconds() -> int:
    """How long this user may leave the app alone before being signed out (for the page's warning)."""
    from flask_login import current_user

    from safetyplan.accounts.services import idle_limit_minutes

    return idle_limit_minutes(current_user) * 60
