"""``/basemap/<name>/<z>/<x>/<y>.<ext>``: tiles of the basemaps kept in the instance folder.

Public and cacheable: no session or user is read (the security headers treat the path as a
static file), each tile carries an ETag (a 304 when unchanged) and a long ``Cache-Control``.
Outside the basemap's zooms or bounds, a tile the archive lacks, a wrong extension or an unknown
name: an empty 404, cacheable a day. Gzipped vector tiles are sent as they are stored, with
``Content-Encoding: gzip``.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from portal.services.basemaps import read_tile
from portal.web.basemaps import PublicFileSessions, instance_folder

blueprint = Blueprint("basemaps", __name__)
#: A tile of a kept archive never changes under its name and checksum: a month.
TILE_MAX_AGE = 30 * 24 * 3600
MISSING_MAX_AGE = 24 * 3600


@blueprint.record_once
def _public_file_sessions(state) -> None:
    state.app.session_interface = PublicFileSessions()


@blueprint.get("/basemap/<name>/<int:z>/<int:x>/<int:y>.<ext>")
def basemap_tile(name: str, z: int, x: int, y: int, ext: str) -> Response:
    """Return one tile of a kept basemap (XYZ address), or an empty 404."""
    g.public_file = True
    tile = read_tile(instance_folder(), name, z, x, y, ext)
    if tile is None:
        missing = Response(b"", status=404, mimetype="text/plain")
        missing.headers["Cache-Control"] = f"public, max-age={MISSING_MAX_AGE}"
        return missing
    response = Response(tile.data, mimetype=tile.mimetype)
    if tile.encoding:
        response.headers["Content-Encoding"] = tile.encoding
    response.headers["Cache-Control"] = f"public, max-age={TILE_MAX_AGE}"
    response.set_etag(tile.etag)
    return response.make_conditional(request)
