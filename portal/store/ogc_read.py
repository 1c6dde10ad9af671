"""Reads of ``/ogc`` beyond the features store: the stored areas of a level, by box and code."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from portal.store.models import Area

BBox = tuple[float, float, float, float]

AREA_COLUMNS = (Area.code, Area.name, Area.level, Area.unit_type, Area.vintage, Area.provenance,
                Area.parent_code, Area.area_km2, Area.geom)


def read_areas(session: Session, level: str, bbox: BBox | None = None,
               code: str | None = None) -> Sequence[Row]:
    """Return the stored areas of ``level`` overlapping ``bbox`` (or of one code), by code."""
    query = select(*AREA_COLUMNS).where(Area.level == level)
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        query = query.where(Area.maxx >= minx, Area.minx <= maxx, Area.maxy >= miny,
                            Area.miny <= maxy)
    if code is not None:
        query = query.where(Area.code == code)
    return session.execute(query.order_by(Area.code)).all()
