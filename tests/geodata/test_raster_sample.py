"""Raster values at points, people within a radius, hazard flags: answers known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

import rasterio

from geodata.crs import to_wgs84
from geodata.raster_sample import (
    CIRCLE_VERTICES,
    cell_centre_wgs84,
    circle_area_ratio,
    over_threshold,
    sums_within,
    values_at,
)


def write(path, values: np.ndarray, crs: str, west: float, north: float, cell: float,
          nodata: float = -9999.0) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1],
                       height=values.shape[0], count=1, dtype="float32", crs=crs, nodata=nodata,
                       transform=Affine(cell, 0, west, 0, -cell, north)) as out:
        out.write(values.astype("float32"), 1)


def test_the_value_at_a_point_is_its_cells_value(tmp_path):
    path = tmp_path / "elevation.tif"
    values = np.arange(50 * 40, dtype=float).reshape(50, 40)
    values[7, 9] = -9999.0
    write(path, values, "EPSG:9215", 430_000.0, 2_420_000.0, 30.0)  # VN-2000 / TM-3 107°15'
    cells = [(0, 0), (12, 31), (49, 39), (25, 3)]
    lons, lats = zip(*(cell_centre_wgs84(path, r, c) for r, c in cells), strict=True)
    assert values_at(path, lons, lats).tolist() == [values[r, c] for r, c in cells]
    # A point a few metres inside a cell's corner is still that cell; nodata and off-grid: NaN.
    corner_lon, corner_lat = to_wgs84([430_000.0 + 30 * 5 + 2], [2_420_000.0 - 30 * 8 - 2],
                                      "EPSG:9215")
    off = to_wgs84([420_000.0], [2_420_000.0], "EPSG:9215")
    nodata = cell_centre_wgs84(path, 7, 9)
    found = values_at(path, [corner_lon[0], off[0][0], nodata[0]],
                      [corner_lat[0], off[1][0], nodata[1]])
    assert found[0] == values[8, 5] and math.isnan(found[1]) and math.isnan(found[2])


def test_people_within_1_km_of_a_constant_grid_are_density_times_the_circles_area(tmp_path):
    path = tmp_path / "population.tif"
    density, cell = 12.5, 100.0  # people per 100 m cell
    write(path, np.full((60, 60), density), "EPSG:32648", 600_000.0, 2_425_000.0, cell)
    lon, lat = cell_centre_wgs84(path, 30, 30)
    lon2, lat2 = to_wgs84([600_000.0 + 2_013.0], [2_425_000.0 - 3_977.0], "EPSG:32648")
    people = sums_within(path, [lon, float(lon2[0])], [lat, float(lat2[0])], 1000.0)
    exact = density * math.pi * 1000.0**2 / cell**2
    # The circle is a 256-gon: its area is the circle's times n/(2 pi) sin(2 pi/n), 0.01 % less;
    # exactextract weighs each cell by its covered share, so nothing else is lost.
    assert CIRCLE_VERTICES == 256 and 1 - circle_area_ratio() < 1.01e-4
    assert people == pytest.approx([exact, exact], rel=1.1e-4)
    assert people == pytest.approx([exact * circle_area_ratio()] * 2, rel=1e-6)


def test_on_a_geographic_grid_people_are_counted_within_geodesic_metres(tmp_path):
    path = tmp_path / "population-degrees.tif"
    step = 1 / 120  # 30 arc-seconds, as WorldPop's 1 km grid
    write(path, np.full((80, 80), 100.0), "EPSG:4326", 106.4, 22.1, step)
    lon, lat = cell_centre_wgs84(path, 40, 40)
    people = sums_within(path, [lon], [lat], 1000.0)[0]
    # Cell areas on the ellipsoid near 21.77° N: one degree of latitude and of longitude.
    from geodata.viewshed import metres_per_degree

    per_lat, per_lon = metres_per_degree(lat)
    cell_area = step * per_lat * step * per_lon
    assert people == pytest.approx(100.0 * math.pi * 1000.0**2 / cell_area, rel=2e-3)


def test_nodata_cells_count_nothing_and_an_empty_list_is_empty(tmp_path):
    path = tmp_path / "population.tif"
    values = np.full((40, 40), 4.0)
    values[:, :20] = -9999.0  # the western half has no data
    write(path, values, "EPSG:32648", 600_000.0, 2_425_000.0, 100.0)
    lon, lat = to_wgs84([602_000.0], [2_423_000.0], "EPSG:32648")
    half = sums_within(path, lon, lat, 1000.0)[0]
    assert half == pytest.approx(4.0 * math.pi * 100 / 2, rel=2e-3)
    assert sums_within(path, [], [], 1000.0).tolist() == []


def test_a_record_is_flagged_where_the_hazard_is_at_or_over_the_threshold():
    assert over_threshold(np.array([0.0, 0.49, 0.5, 2.0, np.nan]), 0.5) == [
        False, False, True, True, None]
