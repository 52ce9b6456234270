"""Sharing led by the person: who is involved, what each carer sees, invitations, and who has looked."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from safetyplan.sharing.presenters import GLOBALS
    from safetyplan.sharing.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals.update(GLOBALS)
