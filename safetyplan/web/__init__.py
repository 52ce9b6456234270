"""Cross-cutting web concerns: templates, request ids, security headers, language, access policies, errors."""

from __future__ import annotations

import uuid

from flask import Flask, g

from safetyplan.config import Settings
from safetyplan.web import access, errors, header, locale, navigation, presenters, security
from safetyplan.web import session as session_lifetime
from safetyplan.web.busy import RetryWhenBusy


def init_app(app: Flask, settings: Settings, session_rules: session_lifetime.SessionRules) -> None:
    @app.before_request
    def assign_request_id() -> None:
        # Ties the log lines and audit events of one request together; it carries nothing about the user.
        g.request_id = uuid.uuid4().hex

    security.init_app(app, settings)
    locale.init_app(app, settings)
    session_lifetime.init_app(app, session_rules)  # before access: an idle session counts as signed out
    access.init_app(app)
    errors.init_app(app)
    presenters.init_app(app)
    header.init_app(app)
    navigation.init_app(app)
    # A request the database refused as busy runs again from the start; the user sees the answer of the last run.
    app.wsgi_app = RetryWhenBusy(app.wsgi_app, max_body=app.config["MAX_CONTENT_LENGTH"])  # type: ignore[method-assign]
