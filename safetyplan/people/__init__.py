"""People on caseloads."""

from flask import Flask


def init_app(app: Flask) -> None:
    from safetyplan.people.routes import bp

    app.register_blueprint(bp)
