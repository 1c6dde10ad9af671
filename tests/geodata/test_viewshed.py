"""The viewshed against answers from geometry, each computed here from the shapes themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

import rasterio
from pyproj import Geod

from geodata.errors import GeodataError
from geodata.viewshed import (
    EARTH_RADIUS_M,
    REFRACTION,
    metres_per_degree,
    viewshed,
    visibility,
)

CELL = 10.0


def grid(n: int, cell: float = CELL) -> tuple[np.ndarray, np.ndarray]:
    """x (east) and y (north) offsets in metres of an n x n grid's cells from its centre cell."""
    offsets = (np.arange(n) - n // 2) * cell
    return np.meshgrid(offsets, -offsets)


def test_on_a_flat_plane_every_cell_in_the_radius_is_seen():
    n = 201
    x, y = grid(n)
    seen = visibility(np.full((n, n), 250.0), n // 2, n // 2, (CELL, CELL), 1000.0, 10.0, 0.0,
                      curvature=False)
    inside = np.hypot(x, y) <= 1000.0
    assert seen[inside].all() and not seen[~inside].any()


@pytest.mark.parametrize(("mast", "wall", "target", "d"), [
    (30.0, 10.0, 1.5, 300.0), (20.0, 12.0, 2.0, 200.0), (45.0, 25.0, 0.0, 150.0)])
def test_a_wall_hides_the_ground_behind_it_as_far_as_similar_triangles_say(mast, wall, target, d):
    n = 241
    x, y = grid(n)
    dem = np.zeros((n, n))
    dem[:, n // 2 + int(d / CELL)] = wall  # a straight wall, the column x = d
    seen = visibility(dem, n // 2, n // 2, (CELL, CELL), 1200.0, mast, target, curvature=False)
    # The eye at (0, mast), the wall's top at (d, wall): the sight line reaches the target's
    # height at x = d (mast - target) / (mast - wall), whatever the direction.
    end = d * (mast - target) / (mast - wall)
    inside = np.hypot(x, y) <= 1200.0
    hidden = inside & (x > d + CELL) & (x < end - CELL)
    visible = inside & ((x < d) | (x > end + CELL))
    assert hidden.sum() > 100 and visible.sum() > 10000
    assert not seen[hidden].any()
    assert seen[visible].all()


def cone(x: np.ndarray, y: np.ndarray, cx: float, cy: float, height: float,
         radius: float) -> np.ndarray:
    return np.maximum(height * (1 - np.hypot(x - cx, y - cy) / radius), 0.0)


def test_from_the_top_of_a_cone_everything_is_seen():
    n = 201
    x, y = grid(n)
    dem = cone(x, y, 0.0, 0.0, 200.0, 1500.0)
    seen = visibility(dem, n // 2, n // 2, (CELL, CELL), 1000.0, 2.0, 0.0, curvature=False)
    assert seen[np.hypot(x, y) <= 1000.0].all()


def test_from_the_foot_of_a_cone_the_far_side_is_hidden_as_the_tangent_lines_give():
    n = 321
    x, y = grid(n)
    centre, height, radius, mast, target = 600.0, 150.0, 300.0, 10.0, 1.5
    dem = cone(x, y, centre, 0.0, height, radius)
    seen = visibility(dem, n // 2, n // 2, (CELL, CELL), 1600.0, mast, target, curvature=False)
    inside = np.hypot(x, y) <= 1600.0
    distance, bearing = np.hypot(x, y), np.arctan2(y, x)
    # Outside the tangent lines from the observer to the cone's base: flat, open ground.
    wedge = math.asin(radius / centre)
    assert seen[inside & (np.abs(bearing) > wedge + 0.03)].all()
    # A ray passing at p from the axis rises to height - slope * p; above the eye it hides all
    # the flat ground behind the cone (the target is below the eye).
    slope = height / radius
    offset = distance * np.abs(np.sin(bearing))
    above_eye = (height - slope * offset) > mast + 5.0
    behind = inside & (x > 0) & (distance > np.hypot(centre, 0) + radius + CELL)
    assert (behind & above_eye).sum() > 500
    assert not seen[behind & above_eye].any()
    # Along the axis the sight line over the apex, eye (0, mast) to apex (centre, height), leaves
    # visible only the far slope's first e = target / (slope + (height - mast) / centre) metres.
    axis = n // 2
    e = target / (slope + (height - mast) / centre)
    far = x[axis] - centre
    assert e < CELL
    assert not seen[axis][(far >= CELL) & (x[axis] <= 1600.0)].any()
    assert seen[axis][x[axis] <= centre].all()


def test_the_earth_curves_the_horizon_of_a_flat_plane_away_with_refraction():
    cell = 100.0
    n = 801
    x, y = grid(n, cell)
    mast, target = 30.0, 10.0
    seen = visibility(np.zeros((n, n)), n // 2, n // 2, (cell, cell), 40_000.0, mast, target)
    effective = EARTH_RADIUS_M / (1 - REFRACTION)
    horizon = math.sqrt(2 * effective * mast) + math.sqrt(2 * effective * target)
    distance = np.hypot(x, y)
    assert 20_000 < horizon < 40_000
    assert seen[distance < horizon - cell].all()
    assert not seen[distance > horizon + cell].any()


def write_dem(path, dem: np.ndarray, crs: str, west: float, north: float, cell) -> None:
    cell_x, cell_y = (cell, cell) if np.isscalar(cell) else cell
    with rasterio.open(path, "w", driver="GTiff", width=dem.shape[1], height=dem.shape[0],
                       count=1, dtype="float32", crs=crs, nodata=-9999.0, tiled=True,
                       transform=Affine(cell_x, 0, west, 0, -cell_y, north)) as out:
        out.write(dem.astype("float32"), 1)


def test_a_file_is_read_through_a_window_and_the_answer_placed_by_its_transform(tmp_path):
    path = tmp_path / "dem.tif"
    n = 2001  # 20 km of 10 m cells; the 1 km viewshed reads about 1 % of it
    write_dem(path, np.full((n, n), 400.0), "EPSG:32648", 600_000.0, 2_430_000.0, CELL)
    x0, y0 = 600_000.0 + 1000 * CELL + 5, 2_430_000.0 - 1000 * CELL - 5
    shed = viewshed(path, x0, y0, 20.0, 1000.0, curvature=False)
    assert shed.visible.shape == (201, 201)
    assert shed.ground == 400.0 and shed.metres_per_cell == (CELL, CELL)
    assert shed.transform.c == x0 - 5 - 100 * CELL and shed.transform.f == y0 + 5 + 100 * CELL
    assert int(shed.visible.sum()) == int((np.hypot(*grid(201)) <= 1000.0).sum())
    area = shed.polygons_wgs84()
    assert area.geom_type in ("Polygon", "MultiPolygon")
    # The visible disc, measured on the ellipsoid: pi r^2 to within the cells' staircase.
    geodesic_area = abs(Geod(ellps="WGS84").geometry_area_perimeter(area)[0])
    assert geodesic_area == pytest.approx(math.pi * 1000.0**2, rel=0.01)


def test_a_geographic_dem_is_measured_in_metres_at_the_observers_latitude(tmp_path):
    path = tmp_path / "dem-degrees.tif"
    lat = 21.85
    per_lat, per_lon = metres_per_degree(lat)
    step = 1 / 3600  # one arc-second: about 31 m north-south, 29 m east-west here
    n = 161
    write_dem(path, np.full((n, n), 300.0), "EPSG:4326", 106.76 - n // 2 * step - step / 2,
              lat + n // 2 * step + step / 2, step)
    shed = viewshed(path, 106.76, lat, 15.0, 2000.0, curvature=False)
    assert shed.metres_per_cell == pytest.approx((step * per_lat, step * per_lon))
    # The local scale agrees with geodesics 2 km away to 0.05 %.
    geod = Geod(ellps="WGS84")
    assert geod.inv(106.76, lat, 106.76, lat + 2000 / per_lat)[2] == pytest.approx(2000, 5e-4)
    assert geod.inv(106.76, lat, 106.76 + 2000 / per_lon, lat)[2] == pytest.approx(2000, 5e-4)
    rows, cols = np.indices(shed.visible.shape)
    dy = (rows - shed.row) * shed.metres_per_cell[0]
    dx = (cols - shed.col) * shed.metres_per_cell[1]
    assert np.array_equal(shed.visible, np.hypot(dx, dy) <= 2000.0)


def test_a_point_off_the_raster_is_refused_in_both_languages(tmp_path):
    path = tmp_path / "dem.tif"
    write_dem(path, np.zeros((10, 10)), "EPSG:32648", 600_000.0, 2_430_000.0, CELL)
    with pytest.raises(GeodataError) as refused:
        viewshed(path, 500_000.0, 2_430_000.0, 20.0, 1000.0)
    assert "outside the elevation raster" in refused.value.user_msg
    assert "nằm ngoài phạm vi raster độ cao" in refused.value.user_msg_vi


def test_a_window_too_wide_is_averaged_into_blocks_centred_on_the_observer(tmp_path):
    path = tmp_path / "fine.tif"
    n = 801
    x, y = grid(n)
    dem = 400.0 + 0.01 * x  # a gentle even slope: averages of blocks stay on it
    dem[n // 2, n // 2] = 900.0  # the observer's own cell, a rock: its ground is kept
    write_dem(path, dem, "EPSG:32648", 600_000.0, 2_430_000.0, CELL)
    centre_x, centre_y = 600_000.0 + (n // 2 + 0.5) * CELL, 2_430_000.0 - (n // 2 + 0.5) * CELL
    shed = viewshed(path, centre_x, centre_y, 20.0, 4000.0, curvature=False, max_half_cells=100)
    assert shed.metres_per_cell == (4 * CELL, 4 * CELL) and shed.ground == 900.0
    assert shed.visible.shape == (199, 199)  # (801 - 2) // 4 blocks each way
    # The observer's block is centred on its cell (to half a fine cell for an even step: its
    # north-west corner here), and the transform places the block grid.
    row, col = shed.row, shed.col
    block_x = shed.transform.c + (col + 0.5) * shed.transform.a
    block_y = shed.transform.f + (row + 0.5) * shed.transform.e
    assert (block_x, block_y) == pytest.approx((centre_x - CELL / 2, centre_y + CELL / 2))
    rows, cols = np.indices(shed.visible.shape)
    inside = np.hypot(rows - row, cols - col) * 4 * CELL <= 4000.0
    # From 20 m over the rock, the slope falls away ever less steeply: all in the radius is seen.
    assert shed.visible[inside].all() and not shed.visible[~inside].any()
