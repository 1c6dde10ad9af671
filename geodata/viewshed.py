"""Line-of-sight visibility from a mast over a digital elevation model (a viewshed).

The DEM is read through a rasterio window around the observer (a square of the radius), never
whole. The method casts one ray from the observer to every cell of the window's perimeter; along
each ray the elevation is sampled once per step of the ray's major axis, at the cell its minor
axis falls in (at that cell centre's distance), and the running maximum of the tangent of
the elevation angle is kept (``numpy.maximum.accumulate``). Each cell then takes the answer of
the ray that points at it (the perimeter cell nearest its own direction): it is visible when
the tangent to its own top (ground plus ``target_height``) is at least the largest ground
tangent the ray met before reaching it. All rays together are one numpy array, so a 5 km
viewshed on a 30 m grid (111,000 cells) takes a few milliseconds
(``scripts/bench_viewshed.py`` times it beside a line of sight per cell).

Heights are compared after the earth's curvature and refraction: a cell ``d`` metres away sinks
by ``(1 - k) d^2 / (2 R)`` with ``R`` = 6,371,000 m and ``k`` the refraction coefficient (0.13,
the usual value for radio and light near the ground); ``curvature=False`` compares heights on a
flat earth.

Projected DEMs (UTM, VN-2000 / TM-3) are measured in their own metres (the grid's scale error,
under 1e-4 over a TM-3 zone, is ignored). Geographic DEMs (degrees) are measured on a local
projection: the metres per degree of latitude and of longitude at the observer's latitude on
the WGS 84 ellipsoid (its meridian and prime-vertical radii of curvature); within 15 km of the
observer the distances differ from the ellipsoid's geodesics by less than 0.05 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

import rasterio
import rasterio.features
import rasterio.windows
import shapely
from pyproj import CRS
from shapely.geometry import shape

from geodata.crs import to_wgs84
from geodata.errors import BilingualError

#: The earth's mean radius (metres) used for curvature.
EARTH_RADIUS_M = 6_371_000.0
#: The refraction coefficient for radio and light near the ground.
REFRACTION = 0.13
#: WGS 84 semi-major axis and first eccentricity squared (the local scale of geographic DEMs).
WGS84_A = 6_378_137.0
WGS84_E2 = 0.00669437999014
#: The height given to cells without data along a ray: far below anything, so they never block.
NO_GROUND = -1.0e9


class ViewshedError(BilingualError):
    """The observer is off the DEM, or a parameter cannot be used."""

    default_field = None


@dataclass(frozen=True)
class Viewshed:
    """The visible cells of a window around the observer.

    ``visible`` is the boolean grid (False outside the radius and on nodata cells), ``transform``
    and ``crs`` place it; ``ground`` is the observer's ground elevation (metres), ``row`` and
    ``col`` the observer's cell inside ``visible``; ``metres_per_cell`` the cell's (y, x) size.
    """

    visible: np.ndarray
    transform: Affine
    crs: CRS
    ground: float
    row: int
    col: int
    metres_per_cell: tuple[float, float]

    def polygons_wgs84(self) -> shapely.Geometry:
        """Return the visible area as one (multi)polygon in WGS 84 longitude/latitude."""
        return visible_polygons(self.visible, self.transform, self.crs)


def metres_per_degree(latitude: float) -> tuple[float, float]:
    """Return the metres of one degree of latitude and of longitude at ``latitude`` (WGS 84).

    >>> [round(v) for v in metres_per_degree(0.0)]
    [110574, 111319]
    """
    phi = math.radians(latitude)
    w = math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
    meridian = WGS84_A * (1.0 - WGS84_E2) / w**3
    normal = WGS84_A / w
    return math.radians(1.0) * meridian, math.radians(1.0) * normal * math.cos(phi)


def cell_size_m(transform: Affine, crs: CRS, y: float) -> tuple[float, float]:
    """Return a grid's cell height and width in metres (at latitude ``y`` for degrees)."""
    height, width = abs(transform.e), abs(transform.a)
    if crs.is_geographic:
        lat_m, lon_m = metres_per_degree(y)
        return height * lat_m, width * lon_m
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return height * factor, width * factor


def curvature_drop(distance_m: Any, refraction: float = REFRACTION) -> Any:
    """Return how far the ground ``distance_m`` away sinks below the observer's horizontal.

    >>> round(float(curvature_drop(10_000.0)), 2)
    6.83
    """
    return (1.0 - refraction) * np.square(distance_m) / (2.0 * EARTH_RADIUS_M)


def _perimeter(half_rows: int, half_cols: int) -> np.ndarray:
    """Return the (row, col) offsets of a window's perimeter cells, each once."""
    cols = np.arange(-half_cols, half_cols + 1)
    rows = np.arange(-half_rows + 1, half_rows)
    return np.concatenate([
        np.stack([np.full_like(cols, -half_rows), cols], axis=1),
        np.stack([np.full_like(cols, half_rows), cols], axis=1),
        np.stack([rows, np.full_like(rows, -half_cols)], axis=1),
        np.stack([rows, np.full_like(rows, half_cols)], axis=1),
    ])


def _sample(dem: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Return the DEM at the cells nearest to fractional positions along rays.

    Nearest, not interpolated: a ray stepping along its major axis meets every cell column (or
    row) it crosses, so a ridge one cell wide is never thinned by averaging with its foot.
    """
    return dem[np.rint(rows).astype(np.int64), np.rint(cols).astype(np.int64)]


def visibility(
    dem: np.ndarray, row: int, col: int, metres_per_cell: tuple[float, float], radius_m: float,
    observer_height: float, target_height: float = 1.5, *, curvature: bool = True,
    refraction: float = REFRACTION,
) -> np.ndarray:
    """Return which cells of ``dem`` (NaN: no data) are seen from the cell ``(row, col)``.

    The eye is ``observer_height`` above the observer cell's ground, a cell is seen when a point
    ``target_height`` above its ground is; cells farther than ``radius_m`` are not seen.

    >>> flat = np.zeros((5, 5))
    >>> bool(visibility(flat, 2, 2, (10.0, 10.0), 100.0, 10.0).all())
    True
    """
    sy, sx = metres_per_cell
    dem = np.asarray(dem, dtype=np.float64)
    ground = dem[row, col]
    if not np.isfinite(ground):
        raise ViewshedError("The observer stands on a cell without elevation data.",
                            "Vị trí trạm nằm trên ô không có dữ liệu độ cao.", "point")
    eye = ground + observer_height
    half_r = max(int(math.ceil(radius_m / sy)), 1)
    half_c = max(int(math.ceil(radius_m / sx)), 1)
    padded = np.full((2 * half_r + 1, 2 * half_c + 1), np.nan)
    top, left = row - half_r, col - half_c
    r_lo, r_hi = max(top, 0), min(row + half_r + 1, dem.shape[0])
    c_lo, c_hi = max(left, 0), min(col + half_c + 1, dem.shape[1])
    padded[r_lo - top : r_hi - top, c_lo - left : c_hi - left] = dem[r_lo:r_hi, c_lo:c_hi]
    ends = _perimeter(half_r, half_c)
    steps = np.abs(ends).max(axis=1)
    n = int(steps.max())
    k = np.arange(n + 1, dtype=np.float64)
    frac = np.minimum(k[None, :] / steps[:, None], 1.0)
    ray_r = ends[:, 0:1] * frac
    ray_c = ends[:, 1:2] * frac
    ray_r, ray_c = np.rint(ray_r), np.rint(ray_c)
    heights = _sample(np.nan_to_num(padded, nan=NO_GROUND), ray_r + half_r, ray_c + half_c)
    distance = np.hypot(ray_r * sy, ray_c * sx)
    if curvature:
        heights = heights - curvature_drop(distance, refraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        tangent = (heights - eye) / distance
    tangent[:, 0] = -np.inf
    blocking = np.maximum.accumulate(tangent, axis=1)
    # Each cell: its ray (the perimeter cell in its direction) and the last step before it.
    dr, dc = np.meshgrid(np.arange(-half_r, half_r + 1), np.arange(-half_c, half_c + 1),
                         indexing="ij")
    scale = np.maximum(np.abs(dr) / half_r, np.abs(dc) / half_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        end_r = np.where(scale > 0, np.rint(dr / scale), half_r).astype(np.int64)
        end_c = np.where(scale > 0, np.rint(dc / scale), 0).astype(np.int64)
    index = np.full((2 * half_r + 1, 2 * half_c + 1), -1, dtype=np.int64)
    index[ends[:, 0] + half_r, ends[:, 1] + half_c] = np.arange(len(ends))
    ray = index[end_r + half_r, end_c + half_c]
    before = np.clip(np.ceil(scale * steps[ray] - 1e-9).astype(np.int64) - 1, 0, n)
    cell_distance = np.hypot(dr * sy, dc * sx)
    top_of_cell = padded + target_height
    if curvature:
        top_of_cell = top_of_cell - curvature_drop(cell_distance, refraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (top_of_cell - eye) / cell_distance
    seen = (own >= blocking[ray, before]) & np.isfinite(padded) & (cell_distance <= radius_m)
    seen[half_r, half_c] = True
    return seen[r_lo - top : r_hi - top, c_lo - left : c_hi - left]


def _observer_cell(dataset: Any, x: float, y: float) -> tuple[int, int]:
    row, col = dataset.index(x, y)
    if not (0 <= row < dataset.height and 0 <= col < dataset.width):
        raise ViewshedError(
            f"The point ({x:.6g}, {y:.6g}) is outside the elevation raster.",
            f"Điểm ({x:.6g}, {y:.6g}) nằm ngoài phạm vi raster độ cao.", "point")
    return row, col


#: Most cells from the observer to the window's edge: a wider window (a fine DEM, a long radius)
#: is averaged into blocks first, so memory stays under a few hundred megabytes.
MAX_HALF_CELLS = 1000


def _coarsened(dem: np.ndarray, row: int, col: int, step: int) -> tuple[np.ndarray, int, int,
                                                                         int, int]:
    """Return ``dem`` averaged over step x step blocks, the observer near its block's centre.

    Also the observer's block (row, col) and the first fine row and column of the blocks. The
    observer's block keeps the observer cell's own ground. Cells without data are left out of
    their block's mean (a block without any is without data).
    """
    r0, c0 = (row - step // 2) % step, (col - step // 2) % step
    rows, cols = (dem.shape[0] - r0) // step, (dem.shape[1] - c0) // step
    blocks = dem[r0 : r0 + rows * step, c0 : c0 + cols * step].reshape(rows, step, cols, step)
    finite = np.isfinite(blocks)
    counts = finite.sum(axis=(1, 3))
    sums = np.where(finite, blocks, 0.0).sum(axis=(1, 3))
    coarse = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    r, c = (row - r0) // step, (col - c0) // step
    coarse[r, c] = dem[row, col]
    return coarse, r, c, r0, c0


def viewshed(
    path: Path | str, x: float, y: float, observer_height: float, radius_m: float,
    target_height: float = 1.5, *, curvature: bool = True, refraction: float = REFRACTION,
    max_half_cells: int = MAX_HALF_CELLS,
) -> Viewshed:
    """Return the cells of the DEM at ``path`` seen from ``(x, y)`` (in the DEM's CRS).

    The eye is ``observer_height`` metres (the mast) above the ground the DEM gives at the
    point; only a window of ``radius_m`` around it is read. When the radius spans more than
    ``max_half_cells`` cells, the window is averaged into square blocks (the observer's cell at
    a block's centre) and the answer is on that coarser grid. Raises :class:`ViewshedError` for
    a point off the raster or on a cell without data.
    """
    if not (radius_m > 0 and math.isfinite(radius_m)):
        raise ViewshedError("The radius must be a positive number of metres.",
                            "Bán kính phải là số mét dương.", "radius_m")
    with rasterio.open(path) as dataset:
        crs = CRS.from_user_input(dataset.crs)
        row, col = _observer_cell(dataset, x, y)
        sy, sx = cell_size_m(dataset.transform, crs, y)
        half_r, half_c = int(math.ceil(radius_m / sy)), int(math.ceil(radius_m / sx))
        window = rasterio.windows.Window(col - half_c, row - half_r, 2 * half_c + 1,
                                         2 * half_r + 1)
        window = window.intersection(rasterio.windows.Window(0, 0, dataset.width,
                                                             dataset.height))
        dem = dataset.read(1, window=window, masked=True).astype(np.float64).filled(np.nan)
        transform = dataset.transform @ Affine.translation(window.col_off, window.row_off)
    r, c = row - int(window.row_off), col - int(window.col_off)
    ground = float(dem[r, c])
    step = math.ceil(max(half_r, half_c) / max_half_cells)
    if step > 1:
        dem, r, c, r0, c0 = _coarsened(dem, r, c, step)
        transform = transform @ Affine.translation(c0, r0) @ Affine.scale(step)
        sy, sx = sy * step, sx * step
    seen = visibility(dem, r, c, (sy, sx), radius_m, observer_height, target_height,
                      curvature=curvature, refraction=refraction)
    return Viewshed(seen, transform, crs, ground, r, c, (sy, sx))


def visible_polygons(visible: np.ndarray, transform: Affine, crs: CRS) -> shapely.Geometry:
    """Return the visible cells as one (multi)polygon in WGS 84 (cell edges, not smoothed)."""
    shapes = rasterio.features.shapes(visible.astype(np.uint8), mask=visible,
                                      transform=transform, connectivity=4)
    parts = [shape(geometry) for geometry, _ in shapes]
    if not parts:
        return shapely.MultiPolygon()
    merged = shapely.union_all(parts)

    def reproject(coords: np.ndarray) -> np.ndarray:
        lons, lats = to_wgs84(coords[:, 0], coords[:, 1], crs)
        return np.column_stack([lons, lats])

    return shapely.transform(merged, reproject)
