"""Assurance: showing that no one is stratified as low, medium or high risk.

The detector (``scan``) finds risk-stratification language in free text; ``schema_check`` finds any column, form
field or plan section that could hold a risk level. See docs/adr/0007-stratification-detector.md.
"""

from __future__ import annotations

from flask import Flask

from safetyplan.assurance.detector import CATEGORIES, Finding, scan

__all__ = ["CATEGORIES", "Finding", "scan"]


def init_app(app: Flask) -> None:
    from safetyplan.assurance.presenters import GLOBALS
    from safetyplan.assurance.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals.update(GLOBALS)
