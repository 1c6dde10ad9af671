"""Response headers (CSP and friends) and small-number suppression of per-area counts.

``init_app`` adds to every response a Content-Security-Policy that names no other origin (the
configured base map's tile host excepted, for images only), the usual hardening headers, and
``Cache-Control: private, no-store`` whenever a user is signed in.

Inline scripts: a page whose templates ask for ``csp_nonce()`` gets a policy without
``'unsafe-inline'``: its own inline scripts carry the nonce, and the scripts folium renders
(``MapHtml`` in a template's context) are allowed by their SHA-256 hash. A page that never asks
for the nonce keeps ``'unsafe-inline'`` for scripts, so templates can move over one at a time.

Per-area counts of a layer whose records are personal (``records_public=False``) are shown to
readers who may not see the records with every number from 1 to ``minimum - 1`` replaced by
``"<3"``, so that a count cannot single out a household. Replacing a cell is not enough when its
row or column total is published: ``count`` minus the other statuses, or the province minus the
other communes, would give it back. So a row or column with exactly one hidden cell hides one
more (a zero when there is one, shown as ``"<3"`` too; else the smallest, shown as ``"≥3"``): the
usual secondary suppression of statistical tables.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.signals import before_render_template
from flask_login import current_user
from jinja2.filters import do_format
from markupsafe import Markup

from layers.base import CountDone, LayerSpec
from portal.services.access import can_read_restricted
from portal.store.progress import AreaProgress

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
) -> str:
    """Return the policy: our origin only, scripts by nonce and hash once a page uses them.

    >>> "'unsafe-inline'" in content_security_policy(nonce="abc").split("style-src")[0]
    False
    """
    scripts = ["'self'"]
    if nonce:
        scripts += [f"'nonce-{nonce}'", *sorted(hashes)]
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
        )
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if not _is_static() and current_user.is_authenticated:
        # What a signed-in user sees may hold records the public may not: never store it.
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- small-number suppression --------------------------------------------------------------


class Suppressed(str):
    """A hidden count as shown: ``"<3"`` (0 to 2) or ``"≥3"`` (hidden to protect another)."""

    __slots__ = ()


@dataclass(frozen=True)
class ShownProgress:
    """An area's progress as one reader may see it; hidden numbers are `Suppressed` strings."""

    code: str
    name: str
    count: int | str
    target: float | str
    done: float | str
    percent: float | None
    expected_percent: float
    lagging: bool | None
    target_source: str
    status_counts: dict[str, int | str] = field(default_factory=dict)
    suppressed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["status_counts"] = dict(self.status_counts)
        return values

    @classmethod
    def unchanged(cls, row: AreaProgress) -> ShownProgress:
        """Show ``row`` as it is (a reader who may see it, or a public layer)."""
        return cls(**row.as_dict(), suppressed=False)


def _cells(row: AreaProgress, status_ids: Sequence[str]) -> dict[str, float]:
    cells: dict[str, float] = {"count": row.count, "done": row.done, "target": row.target}
    for status in status_ids:
        cells[f"status:{status}"] = row.status_counts.get(status, 0)
    return cells


def _pick(values: dict[str, float], hidden: set[str], candidates: Iterable[str], minimum: int):
    """Choose the cell to hide besides another: a small one (a zero) first, else the smallest."""
    free = [c for c in candidates if c not in hidden]
    if not free:
        return None
    return min(free, key=lambda c: (values[c] >= minimum, values[c], c))


def _row_groups(status_ids: Sequence[str], done_ids: Collection[str]) -> list[tuple]:
    """Return (margin cells, member cells): published totals and the cells adding up to them."""
    statuses = [f"status:{s}" for s in status_ids]
    groups = [(("count",), statuses)]
    if done_ids:
        groups.append((("done",), [f"status:{s}" for s in status_ids if s in done_ids]))
        groups.append((("count", "done"), [f"status:{s}" for s in status_ids if s not in done_ids]))
    return groups


def _protect_row(values, hidden: set[str], row: AreaProgress, groups, minimum: int) -> bool:
    before = len(hidden)
    if row.target_source == "records" and hidden & {"count", "target"}:
        hidden |= {"count", "target"}  # the target is the count itself
    for margins, members in groups:
        if hidden.intersection(margins) or len(hidden.intersection(members)) != 1:
            continue
        extra = _pick(values, hidden, members, minimum)
        hidden.add(extra if extra is not None else margins[0])
    return len(hidden) != before


def _protect_columns(values, hidden, rows: Sequence[int], minimum: int) -> bool:
    changed = False
    for cell in values[rows[0]] if rows else ():
        marked = [i for i in rows if cell in hidden[i]]
        if len(marked) != 1:
            continue
        # The level's total is published (the province row): hide one more area's cell.
        column = {str(i): values[i][cell] for i in rows}
        taken = {str(i) for i in marked}
        extra = _pick(column, taken, column, minimum)
        if extra is not None:
            hidden[int(extra)].add(cell)
            changed = True
    return changed


def _shown(row: AreaProgress, values, hidden: set[str], minimum: int) -> ShownProgress:
    def show(cell: str, value: float) -> Any:
        if cell not in hidden:
            return value
        return Suppressed(f"<{minimum}" if values[cell] < minimum else f"≥{minimum}")

    statuses = {s: show(f"status:{s}", n) for s, n in row.status_counts.items()}
    for cell in sorted(hidden):
        if cell.startswith("status:") and cell[7:] not in statuses:
            statuses[cell[7:]] = show(cell, 0)  # a hidden zero must not show as a missing key
    percent_hidden = bool(hidden & {"done", "target"})
    return ShownProgress(
        code=row.code,
        name=row.name,
        count=show("count", row.count),
        target=show("target", row.target),
        done=show("done", row.done),
        percent=None if percent_hidden else row.percent,
        expected_percent=row.expected_percent,
        lagging=None if percent_hidden else row.lagging,
        target_source=row.target_source,
        status_counts=statuses,
        suppressed=bool(hidden),
    )


def suppress_small(
    rows: Sequence[AreaProgress],
    minimum: int = 3,
    *,
    statuses: Sequence[str] = (),
    done_statuses: Collection[str] = (),
    exempt: Collection[str] = (),
) -> list[ShownProgress]:
    """Hide counts from 1 to ``minimum - 1`` in one level's rows, and what would give them back.

    Parameters
    ----------
    rows
        Every area of one level, as `area_progress` returns them.
    minimum
        Smallest count shown as it is; 0 is shown unless hidden to protect another cell.
    statuses
        The layer's status ids (zero cells can then protect others); those in the rows are added.
    done_statuses
        Status ids whose counts add up to ``done`` (`CountDone` layers); empty otherwise.
    exempt
        Area codes the reader may see in full: shown unchanged, never used to protect others.
    """
    status_ids = list(dict.fromkeys([*statuses, *(s for r in rows for s in r.status_counts)]))
    values = [_cells(r, status_ids) for r in rows]
    hidden: list[set[str]] = [
        set() if r.code in exempt else {c for c, v in cells.items() if 0 < v < minimum}
        for r, cells in zip(rows, values, strict=True)
    ]
    open_rows = [i for i, r in enumerate(rows) if r.code not in exempt]
    groups = _row_groups(status_ids, set(done_statuses))
    changed = True
    while changed:  # each pass only adds hidden cells, so this ends
        changed = False
        for i in open_rows:
            changed |= _protect_row(values[i], hidden[i], rows[i], groups, minimum)
        changed |= _protect_columns(values, hidden, open_rows, minimum)
    return [
        _shown(r, v, h, minimum) if r.code not in exempt else ShownProgress.unchanged(r)
        for r, v, h in zip(rows, values, hidden, strict=True)
    ]


def read_scope(user: Any, layer: LayerSpec) -> tuple[str, ...]:
    """Return what decides ``user``'s view of a layer's counts: a cache-key part.

    ``("public",)`` for layers whose records are public, ``("all",)`` for readers of the whole
    province, ``("areas", *codes)`` for readers of some areas, ``("none",)`` for everyone else.
    """
    if layer.records_public:
        return ("public",)
    if can_read_restricted(user, layer.id, ()):
        return ("all",)
    areas = tuple(sorted(getattr(user, "areas", None) or ()))
    if areas and can_read_restricted(user, layer.id, areas):
        return ("areas", *areas)
    return ("none",)


def shown_progress(
    layer: LayerSpec, rows: Sequence[AreaProgress], user: Any = None, minimum: int = 3
) -> list[ShownProgress]:
    """Return one level's progress rows as ``user`` (default: the signed-in one) may see them."""
    if layer.records_public:
        return [ShownProgress.unchanged(r) for r in rows]
    user = current_user if user is None else user
    exempt = {r.code for r in rows if can_read_restricted(user, layer.id, (r.code,))}
    done = (
        {s.id for s in layer.statuses if s.done}
        if isinstance(layer.progress_rule, CountDone)
        else set()
    )
    return suppress_small(
        rows, minimum, statuses=[s.id for s in layer.statuses], done_statuses=done, exempt=exempt
    )


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
