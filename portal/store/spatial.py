"""The records whose bounding box overlaps a view, through the database's spatial index.

SQLite looks the box up in the R*Tree ``features_rtree``; PostgreSQL in the GiST index on
``box(point(minx, miny), point(maxx, maxy))`` (both made by migration 0006). The R*Tree keeps
32-bit boxes rounded outwards, so the exact comparison of the stored columns follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Float, and_, column, func, literal, select, table
from sqlalchemy.orm import Session

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


_TRIGGER = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'features_rtree_insert'"


@contextmanager
def rtree_filled_after(session: Session) -> Iterator[None]:
    """Insert many features with the R*Tree filled once afterwards, not row by row (SQLite).

    The insert trigger costs about three times the insert itself when 100,000 records come
    in one go; it is dropped inside the caller's transaction and made again from its stored
    text, so a rollback undoes both and no other connection ever sees the store without it.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    trigger = connection.exec_driver_sql(_TRIGGER).scalar()
    if trigger is None:
        yield
        return
    # The driver opens a transaction before a write only: a no-op write opens it before the DDL.
    connection.exec_driver_sql("DELETE FROM features_rtree WHERE 0")
    before = session.scalar(select(func.max(Feature.id))) or 0
    connection.exec_driver_sql("DROP TRIGGER features_rtree_insert")
    try:
        yield
    finally:
        connection.exec_driver_sql(
            "INSERT INTO features_rtree (id, minx, maxx, miny, maxy) "
            "SELECT id, minx, maxx, miny, maxy FROM features WHERE id > ? AND minx IS NOT NULL",
            (before,),
        )
        connection.exec_driver_sql(trigger)
