"""Response headers: the Content-Security-Policy and the usual hardening headers.

``init_app`` adds to every response a Content-Security-Policy that names no other origin (the
configured base map's tile host excepted, for images only), the usual hardening headers, and
``Cache-Control: private, no-store`` whenever a user is signed in.

Inline scripts: a page whose templates ask for ``csp_nonce()`` gets a policy without
``'unsafe-inline'``: its own inline scripts carry the nonce, and the scripts folium renders
(``MapHtml`` in a template's context) are allowed by their SHA-256 hash. A page that never asks
for the nonce keeps ``'unsafe-inline'`` for scripts, so templates can move over one at a time.

Hidden per-area counts (``portal.services.disclosure``) print as themselves in templates.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.signals import before_render_template
from flask_login import current_user
from jinja2.filters import do_format
from markupsafe import Markup

from portal.services.disclosure import Suppressed

#: Headers every response carries besides the CSP.
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)
# A tile host may hold letters, digits, dots, dashes, a port and "{s}" (Leaflet's subdomains).
_TILE_HOST = re.compile(r"^[A-Za-z0-9.\-{}]+(:\d+)?$")


# --- Content-Security-Policy ---------------------------------------------------------------


def csp_nonce() -> str:
    """Return this response's script nonce (a Jinja global); using it drops ``'unsafe-inline'``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def script_hash(text: str) -> str:
    r"""Return the CSP hash source of an inline script's text.

    Browsers hash the text after HTML's newline normalisation, so CR LF counts as LF.

    >>> script_hash("var a = 1;")
    "'sha256-+dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w='"
    >>> script_hash("a();\r\nb();") == script_hash("a();\nb();")
    True
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(normalised.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def allow_script(text: str) -> None:
    """Allow one inline script we generated, by hash, in this response's policy."""
    g.setdefault("csp_hashes", set()).add(script_hash(text))


def allow_inline_scripts(html: Markup | str) -> None:
    """Allow every inline ``<script>`` of trusted, server-built HTML (folium's page header)."""
    for body in _INLINE_SCRIPT.findall(str(html)):
        allow_script(body)


def _trust_rendered_maps(_sender: Flask, template: Any, context: dict, **_extra: Any) -> None:
    # folium's output is ours: its script's config JSON escapes "</", so no record text can
    # open a script element of its own. Templates place ``map_html.script`` alone between
    # <script> and </script>, which is what the hash covers.
    from portal.web.mapbuilder import MapHtml

    for value in context.values():
        if isinstance(value, MapHtml):
            allow_inline_scripts(value.header)
            allow_script(str(value.script))


def tile_origin(url: str | None) -> str | None:
    """Return the CSP source of a tile URL template's host; None when it is ours or unusable.

    >>> tile_origin("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    'https://*.tiles.example.org'
    >>> tile_origin("/tiles/{z}/{x}/{y}.png") is None
    True
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not _TILE_HOST.match(parts.netloc):
        return None
    host = re.sub(r"\{[a-z]+\}", "*", parts.netloc)
    if "{" in host or "}" in host:
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(
    nonce: str | None = None,
    hashes: Iterable[str] = (),
    image_origins: Iterable[str] = (),
    html: bool = True,
    strict: bool = False,
) -> str:
    """Return the policy: our origin only, scripts by nonce and hash once a page uses them.

    ``strict``: inline scripts by hash only (a kept page, see ``portal.web.page_cache``).

    >>> "'unsafe-inline'" in content_security_policy(nonce="abc").split("style-src")[0]
    False
    >>> content_security_policy(hashes=["'sha256-x'"], strict=True).split("; ")[3]
    "script-src 'self' 'sha256-x'"
    """
    scripts = ["'self'"]
    if nonce or strict:
        scripts += [f"'nonce-{nonce}'"] if nonce else []
        scripts += sorted(hashes)
    elif html:
        # A page that has not moved to nonces yet (see the module docstring).
        scripts.append("'unsafe-inline'")
    directives = {
        "default-src": "'self'",
        "img-src": " ".join(["'self'", "data:", "blob:", *image_origins]),
        "style-src": "'self' 'unsafe-inline'",
        "script-src": " ".join(scripts),
        "connect-src": "'self'",
        "font-src": "'self' data:",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _is_static() -> bool:
    prefix = current_app.static_url_path or "/static"
    return request.path == prefix or request.path.startswith(prefix.rstrip("/") + "/")


def add_security_headers(response: Response) -> Response:
    """Add the CSP, hardening headers and, for signed-in users, ``private, no-store``.

    A view that set its own, stricter policy keeps it (a photo: ``default-src 'none'``).
    """
    settings = current_app.config["PORTAL_SETTINGS"]
    origin = tile_origin(settings.basemap_url)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = content_security_policy(
            nonce=g.get("csp_nonce"),
            hashes=g.get("csp_hashes", ()),
            image_origins=[origin] if origin else [],
            html=response.mimetype == "text/html",
            strict=g.get("csp_strict", False),
        )
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    # Static files and basemap tiles (``g.public_file``) are public: no session is read.
    if not _is_static() and not g.get("public_file") and current_user.is_authenticated:
        # What a signed-in user sees may hold records the public may not: never store it.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _format_shown(value: str, *args: Any, **kwargs: Any) -> str:
    """Jinja's ``format``, but a hidden count prints as itself: ``"%g"|format(row.done)``."""
    hidden = [a for a in args if isinstance(a, Suppressed)]
    if hidden:
        return hidden[0]
    return do_format(value, *args, **kwargs)


# --- setup ---------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Add the security headers to every response and the CSP helpers to the templates."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["format"] = _format_shown
    before_render_template.connect(_trust_rendered_maps, app)
    app.after_request(add_security_headers)
