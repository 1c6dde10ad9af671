"""A weighted Voronoi diagram on a pixel grid: labelling pixels and fitting areas to targets.

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

The grid and its sites are in :mod:`geodata.voronoi_grid`; the labelled cells become polygons in
:mod:`geodata.voronoi_polygons`.
"""

from __future__ import annotations

import numpy as np

import shapely
from rasterio.features import rasterize, shapes

from geodata.voronoi_grid import Exclusions, Raster, Sites
from geodata.voronoi_polygons import largest_parts

_CHUNK_ELEMENTS = 3_000_000  # pixels x candidate sites per vectorised step


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
