"""SafetyPlan: safety plans written with people, in their own words, instead of risk scores."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from safetyplan.config import PROJECT_ROOT, Settings


def create_app(config: Settings | None = None) -> Flask:
    """Build the app from ``config``, or from the environment when none is given."""
    settings = config or Settings.from_env()

    # Templates, static files and translations live at the top of the checkout, beside the package.
    app = Flask(__name__, static_folder=None, template_folder=str(PROJECT_ROOT / "templates"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        SESSION_COOKIE_NAME="safetyplan_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # a scanned document may be 2 MB; more is refused with a clear page
        # Any one field up to the whole limit: a box with too much in it then gets the form's own message beside
        # it, with its text kept, rather than a 413 page that cannot show the words back.
        MAX_FORM_MEMORY_SIZE=4 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=4 * 60 * 60,
        WTF_CSRF_SSL_STRICT=settings.is_production,
    )
    app.extensions["safetyplan.settings"] = settings

    from safetyplan import accounts, assurance, crypto, db, extensions, outbox, people, plans, sharing, web
    from safetyplan.audit import routes as audit_routes
    from safetyplan.web import templating

    templating.init_app(app)  # first: extensions add globals to the Jinja environment it configures
    extensions.csrf.init_app(app)
    crypto.init_app(app, settings)  # before the database: a missing keyring must stop start-up first
    db.init_app(app, settings.database_url)
    outbox.init_app(app, settings)
    accounts.init_app(app, settings)  # the login manager, before web's hooks ask who is signed in
    web.init_app(app, settings)
    people.init_app(app)
    plans.init_app(app)
    sharing.init_app(app)
    assurance.init_app(app)
    app.register_blueprint(audit_routes.bp)
    if settings.trusted_proxies:
        # Behind TLS-terminating proxies: take the client's address (for sign-in throttling) from them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)  # type: ignore[method-assign]
    return app
