"""The pixel grid of the weighted Voronoi diagram: its sites, tiled raster and exclusions.

:mod:`geodata.weighted_voronoi` labels and fits the grid; :mod:`geodata.voronoi_polygons` turns
the labels into polygons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine

import shapely
from rasterio.features import rasterize


@dataclass(frozen=True)
class Sites:
    """Generators of the diagram, in metres.

    Attributes
    ----------
    x, y : numpy.ndarray
        Site coordinates.
    box : numpy.ndarray
        ``(n, 4)`` box (minx, miny, maxx, maxy) the site's cell should keep to: pixels outside
        it cost ``alpha`` times their squared distance to it more; ``±inf`` where unbounded.
    limit : numpy.ndarray
        ``(n, 4)`` box the site's cell can never leave; ``±inf`` where unbounded. Some site
        without a limit must be able to take every pixel.
    group : numpy.ndarray
        Index of the group whose area is fitted, or -1 for sites that keep scale 1.
    """

    x: np.ndarray
    y: np.ndarray
    box: np.ndarray
    limit: np.ndarray
    group: np.ndarray


@dataclass(frozen=True)
class Raster:
    """A pixel grid split into square tiles, with a land mask."""

    x0: float
    top: float
    pixel_m: float
    tile: int
    rows: int
    cols: int
    land: np.ndarray  # (rows, cols) bool

    @property
    def transform(self) -> Affine:
        """Return the affine transform from (col, row) to metres."""
        return Affine(self.pixel_m, 0.0, self.x0, 0.0, -self.pixel_m, self.top)

    @property
    def pixel_km2(self) -> float:
        """Return the area of one pixel in km²."""
        return (self.pixel_m / 1000.0) ** 2

    def to_tiles(self, array: np.ndarray) -> np.ndarray:
        """Reorder a ``(rows, cols)`` array into ``(tiles, tile*tile)``."""
        t = self.tile
        shaped = array.reshape(self.rows // t, t, self.cols // t, t).transpose(0, 2, 1, 3)
        return shaped.reshape(-1, t * t)

    def from_tiles(self, array: np.ndarray) -> np.ndarray:
        """Reorder a ``(tiles, tile*tile)`` array back into ``(rows, cols)``."""
        t = self.tile
        shaped = array.reshape(self.rows // t, self.cols // t, t, t).transpose(0, 2, 1, 3)
        return shaped.reshape(self.rows, self.cols)

    def tile_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return pixel-centre coordinates in tile order, each ``(tiles, tile*tile)``."""
        t = self.tile
        tr, tc = np.divmod(np.arange((self.rows // t) * (self.cols // t)), self.cols // t)
        i, j = np.divmod(np.arange(t * t), t)
        x = self.x0 + ((tc[:, None] * t + j[None, :]) + 0.5) * self.pixel_m
        y = self.top - ((tr[:, None] * t + i[None, :]) + 0.5) * self.pixel_m
        return x, y


def make_raster(
    extent: tuple[float, float, float, float],
    land: shapely.Geometry,
    pixel_m: float,
    tile: int = 32,
) -> Raster:
    """Lay a tiled grid over ``extent`` (metres) and mark pixels whose centre is on ``land``."""
    x0, y0, x1, y1 = extent
    span = pixel_m * tile
    cols = math.ceil((x1 - x0) / span) * tile
    rows = math.ceil((y1 - y0) / span) * tile
    top = y0 + rows * pixel_m
    transform = Affine(pixel_m, 0.0, x0, 0.0, -pixel_m, top)
    mask = rasterize([(land, 1)], out_shape=(rows, cols), transform=transform, dtype="uint8")
    return Raster(x0, top, pixel_m, tile, rows, cols, mask.astype(bool))


@dataclass
class Exclusions:
    """Pixels of a grid that given sites may not take: where their cell would be a stray part."""

    raster: Raster
    sites: int
    keys: np.ndarray  # sorted pixel * sites + site
    flagged: np.ndarray  # (rows, cols) bool: the pixel excludes some site

    @classmethod
    def empty(cls, raster: Raster, sites: int) -> Exclusions:
        """Return exclusions that forbid nothing."""
        flagged = np.zeros((raster.rows, raster.cols), dtype=bool)
        return cls(raster, sites, np.empty(0, dtype=np.int64), flagged)

    def add(self, pixels: np.ndarray, sites: np.ndarray) -> None:
        """Forbid ``sites[i]`` the grid's flat pixel ``pixels[i]``."""
        new = pixels.astype(np.int64) * self.sites + sites
        self.keys = np.union1d(self.keys, new)
        self.flagged.ravel()[pixels] = True

    def penalise(self, cost: np.ndarray, x: np.ndarray, y: np.ndarray, index: np.ndarray) -> None:
        """Set to infinity the cost ``(t, p, m)`` of excluded pairs; ``index`` is ``(t, m)``."""
        if not len(self.keys):
            return
        r = self.raster
        col = np.clip(((x - r.x0) // r.pixel_m).astype(np.int64), 0, r.cols - 1)
        row = np.clip(((r.top - y) // r.pixel_m).astype(np.int64), 0, r.rows - 1)
        flat = row * r.cols + col
        ti, pi = np.nonzero(self.flagged.ravel()[flat])
        if not len(ti):
            return
        keys = flat[ti, pi][:, None] * self.sites + index[ti]
        hit = np.isin(keys, self.keys)
        sub = cost[ti, pi]
        sub[hit] = np.inf
        cost[ti, pi] = sub
