"""Turning the weighted Voronoi diagram's pixel labels into polygons, one piece per cell."""

from __future__ import annotations

import numpy as np

import shapely
from rasterio.features import shapes, sieve

from geodata.voronoi_grid import Raster


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


def largest_parts(owner: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Return a mask of the largest part of each owner."""
    order = np.lexsort((-area, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    out = np.zeros(len(owner), dtype=bool)
    out[order[first]] = True
    return out
