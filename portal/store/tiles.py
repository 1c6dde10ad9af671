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

from sqlalchemy import Row, and_, select, text
from sqlalchemy.orm import Session

from portal.store.features import BBox, read_features
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


#: One tile of a layer encoded by PostGIS from the stored WKB: geometry clipped, snapped to the
#: tile grid and simplified by ``ST_AsMVTGeom``; properties are passed in as JSONB per record.
_POSTGIS_TILE = text(
    """
    WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS envelope),
    rows AS (
      SELECT f.id, f.props,
             ST_AsMVTGeom(ST_Transform(ST_GeomFromWKB(f.geom, 4326), 3857), bounds.envelope,
                          :extent, :buffer, true) AS geom
      FROM (SELECT unnest(CAST(:ids AS integer[])) AS id, unnest(CAST(:geoms AS bytea[])) AS geom,
                   unnest(CAST(:props AS jsonb[])) AS props) AS f, bounds
    )
    SELECT ST_AsMVT(rows.*, :name, :extent, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
    """
)


def postgis_encode(session: Session, name: str, tile: Tile, ids: list[int],
                   geoms: list[bytes], props: list[str]) -> bytes:
    """Return one MVT layer ``name`` encoded by PostGIS from WKB and JSON properties.

    Used by the benchmark to weigh PostGIS's encoder against the Python one on the same rows.
    """
    found = session.execute(_POSTGIS_TILE, {
        "z": tile.z, "x": tile.x, "y": tile.y, "extent": EXTENT, "buffer": BUFFER,
        "name": name, "ids": ids, "geoms": geoms, "props": props,
    }).scalar()
    return bytes(found or b"")
