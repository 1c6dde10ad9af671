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
    area, not as a whole): computed as the area-weighted mean of a 0/1 band made from each
    window of the raster as exactextract reads it, in the same call as the other figures (the
    raster is read once). ``share_km2 = share * covered_km2``.

An area without any valid cell (outside the raster, or all nodata) has ``None`` for ``sum``,
``mean``, ``min``, ``max`` and ``share``: "no data", never a zero.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from exactextract import exact_extract
from exactextract.operation import Operation
from exactextract.raster import RasterSource

import geopandas as gpd
import pyproj
import rasterio
import shapely
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from geodata.crs import bind_vn2000, from_wgs84

#: The columns of :func:`zonal_stats`'s answer after the areas' own columns.
FIGURES = ("area_km2", "covered_km2", "covered_share", "cells", "mean", "sum", "min", "max")
THRESHOLD_FIGURES = ("share", "share_km2")
#: Nodata of the 0/1 band behind a threshold share.
_INDICATOR_NODATA = 255
#: Cells exactextract reads at a time: a commune or the province is read in pieces of at most
#: this many cells, which stay in the CPU's caches (``scripts/bench_zonal.py``: 4 million cells
#: took less CPU than the default 30 million and than 1 million, for both).
MAX_CELLS_IN_MEMORY = 4_000_000
#: Threads GDAL decompresses a window's blocks with, for the call only: one (two took 20 % more
#: CPU in ``scripts/bench_zonal.py`` on a loaded machine, and a server has other work).
GDAL_THREADS = "1"
_GEOD = pyproj.Geod(ellps="WGS84")
#: A cylindrical equal-area projection on a sphere: areas on the sphere, as exactextract's
#: ``area_spherical`` weights (the radius does not matter: only ratios are taken).
_SPHERE_AREA = "+proj=cea +lon_0=0 +lat_ts=0 +R=6371008.8 +units=m +no_defs"


def zonal_stats(raster_path: str | Path, areas: gpd.GeoDataFrame, band: int = 1,
                threshold: float | None = None, above: bool = True, *,
                max_cells_in_memory: int = MAX_CELLS_IN_MEMORY) -> pd.DataFrame:
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
    max_cells_in_memory : int
        The cells exactextract reads at a time (a larger area is read in pieces); the figures
        do not depend on it.
    """
    raster_path = Path(raster_path)
    wgs84 = areas.to_crs(4326) if areas.crs is not None and not areas.crs.equals(4326) else areas
    frame = pd.DataFrame(areas.drop(columns=areas.geometry.name)).reset_index(drop=True)
    with rasterio.Env(GDAL_NUM_THREADS=GDAL_THREADS), rasterio.open(raster_path) as dataset:
        raster_crs = pyproj.CRS.from_wkt(dataset.crs.to_wkt())
        transform = dataset.transform
        moved = _to_raster_crs(wgs84.geometry.values, raster_crs)
        geographic = raster_crs.is_geographic
        values = _Band(dataset, band)
        beyond = None if threshold is None else _Beyond(values, threshold, above)
        figures = _extract(values, beyond, moved, raster_crs, geographic, max_cells_in_memory)
    cells = figures["cells"].to_numpy(dtype=float)
    covered = (figures["covered"].to_numpy(dtype=float) if geographic
               else cells * abs(transform.a * transform.e - transform.b * transform.d))
    polygon_area = _polygon_areas(moved, wgs84.geometry.values, raster_crs)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_covered = np.where(polygon_area > 0, covered / polygon_area, 0.0)
        # Projected: every cell has one area, so the coverage-weighted mean is sum / cells.
        mean = (figures["average"].to_numpy(dtype=float) if geographic
                else figures["total"].to_numpy(dtype=float) / cells)
    share_covered = np.clip(share_covered, 0.0, 1.0)
    frame["area_km2"] = np.abs([_GEOD.geometry_area_perimeter(g)[0] for g in
                                wgs84.geometry.values]) / 1e6
    frame["covered_km2"] = share_covered * frame["area_km2"]
    frame["covered_share"] = share_covered
    frame["cells"] = cells
    empty = cells <= 0
    frame["mean"] = _nulls_where(mean, empty)
    for column, found in (("sum", "total"), ("min", "low"), ("max", "high")):
        frame[column] = _nulls_where(figures[found].to_numpy(dtype=float), empty)
    if beyond is not None:
        share = figures["share"].to_numpy(dtype=float)
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


class _Band(RasterSource):
    """One band of an open dataset for exactextract, the last window read kept.

    Nodata and NaN are left for exactextract to skip (no mask array built) unless the band has
    a mask of its own (an alpha band, an internal mask) or a scale and offset, which are read
    as a masked array and applied as :class:`exactextract.raster.RasterioRasterSource` does.
    """

    def __init__(self, dataset: Any, band: int) -> None:
        super().__init__()
        self.dataset, self.band = dataset, band
        self.set_name("values")  # exactextract keeps one pass per raster name
        scale, offset = dataset.scales[band - 1], dataset.offsets[band - 1]
        self.scaled = (scale, offset) != (1.0, 0.0)
        flags = set(dataset.mask_flag_enums[band - 1])
        self.masked = self.scaled or not flags <= {MaskFlags.all_valid, MaskFlags.nodata}
        self.floating = np.issubdtype(np.dtype(dataset.dtypes[band - 1]), np.floating)
        self._last: tuple[tuple[int, int, int, int], Any] | None = None

    def res(self) -> tuple[float, float]:
        """Return the cell's width and height."""
        return abs(self.dataset.transform.a), abs(self.dataset.transform.e)

    def srs_wkt(self) -> str:
        """Return the raster's CRS as WKT."""
        return self.dataset.crs.to_wkt()

    def extent(self) -> tuple[float, float, float, float]:
        """Return (left, bottom, right, top)."""
        box = self.dataset.bounds
        return box.left, box.bottom, box.right, box.top

    def nodata_value(self) -> float | int | None:
        """Return the nodata value exactextract compares cells with (None when masked)."""
        nodata = self.dataset.nodata
        if nodata is None or self.masked:
            return None
        return float(nodata) if self.floating else int(nodata)

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> Any:
        """Return the cells of a window (the last one read again from memory)."""
        key = (x0, y0, nx, ny)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        window = Window(x0, y0, nx, ny)
        if self.masked:
            cells = self.dataset.read(self.band, window=window, masked=True)
            if self.scaled:
                cells = (cells.astype("float64") * self.dataset.scales[self.band - 1]
                         + self.dataset.offsets[self.band - 1])
        else:
            cells = self.dataset.read(self.band, window=window)
        self._last = (key, cells)
        return cells

    def invalid(self, cells: Any) -> np.ndarray:
        """Return where ``cells`` (from :meth:`read_window`) hold no data."""
        data = np.ma.getdata(cells)
        invalid = np.ma.getmaskarray(cells).copy()
        nodata = self.nodata_value()
        if nodata is not None:
            invalid |= data == nodata
        if self.floating:
            invalid |= np.isnan(data)
        return invalid


class _Beyond(RasterSource):
    """A 0/1 band, 1 where a valid cell is beyond the threshold, built from the band's reads.

    exactextract reads the band and then this one for the same window, so the band's last
    window serves both: the raster is read and decompressed once for every figure.
    """

    def __init__(self, values: _Band, threshold: float, above: bool) -> None:
        super().__init__()
        self.values, self.threshold, self.above = values, threshold, above
        self.set_name("beyond")

    def res(self) -> tuple[float, float]:
        """Return the band's cell size."""
        return self.values.res()

    def srs_wkt(self) -> str:
        """Return the band's CRS."""
        return self.values.srs_wkt()

    def extent(self) -> tuple[float, float, float, float]:
        """Return the band's extent."""
        return self.values.extent()

    def nodata_value(self) -> int:
        """Return the nodata of the 0/1 band (where the band has no data)."""
        return _INDICATOR_NODATA

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> np.ndarray:
        """Return 1 beyond the threshold, 0 otherwise, nodata where the band has none."""
        cells = self.values.read_window(x0, y0, nx, ny)
        data = np.ma.getdata(cells)
        with np.errstate(invalid="ignore"):
            hit = data > self.threshold if self.above else data < self.threshold
        return np.where(self.values.invalid(cells), _INDICATOR_NODATA, hit).astype("uint8")


def _extract(values: _Band, beyond: _Beyond | None, geometries: np.ndarray,
             crs: pyproj.CRS, geographic: bool, max_cells: int) -> pd.DataFrame:
    """Run exactextract once for every figure of every polygon, in order.

    Count, sum, min and max share one pass over the cells (the same raster and options); in
    degrees the area-weighted mean and count take a second, and a threshold share one over
    the 0/1 band, all in the same call, so each window of the raster is read once.
    """
    frame = gpd.GeoDataFrame({"_row": np.arange(len(geometries))},
                             geometry=list(geometries), crs=crs)
    ops = [Operation("count", "cells", values), Operation("sum", "total", values),
           Operation("min", "low", values), Operation("max", "high", values)]
    # Projected: every cell has one area, so the coverage fraction is the area weight.
    weight = {"coverage_weight": "area_spherical_m2" if geographic else "fraction"}
    if geographic:
        ops += [Operation("mean", "average", values, options=weight),
                Operation("count", "covered", values, options=weight)]
    if beyond is not None:
        ops.append(Operation("mean", "share", beyond, options=weight))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "spatial reference systems differ" on equal WKTs
        found = exact_extract(values, frame, ops, include_cols=["_row"], output="pandas",
                              strategy="feature-sequential", max_cells_in_memory=max_cells)
    return found.sort_values("_row").drop(columns="_row").reset_index(drop=True)
