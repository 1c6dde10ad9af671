"""Interface language: Vietnamese by default, English on request (``?lang=en``, then a cookie)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale

LOCALES = ("vi", "en")
COOKIE = "lang"


def select_locale() -> str:
    """Pick the language: ``lang`` query argument, then the cookie, then the default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LOCALES:
            return candidate
    return current_app.config["PORTAL_SETTINGS"].default_locale


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
            "locales": LOCALES,
            "language_url": language_url,
            "page_assets": PAGE_ASSETS,
        }


def language_url(code: str) -> str:
    """Return the current page's URL with the language switched to ``code``."""
    args = request.args.to_dict()
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"
