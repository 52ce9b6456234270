"""The language of each page: the user's choice (``?lang=``, remembered in a cookie), then the browser's.

The cookie keeps the moment of the choice too ("cy.1764650000"), so that at sign-in the latest explicit choice wins
over the account's saved language (which keeps its own moment), and is saved to the account.
"""

from __future__ import annotations

import time
from typing import cast
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import Flask, Response, g, has_app_context, request
from flask_babel import get_locale, get_translations

from safetyplan.config import PROJECT_ROOT, Settings
from safetyplan.extensions import babel

#: Languages with a complete catalogue. English is the source language.
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def select_locale() -> str:
    """The locale for this request, always one of LANGUAGES."""
    if "chosen_language" in g:  # chosen in this request (at sign-in, or on the account page)
        return str(g.chosen_language[0])
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        remember_choice(chosen, int(time.time()))
        return chosen
    remembered = remembered_choice()
    if remembered is not None:
        return remembered[0]
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def remember_choice(language: str, chosen_at: int) -> None:
    """Use ``language`` from this request on, and remember it (with when it was chosen) in the cookie."""
    g.chosen_language = (language, chosen_at)


def remembered_choice() -> tuple[str, int] | None:
    """The language chosen in this browser, and when (0 for a cookie from before the time was kept), or None."""
    value = request.cookies.get(LANGUAGE_COOKIE, "")
    code, _, moment = value.partition(".")
    if code not in LANGUAGES or not (moment == "" or (moment.isascii() and moment.isdigit() and len(moment) <= 12)):
        return None
    return code, int(moment or 0)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def language_switch() -> list[dict[str, str]]:
    """Links to this page in each other language, for the switch in the page header. (Signed in, the layout sends
    the choice as a form instead, with ``back`` as where to come back to, so that it is saved to the account.)"""
    current = current_language()
    links = []
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    back = f"{request.path}?{urlencode(args)}" if args else request.path
    for code, name in LANGUAGES.items():
        if code == current:
            continue
        links.append(
            {"code": code, "name": name, "href": f"{request.path}?{urlencode([*args, ('lang', code)])}", "back": back}
        )
    return links


def translations() -> NullTranslations:
    """The catalogue of the language in use, found once for each language a request uses. (Flask-Babel finds it
    afresh for every string, through four lookups of the request's context: a plan page's 35 strings cost more than
    a tenth of its time.) Kept with the locale Flask-Babel keeps for the request, and found again when that changes
    (``force_locale``, a language chosen at sign-in)."""
    if not has_app_context():
        return cast(NullTranslations, get_translations())
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)  # Flask-Babel's own record of the locale
    kept = g.get("_safetyplan_translations")
    if kept is not None and locale is not None and kept[0] is locale:
        return cast(NullTranslations, kept[1])
    found = cast(NullTranslations, get_translations())
    g._safetyplan_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), found)
    return found


def gettext(string: str, **variables: object) -> str:
    """Flask-Babel's ``gettext``, through the catalogue found once per language (``translations``): for code that
    builds many strings of one page."""
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def init_app(app: Flask, settings: Settings) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/London"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    secure_cookie = settings.is_production

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = g.get("chosen_language")
        if chosen:
            language, chosen_at = chosen
            response.set_cookie(
                LANGUAGE_COOKIE,
                f"{language}.{chosen_at}",
                max_age=LANGUAGE_COOKIE_MAX_AGE,
                secure=secure_cookie,
                httponly=True,
                samesite="Lax",
            )
        return response

    app.jinja_env.globals.update(current_language=current_language, language_switch=language_switch)
