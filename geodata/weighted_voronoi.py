"""A weighted Voronoi diagram on a pixel grid, fitted to target areas, then polygonised.

Each site has a point, an allowed box, a group and a scale ``s``; a pixel belongs to the site
with the least ``s·(d² + alpha·o²)``, where ``d`` is the distance to the site and ``o`` the
distance outside its box. That is a multiplicatively weighted Voronoi diagram (Okabe et al.,
"Spatial Tessellations", 2nd ed., §3.1.1): unlike a power diagram, every site keeps the ground
under it whatever the weights, so fitting areas never squeezes a cell into a sliver. The scales
of each group's sites are iterated until the group's land area meets its target.

Pixels are handled tile by tile: for a tile, the cost of each site is bounded below (distance to
the tile's rectangle) and above (the cost is convex, so its maximum is at a corner), and only the
sites whose lower bound beats the best upper bound can win a pixel there. That keeps exact
labelling of millions of pixels against about a thousand sites to a few seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine

import shapely
from rasterio.features import rasterize, shapes, sieve

_CHUNK_ELEMENTS = 3_000_000  # pixels x candidate sites per vectorised step


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


def _cost(
    px: np.ndarray, py: np.ndarray, sites: Sites, index: np.ndarray, alpha: float
) -> np.ndarray:
    """Return the unscaled cost (km²) of pixels ``(t, p)`` against sites ``index`` ``(t, m)``."""
    gx, gy, box = sites.x[index][:, None, :], sites.y[index][:, None, :], sites.box[index]
    px, py = px[:, :, None], py[:, :, None]
    ox = np.maximum(np.maximum(box[:, None, :, 0] - px, px - box[:, None, :, 2]), 0.0)
    oy = np.maximum(np.maximum(box[:, None, :, 1] - py, py - box[:, None, :, 3]), 0.0)
    cost = ((px - gx) ** 2 + (py - gy) ** 2 + alpha * (ox * ox + oy * oy)) / 1e6
    limit = sites.limit[index][:, None, :, :]
    beyond = (px < limit[..., 0]) | (px > limit[..., 2]) | (py < limit[..., 1])
    beyond |= py > limit[..., 3]
    cost[beyond] = np.inf
    return cost


def _tile_bounds(raster: Raster, sites: Sites, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Return lower and upper bounds ``(tiles, sites)`` of each site's cost over each tile."""
    x, y = raster.tile_centres()
    tx0, tx1 = x.min(axis=1)[:, None], x.max(axis=1)[:, None]
    ty0, ty1 = y.min(axis=1)[:, None], y.max(axis=1)[:, None]
    gx, gy, box = sites.x[None, :], sites.y[None, :], sites.box
    dx = np.maximum(np.maximum(tx0 - gx, gx - tx1), 0.0)
    dy = np.maximum(np.maximum(ty0 - gy, gy - ty1), 0.0)
    ox = np.maximum(np.maximum(box[None, :, 0] - tx1, tx0 - box[None, :, 2]), 0.0)
    oy = np.maximum(np.maximum(box[None, :, 1] - ty1, ty0 - box[None, :, 3]), 0.0)
    lower = (dx * dx + dy * dy + alpha * (ox * ox + oy * oy)) / 1e6
    limit = sites.limit[None, :, :]
    apart = (tx1 < limit[..., 0]) | (tx0 > limit[..., 2]) | (ty1 < limit[..., 1])
    apart |= ty0 > limit[..., 3]
    lower[apart] = np.inf
    every = np.arange(len(sites.x))[None, :].repeat(len(tx0), axis=0)
    corners = [
        _cost(cx, cy, sites, every, alpha)[:, 0, :]
        for cx, cy in ((tx0, ty0), (tx0, ty1), (tx1, ty0), (tx1, ty1))
    ]
    return lower, np.maximum.reduce(corners)


def _padded(selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn a ``(tiles, sites)`` selection into a padded ``(tiles, m)`` index array and counts."""
    counts = np.maximum(selected.sum(axis=1), 1)
    order = np.argsort(~selected, axis=1, kind="stable")[:, : int(counts.max())]
    taken = np.take_along_axis(selected, order, axis=1)
    # Pad with the tile's first candidate: a duplicate never changes an arg-min.
    return np.where(taken, order, order[:, :1]), counts


def _chunks(tiles: np.ndarray, counts: np.ndarray, pixels: int) -> list[tuple[np.ndarray, int]]:
    """Split tiles, sorted by candidate count, into groups small enough to vectorise.

    Each group comes with its widest candidate count, so little padding is computed.
    """
    tiles = tiles[np.argsort(counts[tiles], kind="stable")]
    widths = counts[tiles]
    out, start = [], 0
    for stop in range(1, len(tiles) + 1):
        full = stop == len(tiles) or (stop + 1 - start) * widths[stop] * pixels > _CHUNK_ELEMENTS
        if full:
            out.append((tiles[start:stop], int(widths[stop - 1])))
            start = stop
    return out


def _scaled(cost: np.ndarray, index: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Weight unweighted ``cost`` whose last axis holds the sites ``index``."""
    return cost * scale[index]


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


def label_pixels(
    raster: Raster,
    sites: Sites,
    scale: np.ndarray,
    alpha: float,
    exclusions: Exclusions | None = None,
) -> np.ndarray:
    """Return the ``(rows, cols)`` raster of the site winning each pixel under ``scale``."""
    lower, upper = _tile_bounds(raster, sites, alpha)
    every = np.arange(len(sites.x))[None, :]
    best_upper = np.min(_scaled(upper, every, scale), axis=1, keepdims=True)
    candidates, counts = _padded(_scaled(lower, every, scale) <= best_upper)
    x, y = raster.tile_centres()
    labels = np.empty(x.shape, dtype=np.int32)
    for chunk, width in _chunks(np.arange(len(x)), counts, x.shape[1]):
        index = candidates[chunk, :width]
        cost = _scaled(_cost(x[chunk], y[chunk], sites, index, alpha), index[:, None, :], scale)
        if exclusions is not None:
            exclusions.penalise(cost, x[chunk], y[chunk], index)
        best = np.argmin(cost, axis=2)
        labels[chunk] = np.take_along_axis(index, best, axis=1)
    return raster.from_tiles(labels)


def _land_candidates(
    raster: Raster, sites: Sites, alpha: float, k: int, scale: np.ndarray, exclusions: Exclusions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for every land pixel, its flat index, ``k`` cheapest sites and unweighted costs."""
    lower, upper = _tile_bounds(raster, sites, alpha)
    every = np.arange(len(sites.x))[None, :]
    k = min(k, len(sites.x))
    kth = np.partition(_scaled(upper, every, scale), k - 1, axis=1)[:, k - 1 : k]
    candidates, counts = _padded(_scaled(lower, every, scale) <= kth)
    x, y = raster.tile_centres()
    land = raster.to_tiles(raster.land)
    flat = raster.to_tiles(np.arange(raster.rows * raster.cols).reshape(raster.rows, -1))
    tiles = np.flatnonzero(land.any(axis=1))
    out_pixel, out_index, out_cost = [], [], []
    for chunk, width in _chunks(tiles, counts, x.shape[1]):
        index = candidates[chunk, :width]
        cost = _cost(x[chunk], y[chunk], sites, index, alpha)
        exclusions.penalise(cost, x[chunk], y[chunk], index)
        width = min(k, cost.shape[2])
        weighted = _scaled(cost, index[:, None, :], scale)
        best = np.argpartition(weighted, width - 1, axis=2)[:, :, :width]
        keep = land[chunk]
        site = np.take_along_axis(np.broadcast_to(index[:, None, :], cost.shape), best, axis=2)
        out_pixel.append(flat[chunk][keep])
        out_index.append(site[keep])
        out_cost.append(np.take_along_axis(cost, best, axis=2)[keep])
    return np.concatenate(out_pixel), np.concatenate(out_index), np.concatenate(out_cost)


def _winners(index: np.ndarray, cost: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Return each land pixel's cheapest weighted candidate site."""
    best = np.argmin(_scaled(cost, index, scale), axis=1)
    return np.take_along_axis(index, best[:, None], axis=1)[:, 0]


def _exclude_strays(
    raster: Raster, sites: Sites, pixels: np.ndarray, winner: np.ndarray, exclusions: Exclusions
) -> int:
    """Forbid fitted sites the land parts of their cells that do not hold the site.

    Returns how many pixels were newly excluded. Parts connect over land only, so a cell
    reaching around its neighbour through China counts as broken.
    """
    labels = np.full(raster.rows * raster.cols, -1, dtype=np.int32)
    labels[pixels] = winner
    labels = labels.reshape(raster.rows, raster.cols)
    found = [
        (shapely.geometry.shape(g), int(v))
        for g, v in shapes(labels, mask=labels >= 0, connectivity=4, transform=raster.transform)
    ]
    parts = np.array([g for g, _ in found], dtype=object)
    owner = np.array([v for _, v in found], dtype=np.int64)
    holds = shapely.contains_xy(parts, sites.x[owner], sites.y[owner])
    largest = largest_parts(owner, shapely.area(parts))
    keep = holds | (largest & ~np.isin(owner, owner[holds]))
    stray = ~keep & (sites.group[owner] >= 0)
    if not stray.any():
        return 0
    burnt = rasterize(
        zip(parts[stray], owner[stray] + 1, strict=True),
        out_shape=(raster.rows, raster.cols),
        transform=raster.transform,
        fill=0,
        dtype="int32",
    ).ravel()
    hit = np.flatnonzero(burnt)
    before = len(exclusions.keys)
    exclusions.add(hit, burnt[hit] - 1)
    return len(exclusions.keys) - before


def largest_parts(owner: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Return a mask of the largest part of each owner."""
    order = np.lexsort((-area, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    out = np.zeros(len(owner), dtype=bool)
    out[order[first]] = True
    return out


def _group_areas(winner: np.ndarray, sites: Sites, groups: int, pixel_km2: float) -> np.ndarray:
    """Return each group's area (km²) given each land pixel's winning site."""
    group = sites.group[winner]
    return np.bincount(group[group >= 0], minlength=groups) * pixel_km2


def fit_group_scales(
    raster: Raster,
    sites: Sites,
    targets_km2: np.ndarray,
    *,
    alpha: float,
    candidates: int = 12,
    iterations: int = 150,
    tolerance: float = 0.003,
    refresh: int = 10,
) -> tuple[np.ndarray, Exclusions]:
    """Return site scales that bring each group's land area to its target, and exclusions.

    Groups whose target is NaN aim at the share they have unweighted, times the ratio of the
    known targets to their unweighted areas. Every ``refresh`` iterations each pixel's
    candidate sites are recomputed, as scales change which sites are near, and the land parts
    of fitted cells that do not hold their site are excluded from that site, so that cells
    grow in one piece. Groups hemmed in by boxes, the border or exclusions stop short.
    """
    groups = len(targets_km2)
    fitted = sites.group >= 0
    scale = np.ones(len(sites.x))
    exclusions = Exclusions.empty(raster, len(sites.x))
    pixels, index, cost = _land_candidates(raster, sites, alpha, candidates, scale, exclusions)
    areas = _group_areas(_winners(index, cost, scale), sites, groups, raster.pixel_km2)
    known = ~np.isnan(targets_km2)
    ratio = targets_km2[known].sum() / max(areas[known].sum(), 1e-9)
    targets = np.where(known, targets_km2, areas * ratio)
    log_scale, step, previous = np.zeros(groups), np.full(groups, 0.8), np.zeros(groups)
    for iteration in range(1, iterations + 1):
        error = np.log(np.maximum(areas, raster.pixel_km2) / targets)
        if np.max(np.abs(np.expm1(-error))) < tolerance:
            break
        # A cell's area goes about as 1/scale, so log-scale += log(area/target) is Newton's
        # step; it halves for groups that overshoot, as close sites trade pixels back and forth.
        step = np.where(error * previous < 0, step * 0.5, np.minimum(step * 1.2, 1.0))
        previous = error
        log_scale += np.clip(step * error, -0.5, 0.5)
        scale[fitted] = np.exp(log_scale[sites.group[fitted]])
        if iteration % refresh == 0:
            _exclude_strays(raster, sites, pixels, _winners(index, cost, scale), exclusions)
            pixels, index, cost = _land_candidates(
                raster, sites, alpha, candidates, scale, exclusions
            )
        areas = _group_areas(_winners(index, cost, scale), sites, groups, raster.pixel_km2)
    return scale, exclusions


def polygonise(
    labels: np.ndarray,
    raster: Raster,
    wanted: np.ndarray,
    anchors: np.ndarray,
    min_pixels: int = 20,
) -> dict[int, shapely.Geometry]:
    """Polygonise the ``wanted`` labels; parts not holding their anchor join a neighbour.

    Specks under ``min_pixels`` first join their largest neighbour (GDAL's sieve). ``anchors``
    are shapely points per site number (the site itself); a cell's part that does not contain
    it is handed to the adjacent cell it shares the longest edge with, so every cell comes out
    in one piece where the raster allows. GDAL drops collinear vertices, so the cells are not
    edge-matched yet: pass them through ``shapely.coverage_clean``.
    """
    wanted_set = {int(v) for v in wanted}
    sieved = sieve(labels.astype(np.int32), min_pixels, connectivity=4)
    pieces, owners = [], []
    for geometry, value in shapes(sieved, connectivity=4, transform=raster.transform):
        pieces.append(shapely.geometry.shape(geometry))
        owners.append(int(value))
    pieces_arr, owner = np.array(pieces, dtype=object), np.array(owners)
    owner = reassign_stray_parts(pieces_arr, owner, anchors, wanted_set)
    result = {}
    for label in wanted_set:
        parts = pieces_arr[owner == label]
        if len(parts):
            result[label] = shapely.union_all(parts)
    return result


def reassign_stray_parts(
    pieces: np.ndarray, owner: np.ndarray, anchors: np.ndarray, wanted: set[int]
) -> np.ndarray:
    """Give each ``wanted`` owner's parts that miss its anchor to the longest-bordering owner.

    An owner none of whose parts holds its anchor keeps its largest part. A part touching no
    other owner stays where it is.
    """
    owner = owner.copy()
    tree = shapely.STRtree(pieces)
    for label in sorted(wanted):
        mine = np.flatnonzero(owner == label)
        if len(mine) < 2:
            continue
        holds = shapely.contains(pieces[mine], anchors[label])
        score = holds if holds.any() else shapely.area(pieces[mine])
        keep = mine[np.argmax(score)]
        for part in mine[mine != keep]:
            near = tree.query(pieces[part], predicate="dwithin", distance=1.0)
            near = near[owner[near] != label]
            if len(near):
                # Clipped and simplified cells may miss each other by rounding: allow 1 m.
                shared = shapely.length(
                    shapely.intersection(pieces[part].boundary, shapely.buffer(pieces[near], 1.0))
                )
                owner[part] = owner[near[np.argmax(shared)]]
    return owner
