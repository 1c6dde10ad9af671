"""The records whose bounding box overlaps a view, through the database's spatial index.

SQLite looks the box up in the R*Tree ``features_rtree``; PostgreSQL in the GiST index on
``box(point(minx, miny), point(maxx, maxy))`` (both made by migration 0006). The R*Tree keeps
32-bit boxes rounded outwards, so the exact comparison of the stored columns follows it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, and_, column, func, literal, select, table

from portal.store.models import Feature

BBox = tuple[float, float, float, float]

_RTREE = table(
    "features_rtree", column("id"), column("minx"), column("maxx"), column("miny"), column("maxy")
)


def _exact(bbox: BBox) -> ColumnElement[bool]:
    minx, miny, maxx, maxy = bbox
    return and_(
        Feature.maxx >= minx, Feature.minx <= maxx, Feature.maxy >= miny, Feature.miny <= maxy
    )


def _box(minx, miny, maxx, maxy):
    return func.box(func.point(minx, miny), func.point(maxx, maxy))


def overlaps(dialect: str, bbox: BBox) -> ColumnElement[bool]:
    """Return the condition "the record's box overlaps ``bbox``" that uses the spatial index."""
    minx, miny, maxx, maxy = bbox
    if dialect == "sqlite":
        candidates = select(_RTREE.c.id).where(
            _RTREE.c.maxx >= minx, _RTREE.c.minx <= maxx,
            _RTREE.c.maxy >= miny, _RTREE.c.miny <= maxy,
        )
        return and_(Feature.id.in_(candidates), _exact(bbox))
    if dialect == "postgresql":
        view = _box(*(literal(v, Float) for v in bbox))
        stored = _box(Feature.minx, Feature.miny, Feature.maxx, Feature.maxy)
        return and_(stored.op("&&")(view), _exact(bbox))
    return _exact(bbox)


def is_index_table(name: str) -> bool:
    """Tell whether a table is the spatial index or one of its shadow tables (not data).

    >>> [is_index_table(t) for t in ("features", "features_rtree", "features_rtree_node")]
    [False, True, True]
    """
    return name == "features_rtree" or name.startswith("features_rtree_")
