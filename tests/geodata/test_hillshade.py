"""Hillshade by Horn's method: exact greys on planes, tiles in the right place from VN-2000."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from affine import Affine
from PIL import Image

import rasterio
from pyproj import Transformer
from rasterio.enums import Resampling

from geodata.hillshade import hillshade, hillshade_tiles, png_grey_alpha, z_factor_for_degrees
from tests.tilesets_data import tile_of

NODATA = -9999.0


def lit(east_slope: float, north_slope: float, azimuth=315.0, altitude=45.0) -> float:
    """255 times the cosine between a plane's normal and the sun, computed from vectors."""
    normal = np.array([-east_slope, -north_slope, 1.0])
    normal /= np.linalg.norm(normal)
    az, alt = math.radians(azimuth), math.radians(altitude)
    sun = np.array([math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt)])
    return 255.0 * max(0.0, float(normal @ sun))


def plane(east_slope: float, north_slope: float, cell: float, size: int = 7) -> np.ndarray:
    """Elevations of a plane on a north-up grid (row 0 the northernmost)."""
    cols = np.arange(size) * cell
    rows = np.arange(size) * cell
    return 300.0 + east_slope * cols[None, :] - north_slope * rows[:, None]


@pytest.mark.parametrize("east, north", [(0.4, -0.3), (-0.2, 0.5), (0.05, 0.0)])
def test_a_tilted_plane_has_the_grey_of_the_angle_between_its_normal_and_the_sun(east, north):
    shade = hillshade(plane(east, north, 30.0), 30.0, 30.0)
    assert shade.shape == (5, 5) and not np.ma.getmaskarray(shade).any()
    assert np.allclose(shade, lit(east, north), atol=1e-9)
    grey = np.array(Image.open(io.BytesIO(png_grey_alpha(shade))))
    assert (grey[..., 0] == round(lit(east, north))).all() and (grey[..., 1] == 255).all()


def test_a_plane_facing_the_light_is_brighter_than_flat_and_one_facing_away_darker():
    toward = lit(0.3, -0.3)  # rises to the east and the south: faces the north-west sun
    assert toward > 255 * math.sin(math.radians(45)) > lit(-0.3, 0.3)
    assert round(float(hillshade(plane(0.3, -0.3, 10.0), 10.0, 10.0)[2, 2])) == round(toward)


def test_a_flat_plane_is_255_sin_45_and_steep_shadow_is_black():
    flat = hillshade(np.full((6, 6), 412.0), 25.0, 25.0)
    assert np.allclose(flat, 255 * math.sin(math.radians(45)))
    assert round(255 * math.sin(math.radians(45))) == 180
    away = hillshade(plane(-3.0, 3.0, 1.0), 1.0, 1.0)  # steeply facing south-east
    assert (away == 0).all()


def test_degrees_need_the_z_factor_of_metres_per_degree():
    # The same plane on a grid of 0.001 degree cells at 21.85 N: with the z-factor it is lit as
    # the plane on metre cells, without it as a cliff.
    lat = 21.85
    cell_m = 0.001 * 111_320.0 * math.cos(math.radians(lat))
    metres = plane(0.2, 0.1, cell_m)
    degrees = hillshade(metres, 0.001, 0.001, z_factor=z_factor_for_degrees(lat))
    assert np.allclose(degrees, lit(0.2, 0.1), atol=1e-6)


def test_nodata_and_its_neighbours_are_transparent():
    grid = np.ma.masked_equal(np.full((6, 6), 100.0), NODATA)
    grid[0, 0] = np.ma.masked
    shade = hillshade(grid, 30.0, 30.0)
    pixels = np.array(Image.open(io.BytesIO(png_grey_alpha(shade))))
    assert pixels[0, 0, 1] == 0 and pixels[0, 1, 1] == 255 and pixels[3, 3, 0] == 180


def _vn2000_dem(path, lon=106.76, lat=21.85, size=300, cell=30.0):
    """A flat DEM in VN-2000 / TM-3 107-15 (EPSG:9215) centred on a point, NW corner nodata."""
    x, y = Transformer.from_crs(4326, 9215, always_xy=True).transform(lon, lat)
    data = np.full((size, size), 250.0, dtype="float32")
    data[: size // 4, : size // 4] = NODATA
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:9215", nodata=NODATA,
                       transform=Affine(cell, 0.0, x - size * cell / 2, 0.0, -cell,
                                        y + size * cell / 2)) as dataset:
        dataset.write(data, 1)
    return path


def test_a_vn2000_dem_gives_tiles_where_it_lies(tmp_path):
    dem = _vn2000_dem(tmp_path / "dem_vn2000.tif")
    tiles = dict(hillshade_tiles(dem, 10, 13))
    for z in (10, 11, 12, 13):
        assert tile_of(21.85, 106.76, z) in tiles
    assert {z for z, _x, _y in tiles} == {10, 11, 12, 13}
    # 9 km across: at zoom 13 (4.5 km tiles at this latitude) at most a 4 x 4 block of tiles.
    xs = {x for z, x, _y in tiles if z == 13}
    ys = {y for z, _x, y in tiles if z == 13}
    assert max(xs) - min(xs) <= 3 and max(ys) - min(ys) <= 3
    centre = np.array(Image.open(io.BytesIO(tiles[tile_of(21.85, 106.76, 13)])))
    assert (centre[..., 0] == 180).all() and (centre[..., 1] == 255).all()
    # The nodata corner (north-west) is transparent where it lies.
    corner = tile_of(21.85 + 0.03, 106.76 - 0.035, 13)
    pixels = np.array(Image.open(io.BytesIO(tiles[corner])))
    assert (pixels[..., 1] == 0).any()
    assert tile_of(22.4, 107.3, 13) not in tiles


def _cone_dem(path, apex_lon: float, apex_lat: float, cell: float = 60.0, size: int = 1000):
    """A smooth cone (30 % slope, UTM 48N, 60 m cells, overviews) with its apex at a point."""
    cx, cy = Transformer.from_crs(4326, 32648, always_xy=True).transform(apex_lon, apex_lat)
    west, north = cx - cell * size / 2, cy + cell * size / 2
    xs = west + cell * (np.arange(size) + 0.5)
    ys = north - cell * (np.arange(size) + 0.5)
    dem = 9000.0 - 0.3 * np.hypot(xs[None, :] - cx, ys[:, None] - cy)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:32648", nodata=NODATA,
                       transform=Affine(cell, 0.0, west, 0.0, -cell, north)) as dataset:
        dataset.write(dem.astype("float32"), 1)
        dataset.build_overviews([2, 4, 8], Resampling.average)
    return path


def _steps(first: np.ndarray, second: np.ndarray, axis: int, width: int = 60) -> np.ndarray:
    """Mean grey steps between neighbouring pixels of ``width`` pixels each side of an edge.

    ``second`` lies after ``first`` along ``axis`` (1: east of it, 0: south of it); the answer
    has ``2 * width - 1`` steps, the one across the edge at ``width - 1``.
    """
    both = np.concatenate([np.take(first, range(256 - width, 256), axis=axis),
                           np.take(second, range(width), axis=axis)], axis=axis).astype(float)
    grey, opaque = both[..., 0], both[..., 1] == 255
    step = np.abs(np.diff(grey, axis=axis))
    shown = np.delete(opaque, 0, axis=axis) & np.delete(opaque, -1, axis=axis)
    return np.where(shown, step, 0.0).sum(axis=1 - axis) / shown.sum(axis=1 - axis)


def test_neighbouring_tiles_of_a_cone_continue_each_other_at_zoom_10(tmp_path):
    """No seam: the edge pixels of a tile are shaded with their neighbours in the next tile.

    On a cone the grey changes smoothly with the direction the slope faces, so the step from a
    pixel to the next near a tile edge is no larger than inside the tile, give or take one grey
    level (the PNG rounds to whole levels). A tile shaded without its one-pixel border (Horn's
    kernel short of the neighbouring column) makes steps of about 15 levels there against
    about 4 inside.
    """
    _, x, y = tile_of(21.85, 106.76, 10)
    n = 1 << 10
    east = (x + 1) / n * 360 - 180  # the tile's south-east corner, the apex 9 km inside
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    to_utm = Transformer.from_crs(4326, 32648, always_xy=True)
    back = Transformer.from_crs(32648, 4326, always_xy=True)
    cx, cy = to_utm.transform(east, south)
    dem = _cone_dem(tmp_path / "non.tif", *back.transform(cx - 9000.0, cy + 9000.0))
    tiles = {key: np.array(Image.open(io.BytesIO(png)))
             for key, png in hillshade_tiles(dem, 10, 10)}
    for neighbour, axis in (((10, x + 1, y), 1), ((10, x, y + 1), 0)):
        steps = _steps(tiles[(10, x, y)], tiles[neighbour], axis)
        at_edge = steps[55:64]  # the step across the edge and four on each side of it
        inside = np.r_[steps[:50], steps[69:]]
        assert np.isfinite(at_edge).all() and np.isfinite(inside).all()
        assert at_edge.max() <= inside.max() + 1.0, (neighbour, at_edge, inside.max())
