"""Zonal statistics with exact cell coverage, checked against answers computed here.

Rasters are built in each test with rasterio and numpy, the way a provincial office hands a
grid over (a GeoTIFF in UTM 48N, VN-2000 TM-3 or degrees, with a nodata value); the expected
figures come from shapely areas and pyproj, never from the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

import geopandas as gpd
import pyproj
import rasterio
import shapely

from geodata.zonal import zonal_stats

UTM48N = "EPSG:32648"
NODATA = -9999.0


def write_grid(path: Path, values: np.ndarray, crs: str, west: float, north: float,
               cell: float, nodata: float | None = NODATA) -> Path:
    """Write ``values`` as a tiled GeoTIFF with its top-left corner at (west, north)."""
    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0],
               "count": 1, "dtype": values.dtype.name, "crs": crs, "nodata": nodata,
               "transform": Affine(cell, 0.0, west, 0.0, -cell, north), "compress": "deflate"}
    with rasterio.open(path, "w", **profile) as sink:
        sink.write(values, 1)
    return path


@pytest.fixture(scope="module")
def communes(boundaries) -> gpd.GeoDataFrame:
    """The 2025 communes (derived boundaries) in WGS 84, code and name kept."""
    return boundaries.communes.to_crs(4326)[["code", "name", "geometry"]].reset_index(drop=True)


def _grid_over(frame: gpd.GeoDataFrame, crs: str, cell: float, margin: float = 2000.0):
    """Return (west, north, width, height) of a grid in ``crs`` covering ``frame`` with a margin."""
    minx, miny, maxx, maxy = frame.to_crs(crs).total_bounds
    west = math.floor((minx - margin) / cell) * cell
    north = math.ceil((maxy + margin) / cell) * cell
    width = int(math.ceil((maxx + margin - west) / cell))
    height = int(math.ceil((north - (miny - margin)) / cell))
    return west, north, width, height


def test_a_constant_population_grid_sums_to_people_per_cell_times_cells_covered(
        tmp_path, communes):
    cell = 200.0
    west, north, width, height = _grid_over(communes, UTM48N, cell)
    path = write_grid(tmp_path / "danso.tif", np.full((height, width), 7.0, "float32"), UTM48N,
                      west, north, cell)
    found = zonal_stats(path, communes)
    areas = communes.to_crs(UTM48N).area.to_numpy()  # shapely areas in the raster's CRS
    expected = 7.0 * areas / (cell * cell)
    assert list(found["code"]) == list(communes["code"])
    np.testing.assert_allclose(found["sum"].astype(float), expected, rtol=1e-6)
    np.testing.assert_allclose(found["cells"], areas / (cell * cell), rtol=1e-6)
    np.testing.assert_allclose(found["covered_share"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(found["mean"].astype(float), 7.0, rtol=1e-12)
    assert set(found["min"]) == {7.0} and set(found["max"]) == {7.0}


def test_a_plane_gives_its_value_at_the_centroid_and_the_clipped_share_above(tmp_path,
                                                                           communes):
    cell, a, b, c = 100.0, 0.004, -0.0025, 300.0
    chosen = communes.iloc[:8]
    west, north, width, height = _grid_over(chosen, UTM48N, cell)
    xs = west + cell * (np.arange(width) + 0.5)
    ys = north - cell * (np.arange(height) + 0.5)
    ys0 = float(ys.mean())
    xs0 = float(xs.mean())
    plane = a * (xs[None, :] - xs0) + b * (ys[:, None] - ys0) + c  # values at cell centres
    path = write_grid(tmp_path / "docao.tif", plane.astype("float64"), UTM48N, west, north,
                      cell)
    threshold = c
    found = zonal_stats(path, chosen, threshold=threshold, above=True)
    polygons = chosen.to_crs(UTM48N).geometry.to_numpy()
    gradient = math.hypot(a, b)
    # Each covered piece of a cell has its centroid inside the cell, at most half a diagonal
    # from the cell's centre: the weighted mean of the centre values is within that of the
    # plane's value at the polygon's centroid (exact for the continuous plane).
    bound = gradient * cell * math.sqrt(2) / 2
    big = 10 * (width + height) * cell
    # The threshold line a*(x - x0) + b*(y - y0) = 0 through the grid's middle, along
    # (-b, a), and the half-plane on the side of the gradient (a, b), where values are above.
    along = np.array([-b, a]) / gradient
    normal = np.array([a, b]) / gradient
    middle = np.array([xs0, ys0])
    line = shapely.LineString([middle - big * along, middle + big * along])
    half = shapely.Polygon([middle - big * along, middle + big * along,
                            middle + big * along + big * normal,
                            middle - big * along + big * normal])
    for row, polygon in zip(found.itertuples(), polygons, strict=True):
        centroid = polygon.centroid
        at_centroid = a * (centroid.x - xs0) + b * (centroid.y - ys0) + c
        assert abs(row.mean - at_centroid) <= bound, (row.code, row.mean, at_centroid)
        clipped = shapely.intersection(polygon, half).area / polygon.area
        crossing = shapely.intersection(polygon, line)
        # Only cells the threshold line crosses can be counted differently from the clipped
        # polygon: at most the line's length times a cell's diagonal.
        tolerance = crossing.length * cell * math.sqrt(2) / polygon.area + 1e-9
        assert abs(row.share - clipped) <= tolerance, (row.code, row.share, clipped)
    assert any(0.05 < share < 0.95 for share in found["share"])  # the line crosses some


def _cell_areas_km2(south: float, north: float, cell_deg: float, rows: int) -> np.ndarray:
    """Return each row's cell area on the WGS 84 ellipsoid (pyproj.Geod), north row first."""
    geod = pyproj.Geod(ellps="WGS84")
    tops = north - cell_deg * np.arange(rows)
    return np.array([abs(geod.polygon_area_perimeter(
        [0, cell_deg, cell_deg, 0], [t, t, t - cell_deg, t - cell_deg])[0]) / 1e6
        for t in tops])


def test_a_vn2000_grid_and_its_wgs84_twin_give_the_same_population(tmp_path, communes):
    """Constant density, 1,200 people per km², drawn on VN-2000 TM-3 and on degrees.

    Each grid's cell holds density x its cell's area: planar TM-3 area for VN-2000 (100 m
    cells), ellipsoidal area for the degree grid (pyproj.Geod per row). Sums then differ only by
    the TM-3 area scale factor: k0 = 0.9999 on the central meridian (107°15') and
    k = k0 (1 + x^2 / 2R^2) at x km from it; over these communes (x < 140 km) k^2 lies between
    0.9998 and 1.0003, so the sums agree within 1e-3.
    """
    density = 1200.0
    chosen = communes.iloc[::9].reset_index(drop=True)
    vn2000 = "EPSG:9215"
    west, north, width, height = _grid_over(chosen, vn2000, 100.0)
    planar = tmp_path / "danso_vn2000.tif"
    write_grid(planar, np.full((height, width), density * 0.01, "float64"), vn2000, west,
               north, 100.0)
    degrees = 0.001
    minx, miny, maxx, maxy = chosen.total_bounds
    lon0, lat1 = math.floor(minx * 100) / 100 - 0.02, math.ceil(maxy * 100) / 100 + 0.02
    cols = int(math.ceil((maxx + 0.02 - lon0) / degrees))
    rows = int(math.ceil((lat1 - (miny - 0.02)) / degrees))
    per_cell = density * _cell_areas_km2(lat1 - rows * degrees, lat1, degrees, rows)
    twin = write_grid(tmp_path / "danso_wgs84.tif",
                      np.repeat(per_cell[:, None], cols, axis=1), "EPSG:4326", lon0, lat1,
                      degrees)
    on_vn2000, on_degrees = zonal_stats(planar, chosen), zonal_stats(twin, chosen)
    np.testing.assert_allclose(on_vn2000["sum"].astype(float), on_degrees["sum"].astype(float),
                               rtol=1e-3)
    # The degree grid's sum is the ellipsoidal area times the density (coverage exact).
    geod = pyproj.Geod(ellps="WGS84")
    true_km2 = np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in chosen.geometry])
    np.testing.assert_allclose(on_degrees["sum"].astype(float), density * true_km2, rtol=1e-4)
    np.testing.assert_allclose(on_degrees["covered_km2"], true_km2, rtol=1e-6)


def test_nodata_holes_are_left_out_of_sums_and_covered_area(tmp_path, communes):
    cell = 200.0
    chosen = communes.iloc[:6].reset_index(drop=True)
    west, north, width, height = _grid_over(chosen, UTM48N, cell)
    values = np.full((height, width), 7.0, "float32")
    values[:, width // 3: width // 2] = NODATA  # a band of missing cells across the grid
    values[:, width // 2: width // 2 + 5] = np.nan  # and cells left as NaN beside it
    path = write_grid(tmp_path / "lo_hong.tif", values, UTM48N, west, north, cell)
    hole = shapely.box(west + cell * (width // 3), north - cell * height,
                       west + cell * (width // 2 + 5), north)
    found = zonal_stats(path, chosen)
    for row, polygon in zip(found.itertuples(), chosen.to_crs(UTM48N).geometry, strict=True):
        valid = polygon.difference(hole).area
        if valid == 0:
            assert row.sum is None and row.mean is None and row.cells == 0
            continue
        assert row.sum == pytest.approx(7.0 * valid / cell**2, rel=1e-6)
        assert row.covered_share == pytest.approx(valid / polygon.area, rel=1e-6)
        assert row.min == 7.0 and row.max == 7.0


def test_a_grid_over_half_the_province_gives_nulls_outside_and_the_covered_share(tmp_path,
                                                                                communes):
    cell = 250.0
    west, north, width, height = _grid_over(communes, UTM48N, cell)
    half = width // 2
    path = write_grid(tmp_path / "nua_tinh.tif", np.full((height, half), 7.0, "float32"),
                      UTM48N, west, north, cell)
    extent = shapely.box(west, north - cell * height, west + cell * half, north)
    found = zonal_stats(path, communes, threshold=5.0)
    kinds = set()
    for row, polygon in zip(found.itertuples(), communes.to_crs(UTM48N).geometry, strict=True):
        inside = polygon.intersection(extent).area
        if inside == 0:
            kinds.add("outside")
            assert (row.sum, row.mean, row.min, row.max, row.share) == (None,) * 5
            assert row.cells == 0 and row.covered_share == 0 and row.covered_km2 == 0
        else:
            kinds.add("partly" if inside < polygon.area * (1 - 1e-9) else "inside")
            assert row.covered_share == pytest.approx(inside / polygon.area, rel=1e-6)
            assert row.sum == pytest.approx(7.0 * inside / cell**2, rel=1e-6)
            assert row.share == 1.0
    assert kinds == {"outside", "partly", "inside"}


def test_figures_read_in_small_pieces_equal_those_read_whole(tmp_path, communes):
    """exactextract reads a large area in pieces (``max_cells_in_memory``): same figures.

    A grid of varied values with a nodata band and NaN cells, over only the western part of
    the chosen communes (some partly outside), with a threshold share: read whole, and in
    pieces of 2,000 cells (each piece read once for every figure, threshold share included).
    """
    cell = 200.0
    chosen = communes.iloc[:6].reset_index(drop=True)
    west, north, width, height = _grid_over(chosen, UTM48N, cell)
    rng = np.random.default_rng(13)
    values = rng.gamma(2.0, 3.0, size=(height, width * 2 // 3)).astype("float32")
    values[:, 40:55] = NODATA
    values[10:30, 60:70] = np.nan
    path = write_grid(tmp_path / "manh.tif", values, UTM48N, west, north, cell)
    whole = zonal_stats(path, chosen, threshold=6.0, max_cells_in_memory=10**8)
    pieces = zonal_stats(path, chosen, threshold=6.0, max_cells_in_memory=2_000)
    shares = whole["covered_share"]
    assert (shares == 0).any() and ((shares > 0) & (shares < 0.9)).any()  # outside, partly
    for column in ("cells", "covered_share", "mean", "sum", "min", "max", "share", "share_km2"):
        for one, other in zip(whole[column], pieces[column], strict=True):
            assert (one is None) == (other is None), column
            if one is not None:
                assert abs(one - other) <= 1e-9 * max(1.0, abs(one)), (column, one, other)


def test_a_scaled_integer_grid_gives_the_figures_of_its_float_twin(tmp_path, communes):
    """Elevations kept as int16 with a scale and an offset (0.5 m steps from 100 m)."""
    cell = 250.0
    chosen = communes.iloc[:4].reset_index(drop=True)
    west, north, width, height = _grid_over(chosen, UTM48N, cell)
    steps = np.random.default_rng(5).integers(0, 1600, size=(height, width)).astype("int16")
    steps[:, :20] = -32768
    metres = np.where(steps == -32768, NODATA, 100.0 + 0.5 * steps).astype("float32")
    twin = write_grid(tmp_path / "do_cao_thuc.tif", metres, UTM48N, west, north, cell)
    scaled = write_grid(tmp_path / "do_cao_nguyen.tif", steps, UTM48N, west, north, cell,
                        nodata=-32768)
    with rasterio.open(scaled, "r+") as dataset:
        dataset.scales, dataset.offsets = (0.5,), (100.0,)
    expected = zonal_stats(twin, chosen, threshold=500.0)
    found = zonal_stats(scaled, chosen, threshold=500.0)
    for column in ("cells", "covered_share", "mean", "sum", "min", "max", "share"):
        assert found[column].astype(float).to_numpy() == pytest.approx(
            expected[column].astype(float).to_numpy(), rel=1e-9), column
