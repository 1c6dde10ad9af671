"""Raster layers as JSON (``/api/rasters``) and as PNG map tiles (``/tiles/rasters/...``).

A visitor sees public rasters only; a private raster is a 404 to them, as a missing one. A
public raster's tile never touches the sign-in session (no cookie read, none set), so any cache
may keep it; its ETag is the file's SHA-256 and the style's digest, with a long lifetime.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.services.access import signed_in
from portal.services.raster_tiles import MEDIA_TYPE, OutsideRaster, render_tile, style_key
from portal.services.rasters import describe
from portal.store import rasters as store
from portal.web import params
from portal.web.basemaps import PublicFileSessions
from portal.web.database import get_session
from portal.web.errors import MissingResource
from portal.web.i18n import current_locale
from portal.web.rasters import instance_path

blueprint = Blueprint("rasters_api", __name__)

#: Tiles kept per process (PNG bytes, a few KB each).
TILE_CACHE_SIZE = 1024
#: How long browsers and proxies may keep a tile of a public raster (its file never changes).
PUBLIC_MAX_AGE_S = 30 * 24 * 3600
MAX_ZOOM = 22
_lock = threading.Lock()


@blueprint.record_once
def _public_file_sessions(state) -> None:
    """Install the sessions that save nothing on a public file (as the basemaps' tiles do)."""
    if not isinstance(state.app.session_interface, PublicFileSessions):
        state.app.session_interface = PublicFileSessions()


def _not_found() -> MissingResource:
    return MissingResource(_("There is no such raster."), field="raster_id")


def _staff() -> bool:
    return signed_in(current_user)


def _visible(raster_id: int, *, need_current: bool = False) -> store.Raster:
    """Return the raster if the caller may see it; a 404 otherwise (private = missing)."""
    row = store.get_raster(get_session(), raster_id)
    if row is None or (need_current and row.withdrawn_at is not None):
        raise _not_found()
    if not row.public and not _staff():
        raise _not_found()
    return row


def tile_url(raster_id: int) -> str:
    """Return the Leaflet URL template of a raster's tiles."""
    return f"{request.script_root}/tiles/rasters/{raster_id}/{{z}}/{{x}}/{{y}}.png"


def _entry(row: store.Raster) -> dict:
    found = describe(row, current_locale())
    found["tiles"] = tile_url(row.id)
    found["withdrawn"] = row.withdrawn_at is not None
    return found


@blueprint.get("/api/rasters")
def raster_list():
    """List the rasters the maps show on ``as_of`` (latest per kind; public ones to visitors).

    Without ``as_of``, the latest raster of each kind. Each entry has its id, kind, names, unit,
    provenance, WGS 84 bounds, legend stops and tile URL template.
    """
    day = params.parse_date(request.args["as_of"]) if request.args.get("as_of") else None
    rows = store.current_rasters(get_session(), day, public_only=not _staff())
    return jsonify({"asOf": day.isoformat() if day else None,
                    "rasters": [_entry(row) for row in rows]})


@blueprint.get("/api/rasters/<int:raster_id>")
def raster_detail(raster_id: int):
    """Describe one raster (a private one is a 404 to visitors, as a missing one)."""
    row = _visible(raster_id)
    found = _entry(row)
    found["stats"] = row.stats
    return jsonify(found)


def _coordinate(value: str, name: str, highest: int) -> int:
    if not value.isdigit() or len(value) > 8 or int(value) > highest:
        raise MissingResource(
            _("%(field)s must be a whole number from 0 to %(highest)s (got %(value)s).",
              field=name, highest=highest, value=value[:20]), field=name)
    return int(value)


def _tile_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return a Web-Mercator tile's (west, south, east, north) in degrees."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("portal_raster_tiles", OrderedDict())


def _png(row: store.Raster, key: tuple, z: int, x: int, y: int) -> bytes:
    cache = _cache()
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    try:
        body = render_tile(store.raster_path(instance_path(), row), row.style or {}, z, x, y)
    except OutsideRaster:
        raise _not_found() from None
    with _lock:
        cache[key] = body
        while len(cache) > TILE_CACHE_SIZE:
            cache.popitem(last=False)
    return body


@blueprint.get("/tiles/rasters/<int:raster_id>/<z>/<x>/<y>.png")
def raster_tile(raster_id: int, z: str, x: str, y: str) -> Response:
    """Draw a 256-pixel PNG tile of a raster (Web-Mercator XYZ); nodata and outside clear.

    404 outside the raster's bounds, for a withdrawn raster, and for a private one to visitors.
    """
    zoom = _coordinate(z, "z", MAX_ZOOM)
    col, row_number = _coordinate(x, "x", 2**zoom - 1), _coordinate(y, "y", 2**zoom - 1)
    row = _visible(raster_id, need_current=True)
    if row.public:
        # The same tile for everyone: no session read or saved (``PublicFileSessions``), so no
        # ``Set-Cookie`` or ``Vary: Cookie`` keeps a shared cache from keeping it.
        g.public_file = True
    west, south, east, north = _tile_box(zoom, col, row_number)
    if west >= row.east or east <= row.west or south >= row.north or north <= row.south:
        raise _not_found()
    style = style_key(row.style or {})
    etag = f"{row.sha256[:20]}-{style}"
    lifetime = (f"public, max-age={PUBLIC_MAX_AGE_S}" if row.public
                else "private, max-age=3600")
    if request.if_none_match.contains(etag):
        answer = Response(status=304)
    else:
        key = (row.id, row.sha256, style, zoom, col, row_number)
        answer = Response(_png(row, key, zoom, col, row_number), mimetype=MEDIA_TYPE)
    answer.set_etag(etag)
    answer.headers["Cache-Control"] = lifetime
    return answer
