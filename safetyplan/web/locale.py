"""The language of each page: the user's choice (``?lang=``, remembered in a cookie), then the browser's."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import get_locale

from safetyplan.config import PROJECT_ROOT, Settings
from safetyplan.extensions import babel

#: Languages with a complete catalogue. English is the source language.
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def select_locale() -> str:
    """The locale for this request, always one of LANGUAGES."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        g.chosen_language = chosen
        return chosen
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def language_switch() -> list[dict[str, str]]:
    """Links to this page in each other language, for the switch in the page header."""
    current = current_language()
    links = []
    for code, name in LANGUAGES.items():
        if code == current:
            continue
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        args.append(("lang", code))
        links.append({"code": code, "name": name, "href": f"{request.path}?{urlencode(args)}"})
    return links


def init_app(app: Flask, settings: Settings) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/London"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    babel.init_app(app, locale_selector=select_locale)
    secure_cookie = settings.is_production

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = g.get("chosen_language")
        if chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_MAX_AGE,
                secure=secure_cookie,
                httponly=True,
                samesite="Lax",
            )
        return response

    app.jinja_env.globals.update(current_language=current_language, language_switch=language_switch)

