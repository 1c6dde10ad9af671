"""Values of a raster at records: the cell under a point, people within a radius, hazard flags.

Points come in WGS 84 longitude/latitude and are moved to the raster's CRS (VN-2000 with the
standard shift, ``geodata.crs``); the raster is read cell by cell at the points or window by
window under each circle (``exactextract``), never whole.

People within a radius: the circle is a polygon of ``CIRCLE_VERTICES`` vertices (a regular
polygon inscribed in the circle, whose area is the circle's times
``n / (2 pi) * sin(2 pi / n)``: 0.010 % less for 256 vertices), drawn in the raster's own
metres for a projected raster (UTM, VN-2000 / TM-3: the projection's scale error, under 0.1 %,
is not corrected) and on the WGS 84 ellipsoid (geodesic distances from the point, ``pyproj.Geod``)
for a geographic one. ``exactextract`` then adds each cell's value times the fraction of the
cell the polygon covers, so a population grid of people per cell gives people, not cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import rasterio
import rasterio.windows
import shapely
from pyproj import CRS, Geod

from geodata.crs import from_wgs84, to_wgs84

#: Vertices of the polygon standing for a circle.
CIRCLE_VERTICES = 256
_GEOD = Geod(ellps="WGS84")


def circle_area_ratio(vertices: int = CIRCLE_VERTICES) -> float:
    """Return the area of the inscribed regular polygon over the circle's.

    >>> round(1 - circle_area_ratio(), 6)
    0.0001
    """
    return vertices / (2 * math.pi) * math.sin(2 * math.pi / vertices)


def _raster_crs(dataset) -> CRS:
    return CRS.from_user_input(dataset.crs)


def values_at(path: Path | str, lons: Sequence[float], lats: Sequence[float],
              band: int = 1) -> np.ndarray:
    """Return the value of the cell under each point (NaN off the raster or on nodata).

    A point on the edge between two cells takes the cell to its east and south, as rasterio's
    ``index`` does.
    """
    with rasterio.open(path) as dataset:
        xs, ys = from_wgs84(lons, lats, _raster_crs(dataset))
        return _values(dataset, xs, ys, band)


def _values(dataset, xs: np.ndarray, ys: np.ndarray, band: int) -> np.ndarray:
    answer = np.full(len(xs), np.nan)
    inverse = ~dataset.transform
    cols, rows = inverse @ (np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    finite = np.isfinite(cols) & np.isfinite(rows)
    cols = np.where(finite, np.floor(np.nan_to_num(cols)), -1).astype(np.int64)
    rows = np.where(finite, np.floor(np.nan_to_num(rows)), -1).astype(np.int64)
    inside = (cols >= 0) & (cols < dataset.width) & (rows >= 0) & (rows < dataset.height)
    nodata = dataset.nodatavals[band - 1]
    for i in np.flatnonzero(inside):
        window = rasterio.windows.Window(int(cols[i]), int(rows[i]), 1, 1)
        value = float(dataset.read(band, window=window)[0, 0])
        if nodata is None or not (value == nodata or (math.isnan(nodata) and math.isnan(value))):
            answer[i] = value
    return answer


def circles(lons: Sequence[float], lats: Sequence[float], radius_m: float,
            crs: CRS) -> list[shapely.Polygon]:
    """Return a polygon of ``CIRCLE_VERTICES`` vertices around each point, in ``crs``.

    Projected ``crs``: the circle of ``radius_m`` of its own units around the projected point;
    geographic: the points at ``radius_m`` metres on the ellipsoid in every direction.
    """
    angles = np.linspace(0.0, 360.0, CIRCLE_VERTICES, endpoint=False)
    polygons = []
    if crs.is_geographic:
        for lon, lat in zip(lons, lats, strict=True):
            ring_lons, ring_lats, _ = _GEOD.fwd(np.full(angles.shape, lon),
                                                np.full(angles.shape, lat), angles,
                                                np.full(angles.shape, radius_m))
            xs, ys = from_wgs84(ring_lons, ring_lats, crs)
            polygons.append(shapely.Polygon(np.column_stack([xs, ys])))
        return polygons
    centres_x, centres_y = from_wgs84(lons, lats, crs)
    radians = np.radians(angles)
    for x, y in zip(centres_x, centres_y, strict=True):
        polygons.append(shapely.Polygon(np.column_stack([x + radius_m * np.sin(radians),
                                                         y + radius_m * np.cos(radians)])))
    return polygons


def sums_within(path: Path | str, lons: Sequence[float], lats: Sequence[float],
                radius_m: float) -> np.ndarray:
    """Return the sum of the raster within ``radius_m`` metres of each point.

    Each cell counts its value times the share of it inside the circle; nodata cells count
    nothing.
    """
    from exactextract import exact_extract

    import geopandas as gpd

    if len(lons) == 0:
        return np.zeros(0)
    with rasterio.open(path) as dataset:
        crs = _raster_crs(dataset)
        frame = gpd.GeoDataFrame({"n": np.arange(len(lons))},
                                 geometry=circles(lons, lats, radius_m, crs), crs=crs)
        result = exact_extract(dataset, frame, "sum", include_cols=["n"], output="pandas")
    sums = np.zeros(len(lons))
    sums[result["n"].to_numpy()] = result["sum"].to_numpy(dtype=float)
    return sums


def over_threshold(values: np.ndarray, threshold: float) -> list[bool | None]:
    """Return, per value, whether it is at or over ``threshold`` (None where there is no value).

    >>> over_threshold(np.array([0.2, 0.5, np.nan]), 0.5)
    [False, True, None]
    """
    return [None if math.isnan(v) else bool(v >= threshold) for v in values.tolist()]


def cell_centre_wgs84(path: Path | str, row: int, col: int) -> tuple[float, float]:
    """Return the longitude and latitude of a cell's centre (for tests and checks)."""
    with rasterio.open(path) as dataset:
        x, y = dataset.xy(row, col)
        lons, lats = to_wgs84([x], [y], _raster_crs(dataset))
    return float(lons[0]), float(lats[0])
