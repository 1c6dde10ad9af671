"""Checking and repairing the geometry of official boundary units.

A unit must be a non-empty polygon inside Lạng Sơn's box; an invalid ring is repaired with
``make_valid`` when that changes the unit's area by 1 % at most. Areas are measured in the
province's equal-area projection.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import pyproj
import shapely

from geodata.boundary_report import BoundaryImport
from geodata.crs import LANGSON_BBOX
from geodata.generators import EQUAL_AREA_CRS

_MAX_AREA_CHANGE = 0.01  # a repair may change a unit's area by 1 % at most
_BBOX_SLACK_DEG = 0.1


def clean_geometry(
    geometry: shapely.Geometry | None, row: int, code: str, report: BoundaryImport
) -> shapely.Geometry | None:
    """Return a valid polygonal geometry, repaired if need be, or ``None`` with a problem."""
    if geometry is None or geometry.is_empty:
        report.problem("empty", row, "geometry", None, code=code)
        return None
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        kind = geometry.geom_type
        report.problem("not_polygon", row, "geometry", kind, code=code, kind=kind)
        return None
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    west, south, east, north = np.add(LANGSON_BBOX, [-_BBOX_SLACK_DEG] * 2 + [_BBOX_SLACK_DEG] * 2)
    if not (west <= minx and maxx <= east and south <= miny and maxy <= north):
        report.problem("outside", row, "geometry", None, code=code)
        return None
    if geometry.is_valid:
        return geometry
    repaired = polygonal(geometry)
    before, after = _area_m2(geometry), _area_m2(repaired)
    # A bow-tie's lobes cancel in the ring's signed area: a large change means the ring does
    # not say which side is inside, and guessing would invent land.
    if repaired.is_empty or before <= 0 or abs(after - before) > _MAX_AREA_CHANGE * before:
        report.problem("unrepairable", row, "geometry", None, code=code)
        return None
    report.check("repaired", [code], abs(after - before) / 1e4, row=row, code=code)
    return repaired


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return the polygons of ``make_valid(geometry)`` (it may add lines and points)."""
    parts = shapely.get_parts(shapely.make_valid(geometry))
    return shapely.union_all([p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")])


def to_metres(geometries: Sequence[shapely.Geometry]) -> np.ndarray:
    """Project WGS 84 geometries into the province's equal-area projection."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    return shapely.transform(
        np.asarray(geometries, dtype=object),
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )


def _area_m2(geometry: shapely.Geometry) -> float:
    """Return the area of a WGS 84 geometry in square metres."""
    return float(shapely.area(to_metres([geometry])[0]))
