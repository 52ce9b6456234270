"""The page header and footer, and the other parts of every page that vary only by language, rendered once per
app, language, role and page rather than on every request.

The NHS.UK header macro costs about 2 ms a page, and the footer macro runs on every page too. What varies per
request, the signed-in user's name and the CSRF token, goes in through placeholders that are filled in, escaped,
after the cached render, so the cache holds no personal data; the footer has nothing that varies but the language.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from safetyplan.web.locale import current_language

NAME = "SAFETYPLAN-HEADER-NAME-7F3A"
TOKEN = "SAFETYPLAN-HEADER-TOKEN-7F3A"


@lru_cache(maxsize=1024)
def _rendered(app_id: int, language: str, role: str | None, endpoint: str | None) -> str:
    return render_template("components/site_header.html", signed_in=role is not None, user_name=NAME, csrf_value=TOKEN)


def site_header() -> Markup:
    signed_in = bool(current_user.is_authenticated)
    html = _rendered(
        id(current_app._get_current_object()),  # type: ignore[attr-defined]
        current_language(),
        current_user.role if signed_in else None,
        request.endpoint if signed_in else None,  # the menu marks the current page
    )
    if signed_in:
        # The token first: a name that happened to contain the token's placeholder stays as typed.
        html = html.replace(TOKEN, str(escape(generate_csrf()))).replace(NAME, str(escape(current_user.display_name)))
    return Markup(html)


def site_footer() -> Markup:
    """The footer is the same for everyone reading in one language."""
    return _rendered_once("components/site_footer.html")


def fixed(name: str) -> Markup:
    """``templates/components/fixed/NAME.html``, a part of every page that is the same for everyone reading in one
    language (the skip link, the idle warning), rendered once per language."""
    return _rendered_once(f"components/fixed/{name}.html")


def _rendered_once(template: str) -> Markup:
    return Markup(_once(id(current_app._get_current_object()), current_language(), template))  # type: ignore[attr-defined]


@lru_cache(maxsize=64)
def _once(app_id: int, language: str, template: str) -> str:
    return render_template(template)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["site_header"] = site_header
    app.jinja_env.globals["site_footer"] = site_footer
    app.jinja_env.globals["fixed"] = fixed
