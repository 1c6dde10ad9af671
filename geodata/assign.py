"""Which area a point lies in: prepared polygons and ``shapely.contains_xy``, bbox first.

``geopandas.sjoin`` takes about 1.8 s for 1,000,000 points over the 65 communes; testing only the
points inside each polygon's bounding box against the prepared polygon is several times faster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import geopandas as gpd
import shapely


def representative_xy(geometries: Sequence[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    """Return one point per geometry: the point itself, a line's middle, a polygon's inside.

    >>> xs, ys = representative_xy([shapely.Point(1, 2), shapely.LineString([(0, 0), (4, 0)])])
    >>> xs.tolist(), ys.tolist()
    ([1.0, 2.0], [2.0, 0.0])
    """
    geoms = np.asarray(geometries, dtype=object)
    points = np.empty(len(geoms), dtype=object)
    kinds = shapely.get_type_id(geoms)
    is_point = kinds == 0
    is_line = np.isin(kinds, (1, 2, 5))
    other = ~(is_point | is_line)
    points[is_point] = geoms[is_point]
    if is_line.any():
        points[is_line] = shapely.line_interpolate_point(geoms[is_line], 0.5, normalized=True)
    if other.any():
        points[other] = shapely.point_on_surface(geoms[other])
    return shapely.get_x(points).astype(float), shapely.get_y(points).astype(float)


def assign_points(
    xs: np.ndarray,
    ys: np.ndarray,
    areas: gpd.GeoDataFrame,
    code_column: str = "code",
    tolerance_deg: float = 0.02,
) -> np.ndarray:
    """Return the code of the area holding each point, None where none is near enough.

    A point outside every area but within ``tolerance_deg`` of one (a border village placed a
    little over the line) goes to the nearest area.
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    result = np.full(xs.shape, None, dtype=object)
    if xs.size == 0 or len(areas) == 0:
        return result
    geoms = areas.geometry.to_numpy()
    codes = areas[code_column].to_numpy()
    shapely.prepare(geoms)
    for geom, code, (minx, miny, maxx, maxy) in zip(
        geoms, codes, shapely.bounds(geoms), strict=True
    ):
        candidates = np.flatnonzero(
            (xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy) & (result == None)  # noqa: E711
        )
        if candidates.size:
            inside = shapely.contains_xy(geom, xs[candidates], ys[candidates])
            result[candidates[inside]] = code
    _assign_near_misses(xs, ys, geoms, codes, result, tolerance_deg)
    return result


def _assign_near_misses(xs, ys, geoms, codes, result, tolerance_deg) -> None:
    missing = np.flatnonzero(result == None)  # noqa: E711
    if missing.size == 0:
        return
    tree = shapely.STRtree(geoms)
    points = shapely.points(xs[missing], ys[missing])
    point_index, area_index = tree.query_nearest(
        points, max_distance=tolerance_deg, return_distance=False, all_matches=False
    )
    result[missing[point_index]] = codes[area_index]
