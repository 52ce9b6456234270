"""SafetyPlan: safety plans written with people, in their own words, instead of risk scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from safetyplan.config import Settings


def create_app(config: Settings | None = None) -> Flask:
    """Build the app from ``config``, or from the environment when none is given (see safetyplan/app.py)."""
    # Imported here because Python runs this file before any module of the package: importing the whole app at
    # the top would load every domain whenever anything (the config, a model) is imported.
    from safetyplan.app import build_app

    return build_app(config)
