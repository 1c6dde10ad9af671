"""What a vector tile holds: Web-Mercator XYZ tile bounds, and the records or areas they meet.

A tile ``z/x/y`` (XYZ: ``y`` counted down from the north) covers a square of the Web-Mercator
plane (EPSG:3857); its content is read in lon/lat over the tile's square grown by the buffer
(``BUFFER`` of ``EXTENT`` units on each side), so a shape near an edge is drawn whole on both
sides. Records are those of :func:`portal.store.features.read_features` for the same box and
date (their state on ``as_of``, found through the spatial index); areas come from ``areas``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Boolean, Row, String, and_, cast, func, literal, literal_column, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from portal.store.features import BBox, _current, _in_bbox, read_features
from portal.store.models import Area

#: Highest zoom served (MapLibre and Leaflet overzoom beyond it).
MAX_ZOOM = 22
#: Tile-local units across a tile (MVT 2.1) and the margin drawn around it, in the same units.
EXTENT = 4096
BUFFER = 64
#: Half the width of the Web-Mercator square, in metres (EPSG:3857).
HALF_WORLD = 20037508.342789244
#: The latitude where the Web-Mercator square ends.
MAX_LATITUDE = 85.0511287798066


@dataclass(frozen=True)
class Tile:
    """One XYZ tile: zoom, column (west to east) and row (north to south)."""

    z: int
    x: int
    y: int

    def mercator_bounds(self) -> BBox:
        """Return the tile's square in EPSG:3857 metres: (minx, miny, maxx, maxy).

        >>> Tile(0, 0, 0).mercator_bounds() == (-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD)
        True
        """
        size = 2 * HALF_WORLD / 2**self.z
        minx = -HALF_WORLD + self.x * size
        maxy = HALF_WORLD - self.y * size
        return (minx, maxy - size, minx + size, maxy)

    def lonlat_bounds(self, buffer: float = BUFFER) -> BBox:
        """Return the tile's square grown by ``buffer`` tile units, in lon/lat degrees.

        >>> [round(v, 4) for v in Tile(1, 1, 0).lonlat_bounds(0)]
        [0.0, 0.0, 180.0, 85.0511]
        """
        minx, miny, maxx, maxy = self.mercator_bounds()
        margin = (maxx - minx) * buffer / EXTENT
        west, south = mercator_to_lonlat(minx - margin, miny - margin)
        east, north = mercator_to_lonlat(maxx + margin, maxy + margin)
        return (west, south, east, north)


def mercator_to_lonlat(mx: float, my: float) -> tuple[float, float]:
    """Return the lon/lat of a Web-Mercator point (latitudes past the square's edge clamped).

    >>> [round(v, 6) for v in mercator_to_lonlat(0.0, 0.0)]
    [0.0, 0.0]
    """
    lon = mx / HALF_WORLD * 180.0
    my = max(-HALF_WORLD, min(HALF_WORLD, my))
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return lon, lat


def tile_records(session: Session, layer_id: str, as_of: dt.date, tile: Tile) -> Sequence[Row]:
    """Return a layer's records on ``as_of`` whose box meets the tile (buffer included)."""
    return read_features(session, layer_id, as_of, tile.lonlat_bounds())


def tile_areas(session: Session, level: str, tile: Tile) -> Sequence[Row]:
    """Return code, name, level and WKB of the areas of ``level`` whose box meets the tile."""
    minx, miny, maxx, maxy = tile.lonlat_bounds()
    return session.execute(
        select(Area.code, Area.name, Area.level, Area.geom)
        .where(Area.level == level)
        .where(and_(Area.maxx >= minx, Area.minx <= maxx, Area.maxy >= miny, Area.miny <= maxy))
        .order_by(Area.code)
    ).all()


def has_postgis(session: Session) -> bool:
    """Tell whether the store is PostgreSQL with the PostGIS extension installed."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"))
    return found.first() is not None


def postgis_records_tile(session: Session, layer_id: str, as_of: dt.date, tile: Tile,
                         public_fields: Sequence[str], names: tuple[dict, dict]) -> bytes:
    """Return a layer's tile made wholly by PostGIS: the records read and encoded in one query.

    The rows are those of :func:`tile_records`; their properties the ones
    :func:`portal.services.public_record.record_properties` gives the public (``names``: the
    commune and district names by code), the layer-level status label and colour and nulls left
    out, the ``incomplete`` list as JSON text; ``ST_AsMVTGeom`` clips and snaps the WKB turned
    into geometry. An empty tile is ``b""`` (``ST_AsMVT`` of no row).
    """
    rows = _in_bbox(_current(layer_id, as_of), tile.lonlat_bounds(), session).subquery()
    empty = literal_column("'{}'::jsonb", JSONB)
    own = func.coalesce(cast(rows.c.attributes, JSONB), empty)
    merged = own.op("||")(func.coalesce(cast(rows.c.state_attributes, JSONB), empty))
    communes, districts = (literal(dict(n), JSONB) for n in names)
    identity = func.jsonb_build_object(
        "id", rows.c.id, "record_id", rows.c.record_id, "name", rows.c.name,
        "status", rows.c.status, "progress", rows.c.progress,
        "updated", cast(rows.c.valid_from, String),
        "commune_code", rows.c.commune_code, "commune_name", communes.op("->")(rows.c.commune_code),
        "district_code", rows.c.district_code,
        "district_name", districts.op("->")(rows.c.district_code),
        "illustrative", rows.c.illustrative,
        "incomplete", cast(func.coalesce(own.op("->")("incomplete"), text("'[]'::jsonb")), String),
        "position_approximate",
        func.coalesce(cast(own.op("->>")("position_approximate"), Boolean), False),
    )
    fields = func.jsonb_build_object(
        *(part for name in public_fields for part in (name, merged.op("->")(name)))
    ) if public_fields else empty
    envelope = func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    geom = func.ST_AsMVTGeom(
        func.ST_Transform(func.ST_GeomFromWKB(rows.c.geom, 4326), 3857), envelope, EXTENT,
        BUFFER, True)
    props = func.jsonb_strip_nulls(identity.op("||")(fields))
    features = select(rows.c.id, props.label("props"), geom.label("geom")).subquery("mvt_rows")
    query = select(func.ST_AsMVT(literal_column("mvt_rows"), layer_id, EXTENT, "geom", "id")
                   ).select_from(features).where(features.c.geom.is_not(None))
    return bytes(session.execute(query).scalar() or b"")
