"""Cross-cutting web concerns: templates, request ids, security headers, language, access policies, errors."""

from __future__ import annotations

import uuid

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError

from safetyplan.audit.services import replay_spool
from safetyplan.audit.spool import SpoolError, spool
from safetyplan.config import Settings
from safetyplan.db import READ_ONLY_RUN, database, failure_summary
from safetyplan.web import access, errors, header, locale, navigation, presenters, security
from safetyplan.web import session as session_lifetime
from safetyplan.web.busy import RetryWhenBusy


def init_app(app: Flask, settings: Settings, session_rules: session_lifetime.SessionRules) -> None:
    @app.before_request
    def assign_request_id() -> None:
        # Ties the log lines and audit events of one request together; it carries nothing about the user.
        g.request_id = uuid.uuid4().hex

    @app.teardown_request
    def replay_audit_spool(error: BaseException | None) -> None:
        # After the request's commit: once the database writes again, reads spooled meanwhile join the trail.
        if error is None and not request.environ.get(READ_ONLY_RUN) and not database().reading_only():
            try:
                if spool().waiting():
                    replayed = replay_spool()
                    if replayed:
                        app.logger.info("Audit spool: %d events joined the trail", replayed)
            except (SQLAlchemyError, SpoolError) as failure:
                app.logger.warning("Audit spool not replayed yet: %s", failure_summary(failure))

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
