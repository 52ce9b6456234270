"""Jinja set-up for the NHS.UK frontend macros, and URLs of static files that change when the file does."""

from __future__ import annotations

import hashlib
import json
from collections import ChainMap
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app, url_for
from flask.templating import Environment as FlaskEnvironment
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader

from safetyplan.config import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
NHSUK_FRONTEND_DIR = PROJECT_ROOT / "node_modules" / "nhsuk-frontend"
NHSUK_DIST_DIR = NHSUK_FRONTEND_DIR / "dist" / "nhsuk"
NHSUK_ASSETS_DIR = NHSUK_DIST_DIR / "assets"


@lru_cache(maxsize=1)
def nhsuk_frontend_version() -> str:
    """The version of the installed (pinned) nhsuk-frontend npm package, which names its built files."""
    package = json.loads((NHSUK_FRONTEND_DIR / "package.json").read_text())
    return str(package["version"])


def nhsuk_vendor_file(kind: str) -> Path:
    """The built stylesheet ("css") or script ("js") of the NHS.UK frontend."""
    return NHSUK_DIST_DIR / f"nhsuk-frontend-{nhsuk_frontend_version()}.min.{kind}"


@lru_cache(maxsize=64)
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """The URL of one of the app's own static files, with a fingerprint so that browsers may cache it."""
    path = STATIC_DIR / filename
    return _static_url(id(current_app._get_current_object()), filename, path.stat().st_mtime_ns)  # type: ignore[attr-defined]


@lru_cache(maxsize=256)
def _static_url(_app_id: int, filename: str, mtime_ns: int) -> str:
    # Made once per app and version of the file: every page links the same few, and url_for is not cheap.
    return url_for("web.static", filename=filename, v=_fingerprint(STATIC_DIR / filename, mtime_ns))


def vendor_url(kind: str) -> str:
    return _vendor_url(id(current_app._get_current_object()), kind)  # type: ignore[attr-defined]


@lru_cache(maxsize=16)
def _vendor_url(_app_id: int, kind: str) -> str:
    return url_for("web.vendor", kind=kind, v=nhsuk_frontend_version())


class _TemplateGlobals(ChainMap[str, Any]):
    """A template's globals (its own over the environment's), whose keys() is a set.

    At every ``{% from ... import ... %}`` Jinja takes the importing page's global names minus the imported
    template's ``globals.keys()``. On a ChainMap's keys view that is a lookup in Python per name per map, some 60
    names each time; a page's macros import each other dozens of times per page, and the caseload page spent a
    tenth of its time there. A set made from the maps at each call gives the same answer in C.
    """

    def keys(self) -> set[str]:  # type: ignore[override]
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals(*cast(ChainMap[str, Any], super().make_globals(d)).maps)


def init_app(app: Flask) -> None:
    app.jinja_environment = Environment
    # ChainableUndefined is what the NHS.UK macros expect (they read params.a.b freely); the page-parsing test
    # helper makes up for the typos it would otherwise hide.
    app.jinja_options = {
        **app.jinja_options,
        # Escape in every template. Flask's default escapes only files named .html (and a few others), which
        # would leave the NHS.UK macros (.jinja files) printing people's words as raw HTML.
        "autoescape": True,
        "undefined": ChainableUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "loader": ChoiceLoader([app.create_global_jinja_loader(), PackageLoader("nhsuk_frontend_jinja")]),
    }
    app.jinja_env.globals.update(static_url=static_url, vendor_url=vendor_url)
