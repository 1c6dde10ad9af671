"""Zonal statistics of a raster per area, with exact cell coverage (``exactextract``).

Each polygon is moved to the raster's CRS (VN-2000 with the standard shift, through
:mod:`geodata.crs`); the raster itself is never resampled, so a population grid's counts stay
what the office handed over. ``exactextract`` computes, for every cell a polygon touches, the
fraction ``c`` of the cell the polygon covers, and the figures are weighted by it:

``sum``
    ``sum(v * c)`` over the valid cells: a population grid (people per cell) gives the people
    living in the area, exact to the fraction of each edge cell covered (never area-weighted:
    a cell's count is its count, whatever its area on the ground).
``mean``, ``min``, ``max``
    The mean is weighted by the area of each cell covered. In a projected CRS every cell has
    the same area and that is ``c``. In a geographic CRS (degrees) a cell's area shrinks with
    the cosine of its latitude, so the mean is weighted by ``c`` times the cell's area on the
    sphere (``exactextract``'s ``coverage_weight=area_spherical_m2``). Over Lạng Sơn (21.3° to
    22.5° N) cells in one district differ in area by up to about 0.5 %; weighting by area on the
    sphere rather than on the ellipsoid leaves an error in those relative weights below 1e-5,
    so a mean is exact to that (the spherical radius cancels out of every weighted ratio).
``cells``
    ``sum(c)`` over the valid cells: the valid cells covered, counted by fraction.
``area_km2``, ``covered_km2``, ``covered_share``
    ``area_km2`` is the polygon's area on the WGS 84 ellipsoid (``pyproj.Geod``).
    ``covered_share`` is the share of the polygon covered by valid cells: covered cell area
    divided by the polygon's area, both in the raster's CRS (planar units of a projected CRS;
    on the sphere for degrees, where the radius cancels out). An area partly outside the raster
    or over nodata holes reports less than 1; ``covered_km2 = covered_share * area_km2``.
``share``, ``share_km2`` (with a ``threshold``)
    The share of the covered area whose value is above the threshold (``above=True``, strictly
    greater) or below it (strictly less), by area as the mean is (a cell counts with its covered
    area, not as a whole): computed as the area-weighted mean of a 0/1 grid built beside the
    raster cell for cell (in memory, one byte a cell). ``share_km2 = share * covered_km2``.

An area without any valid cell (outside the raster, or all nodata) has ``None`` for ``sum``,
``mean``, ``min``, ``max`` and ``share``: "no data", never a zero.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj
import rasterio
import shapely

from geodata.crs import bind_vn2000, from_wgs84

#: The columns of :func:`zonal_stats`'s answer after the areas' own columns.
FIGURES = ("area_km2", "covered_km2", "covered_share", "cells", "mean", "sum", "min", "max")
THRESHOLD_FIGURES = ("share", "share_km2")
#: Nodata of the 0/1 grid behind a threshold share.
_INDICATOR_NODATA = 255
_GEOD = pyproj.Geod(ellps="WGS84")
#: A cylindrical equal-area projection on a sphere: areas on the sphere, as exactextract's
#: ``area_spherical`` weights (the radius does not matter: only ratios are taken).
_SPHERE_AREA = "+proj=cea +lon_0=0 +lat_ts=0 +R=6371008.8 +units=m +no_defs"


def zonal_stats(raster_path: str | Path, areas: gpd.GeoDataFrame, band: int = 1,
                threshold: float | None = None, above: bool = True) -> pd.DataFrame:
    """Return one row of figures per area of ``areas`` (its columns first, in its order).

    Parameters
    ----------
    raster_path : str or Path
        A GeoTIFF (or anything GDAL opens) with a CRS; its nodata value is honoured, as are NaN.
    areas : GeoDataFrame
        Polygons in any CRS (moved to the raster's); every column but the geometry is kept.
    band : int
        The band to summarise (1-based).
    threshold : float, optional
        With it, ``share`` and ``share_km2`` say how much of the covered area is above it
        (``above=True``) or below it.
    above : bool
        Whether the share counts values strictly above (True) or strictly below the threshold.
    """
    raster_path = Path(raster_path)
    with rasterio.open(raster_path) as source:
        raster_crs = pyproj.CRS.from_wkt(source.crs.to_wkt())
        transform = source.transform
    wgs84 = areas.to_crs(4326) if areas.crs is not None and not areas.crs.equals(4326) else areas
    moved = _to_raster_crs(wgs84.geometry.values, raster_crs)
    frame = pd.DataFrame(areas.drop(columns=areas.geometry.name)).reset_index(drop=True)
    geographic = raster_crs.is_geographic
    # Projected: every cell has one area, so the coverage fraction is the area weight.
    weight = "area_spherical_m2" if geographic else "fraction"
    ops = ["cells=count", "total=sum", "low=min", "high=max",
           f"average=mean(coverage_weight={weight})"]
    if geographic:
        ops.append(f"covered=count(coverage_weight={weight})")
    figures = _extract(raster_path, moved, raster_crs, band, ops)
    cells = figures["cells"].to_numpy(dtype=float)
    covered = (figures["covered"].to_numpy(dtype=float) if geographic
               else cells * abs(transform.a * transform.e - transform.b * transform.d))
    polygon_area = _polygon_areas(moved, wgs84.geometry.values, raster_crs)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_covered = np.where(polygon_area > 0, covered / polygon_area, 0.0)
    share_covered = np.clip(share_covered, 0.0, 1.0)
    frame["area_km2"] = np.abs([_GEOD.geometry_area_perimeter(g)[0] for g in
                                wgs84.geometry.values]) / 1e6
    frame["covered_km2"] = share_covered * frame["area_km2"]
    frame["covered_share"] = share_covered
    frame["cells"] = cells
    empty = cells <= 0
    for column, found in (("mean", "average"), ("sum", "total"), ("min", "low"),
                          ("max", "high")):
        frame[column] = _nulls_where(figures[found].to_numpy(dtype=float), empty)
    if threshold is not None:
        share = _threshold_share(raster_path, moved, raster_crs, band, threshold, above, weight)
        frame["share"] = _nulls_where(share, empty)
        frame["share_km2"] = _nulls_where(share * frame["covered_km2"].to_numpy(), empty)
    return frame


def _nulls_where(values: np.ndarray, empty: np.ndarray) -> pd.Series:
    """Return ``values`` as floats with ``None`` where the area has no valid cell."""
    series = pd.Series(values, dtype="float64")
    series[empty | ~np.isfinite(values)] = np.nan
    return series.astype(object).where(series.notna(), None)


def _to_raster_crs(geometries: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Move WGS 84 polygons into ``crs`` (VN-2000 bound to its standard shift)."""
    if crs.equals(pyproj.CRS.from_epsg(4326)):
        return np.asarray(geometries)
    bound = bind_vn2000(crs)

    def move(coords: np.ndarray) -> np.ndarray:
        xs, ys = from_wgs84(coords[:, 0], coords[:, 1], bound)
        return np.column_stack([xs, ys])

    return np.asarray([shapely.transform(g, move) for g in geometries])


def _polygon_areas(moved: np.ndarray, wgs84: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Return each polygon's area as exactextract weighs cells: planar, or on the sphere."""
    if not crs.is_geographic:
        return shapely.area(moved)
    sphere = pyproj.Transformer.from_crs(4326, pyproj.CRS.from_proj4(_SPHERE_AREA),
                                         always_xy=True)
    return shapely.area(np.asarray([shapely.transform(g, lambda c: np.column_stack(
        sphere.transform(c[:, 0], c[:, 1]))) for g in wgs84]))


def _extract(raster: Any, geometries: np.ndarray, crs: pyproj.CRS, band: int,
             ops: list[str]) -> pd.DataFrame:
    """Run exactextract over one band for every polygon, in order."""
    frame = gpd.GeoDataFrame({"_row": np.arange(len(geometries))},
                             geometry=list(geometries), crs=crs)
    from exactextract import exact_extract
    from exactextract.raster import RasterioRasterSource

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "spatial reference systems differ" on equal WKTs
        if isinstance(raster, Path):
            with rasterio.open(raster) as dataset:
                source = RasterioRasterSource(dataset, band_idx=band)
                found = exact_extract(source, frame, ops, include_cols=["_row"],
                                      output="pandas")
        else:
            found = exact_extract(raster, frame, ops, include_cols=["_row"], output="pandas")
    return found.sort_values("_row").drop(columns="_row").reset_index(drop=True)


def _threshold_share(raster_path: Path, moved: np.ndarray, crs: pyproj.CRS, band: int,
                     threshold: float, above: bool, weight: str) -> np.ndarray:
    """Return per polygon the area-weighted share of valid cells beyond the threshold.

    The 0/1 grid is built in memory on the raster's own grid, block by block (one byte a
    cell: 100 MB for 10,000 x 10,000 cells), then summarised as the raster's own values are.
    """
    from exactextract.raster import NumPyRasterSource

    with rasterio.open(raster_path) as source:
        hits = np.empty((source.height, source.width), dtype="uint8")
        for _, window in source.block_windows(band):
            values = source.read(band, window=window, masked=True)
            data = np.ma.getdata(values)
            invalid = np.ma.getmaskarray(values)
            if np.issubdtype(data.dtype, np.floating):
                invalid = invalid | np.isnan(data)
            with np.errstate(invalid="ignore"):
                hit = data > threshold if above else data < threshold
            rows = slice(window.row_off, window.row_off + window.height)
            cols = slice(window.col_off, window.col_off + window.width)
            hits[rows, cols] = np.where(invalid, _INDICATOR_NODATA, hit)
        box = source.bounds
    grid = NumPyRasterSource(hits, box.left, box.bottom, box.right, box.top,
                             nodata=_INDICATOR_NODATA, srs_wkt=crs.to_wkt())
    found = _extract(grid, moved, crs, 1, [f"share=mean(coverage_weight={weight})"])
    return found["share"].to_numpy(dtype=float)
