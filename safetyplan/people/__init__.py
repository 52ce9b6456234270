"""People on caseloads."""

from flask import Flask


def init_app(app: Flask) -> None:
    from safetyplan.people.presenters import caseload_rows
    from safetyplan.people.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals.update(caseload_rows=caseload_rows)
