"""Vector tiles (Mapbox Vector Tile 2.1, Web-Mercator XYZ) of the public layers and boundaries.

``/tiles/<layer>/<z>/<x>/<y>.mvt`` holds the records of a public layer on ``as_of`` (one MVT
layer named after the layer id, public fields and ``status``);
``/tiles/boundaries/<level>/<z>/<x>/<y>.mvt`` the areas of ``commune`` or ``district`` (one MVT
layer named after the level: code, name, level). Zoom 0 to 22, ``x`` and ``y`` in the zoom's
grid; anything else is a 404 in the API's error shape. A tile is kept per process by its
address, date and the store's data version, with an ETag (a 304 when unchanged) and
``Cache-Control: no-cache``. A tile with nothing in it is answered 200 with its layer and no
feature (GDAL opens it; MapLibre and Leaflet.VectorGrid draw nothing).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app
from flask_babel import gettext as _

from layers import get_layer
from portal.api.maps import _require_public
from portal.services.vector_tiles import MEDIA_TYPE, areas_tile, encode_layer, records_tile
from portal.store import features as feature_store
from portal.store import tiles as tile_store
from portal.store.progress import LEVELS
from portal.web import params
from portal.web.cache import VersionedCache, cached_answer, per_version
from portal.web.database import get_session
from portal.web.errors import MissingResource

blueprint = Blueprint("tiles", __name__)
#: Tiles kept per process: small (a few KB to a few hundred KB) and asked for again and again.
TILE_CACHE_SIZE = 2048
_NUMBER = re.compile(r"[0-9]{1,8}")


def _tile_cache() -> VersionedCache:
    found = current_app.extensions.get("portal_tiles")
    if found is None:
        found = current_app.extensions.setdefault("portal_tiles", VersionedCache(TILE_CACHE_SIZE))
    return found


def _number(value: str, name: str, highest: int) -> int:
    """Return a tile coordinate from the path, 0 to ``highest``; else a 404 naming it."""
    if not _NUMBER.fullmatch(value) or int(value) > highest:
        raise MissingResource(
            _("%(field)s must be a whole number from 0 to %(highest)s (got %(value)s).",
              field=name, highest=highest, value=value[:20]),
            field=name,
        )
    return int(value)


def _tile(z: str, x: str, y: str) -> tile_store.Tile:
    zoom = _number(z, "z", tile_store.MAX_ZOOM)
    return tile_store.Tile(zoom, _number(x, "x", 2**zoom - 1), _number(y, "y", 2**zoom - 1))


def _answer(key: tuple, compute) -> Response:
    """Answer a tile from the per-process cache, with its ETag; a 304 when the client has it."""
    return cached_answer(_tile_cache(), key, compute, MEDIA_TYPE)


def _postgis() -> bool:
    """Tell whether the store has PostGIS (asked once per process): its encoder is faster."""
    found = current_app.extensions.get("portal_tiles_postgis")
    if found is None:
        found = current_app.extensions["portal_tiles_postgis"] = tile_store.has_postgis(
            get_session())
    return found


def _names(level: str) -> dict[str, str]:
    session = get_session()
    return per_version("area_names", lambda: feature_store.area_names(session, level), level)


@blueprint.get("/tiles/boundaries/<level>/<z>/<x>/<y>.mvt")
def boundary_tile(level: str, z: str, x: str, y: str) -> Response:
    """Return a vector tile of one level of boundaries (``commune`` or ``district``)."""
    if level not in LEVELS:
        raise MissingResource(
            _("level must be one of: %(levels)s.", levels=", ".join(LEVELS)), field="level"
        )
    tile = _tile(z, x, y)
    params.as_of()  # validated for a uniform contract; boundaries have one vintage per level

    def compute() -> bytes:
        return areas_tile(level, tile, tile_store.tile_areas(get_session(), level, tile))

    return _answer(("tile", "boundaries", level, tile), compute)


@blueprint.get("/tiles/<layer_id>/<z>/<x>/<y>.mvt")
def layer_tile(layer_id: str, z: str, x: str, y: str) -> Response:
    """Return a vector tile of a public layer's records on ``as_of``."""
    layer = get_layer(layer_id)
    _require_public(layer)
    tile = _tile(z, x, y)
    as_of = params.as_of()

    def compute() -> bytes:
        session = get_session()
        names = _names("commune"), _names("district")
        if _postgis():
            fields = [f.name for f in layer.public_fields]
            found = tile_store.postgis_records_tile(session, layer.id, as_of, tile, fields, names)
            return found or encode_layer(layer.id, tile, [])
        return records_tile(layer, tile, tile_store.tile_records(session, layer.id, as_of, tile),
                            *names)

    return _answer(("tile", layer.id, as_of, tile), compute)
