"""Interface language: Vietnamese by default, English on request (``?lang=en``, then a cookie).

Chinese (Simplified, ``zh``) is offered on the public pages visitors read (`ZH_ENDPOINTS`: the
geopark page and the page about the data); the staff pages, whose catalogue has no Chinese,
fall back to the default language for a ``zh`` request or cookie.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale

LOCALES = ("vi", "en", "zh")
#: Pages with a Chinese interface; every other page offers Vietnamese and English only.
ZH_ENDPOINTS = frozenset({"maps.geopark", "maps.about"})
#: How each language is named in its own script, for the language switch.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "zh": "中文"}
#: The ``<html lang>`` value of each language.
HTML_LANG = {"vi": "vi", "en": "en", "zh": "zh-Hans"}
COOKIE = "lang"


def select_locale() -> str:
    """Pick the language: ``lang`` query argument, then the cookie, then the default."""
    offered = page_locales()
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in offered:
            return candidate
    return current_app.config["PORTAL_SETTINGS"].default_locale


def page_locales() -> tuple[str, ...]:
    """Return the languages the current page is offered in (Chinese on the public pages)."""
    if request.endpoint in ZH_ENDPOINTS:
        return LOCALES
    return tuple(code for code in LOCALES if code != "zh")


def current_locale() -> str:
    """Return the active language code."""
    return str(get_locale() or "vi")


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and remember an explicit language choice in a cookie."""
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        return response

    @app.context_processor
    def locale_context():
        from portal.web.assets import PAGE_ASSETS

        return {
            "locale": current_locale(),
            "locales": page_locales(),
            "language_names": LANGUAGE_NAMES,
            "html_lang": HTML_LANG.get(current_locale(), "vi"),
            "html_langs": HTML_LANG,
            "language_url": language_url,
            "page_assets": PAGE_ASSETS,
        }


def language_url(code: str) -> str:
    """Return the current page's URL with the language switched to ``code``."""
    args = request.args.to_dict()
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"
