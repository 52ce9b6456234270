"""The app factory: settings, extensions, the database, then each layer's hooks and blueprints, in a commented order.

It sits at the top of the layers (pyproject.toml, [tool.importlinter]): the one place that knows every domain.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from safetyplan import crypto, db, extensions, metrics, outbox, web
from safetyplan.accounts import login
from safetyplan.accounts import presenters as account_presenters
from safetyplan.accounts import routes as account_routes
from safetyplan.admin import routes as admin_routes
from safetyplan.assurance import presenters as assurance_presenters
from safetyplan.assurance import routes as assurance_routes
from safetyplan.assurance.schema_check import EXPORT_SHAPES
from safetyplan.audit.spool import spool
from safetyplan.config import PROJECT_ROOT, SETTINGS_KEY, Settings
from safetyplan.exchange import crisis, deliveries, fhir, sending
from safetyplan.exchange import routes as exchange_routes
from safetyplan.identity import routes as identity_routes
from safetyplan.identity import services as identity
from safetyplan.offline import routes as offline_routes
from safetyplan.people import routes as people_routes
from safetyplan.plans import presenters as plan_presenters
from safetyplan.plans import routes as plan_routes
from safetyplan.plans.events import PLAN_CHANGED
from safetyplan.sharing import presenters as sharing_presenters
from safetyplan.sharing import routes as sharing_routes
from safetyplan.web import logs, templating, uploads
from safetyplan.web import routes as web_routes

BLUEPRINTS = (
    web_routes.bp,
    account_routes.bp,
    identity_routes.bp,
    admin_routes.bp,
    people_routes.bp,
    plan_routes.bp,
    sharing_routes.bp,
    assurance_routes.bp,
    assurance_routes.trail,
    exchange_routes.bp,
    offline_routes.bp,
)
#: What each domain's templates call, besides the NHS.UK macros (web's own are added by web.init_app).
TEMPLATE_GLOBALS = (
    account_presenters.GLOBALS,
    plan_presenters.GLOBALS,
    sharing_presenters.GLOBALS,
    assurance_presenters.GLOBALS,
)


def _backlog() -> dict[str, tuple[int, float]]:
    """The outbox backlog, read once for both of its gauges on one metrics page."""
    if "outbox_backlog" not in g:
        g.outbox_backlog = deliveries.backlog()
    return cast(dict[str, tuple[int, float]], g.outbox_backlog)


#: What the metrics page reads when asked: facts about the database and this server's disk, not about one process.
METRIC_READINGS = (
    metrics.Reading(
        "safetyplan_outbox_waiting",
        "Documents not yet sent to another system (crisis-view pointers, plans sent), by kind.",
        ("kind",),
        lambda: {(kind,): count for kind, (count, _) in _backlog().items()},
    ),
    metrics.Reading(
        "safetyplan_outbox_oldest_waiting_seconds",
        "How long the oldest document not yet sent has waited, by kind.",
        ("kind",),
        lambda: {(kind,): age for kind, (_, age) in _backlog().items()},
    ),
    metrics.Reading(
        "safetyplan_audit_spool_events",
        "Audit events of reads kept on this server while the database could not be written, not yet in the trail.",
        (),
        lambda: {(): spool().count()},
    ),
)


def build_app(config: Settings | None = None) -> Flask:
    """Build the app from ``config``, or from the environment when none is given."""
    settings = config or Settings.from_env()

    # Templates, static files and translations live at the top of the checkout, beside the package.
    app = Flask("safetyplan", static_folder=None, template_folder=str(PROJECT_ROOT / "templates"))
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
    app.extensions[SETTINGS_KEY] = settings

    templating.init_app(app)  # first: extensions add globals to the Jinja environment it configures
    uploads.init_app(app)  # before the CSRF check, which reads the body: a page may take a larger one
    extensions.csrf.init_app(app)
    crypto.init_app(app, settings)  # before the database: a missing keyring must stop start-up first
    db.init_app(app, settings.database_url, settings.database_replica_url)
    metrics.init_app(app, METRIC_READINGS)  # the pools' gauges, as soon as there are pools
    outbox.init_app(app, settings)
    login.init_app(app, settings)  # the login manager, before web's hooks ask who is signed in
    identity.init_app(app, settings)  # NHS login and CIS2, where configured: a bad client key stops start-up
    web.init_app(app, settings, login.RULES)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # What the schema check reads to prove no export can carry a risk level (assurance cannot import exchange).
    app.extensions[EXPORT_SHAPES] = {
        "FHIR plan document": fhir.sample_bundle,
        "Crisis view pointer (National Record Locator)": crisis.sample_pointer,
        "Plan sent at discharge or on transfer (Communication)": sending.sample_message,
    }
    # What runs when a plan or what it shares changes (plans and sharing cannot import exchange, above them).
    app.extensions[PLAN_CHANGED] = [crisis.on_plan_changed]
    for template_globals in TEMPLATE_GLOBALS:
        app.jinja_env.globals.update(template_globals)
    logs.init_app(app, settings.log_format)  # outermost but the proxy fix: one line per request, once answered
    if settings.metrics_token:
        logs.on_answered(app, metrics.observe_request)  # requests are counted only where the counts can be read
    if settings.trusted_proxies:
        # Behind TLS-terminating proxies: take the client's address (for sign-in throttling) from them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)  # type: ignore[method-assign]
    return app
