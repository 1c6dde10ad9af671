"""The viewshed beside the naive way: a 5 km viewshed on a 30 m grid of synthetic hills.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_viewshed.py [--radius 5000] [--cell 30]
       [--repeat 5] [--mast 30]

Builds a DEM of random Gaussian hills (seeded, so every run has the same terrain), writes it
as a tiled GeoTIFF in UTM 48N (30 x 30 km; the viewshed reads only the window around the
observer) and prints, in the same run:

* ``portal``: ``geodata.viewshed.viewshed`` (the window read from the file, rays to every
  perimeter cell with a running maximum, cells taking their ray's answer), the median of
  ``--repeat`` runs, and ``visibility`` alone on the array;
* ``naive``: one Bresenham line of sight per cell of the radius, in Python (every cell on the
  line between the observer and the target checked), once;
* their agreement: the share of the cells of the radius on which both give the same answer.

Both use the same heights: the cells' centres, the earth's curvature and refraction (k = 0.13).
Target: the portal's viewshed in 1 s or less. Figures depend on the machine's load: the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from affine import Affine

import rasterio

from geodata.viewshed import curvature_drop, viewshed, visibility

SIZE_M = 30_000.0
ORIGIN = (600_000.0, 2_430_000.0)  # north-west corner, UTM 48N (near Lạng Sơn city)


def hills(n: int, cell: float, seed: int = 7) -> np.ndarray:
    """Return an n x n DEM (metres) of 60 random Gaussian hills over 300 m of ground."""
    rng = np.random.default_rng(seed)
    x = (np.arange(n) + 0.5) * cell
    xx, yy = np.meshgrid(x, x)
    dem = np.full((n, n), 300.0)
    for _ in range(60):
        cx, cy = rng.uniform(0, n * cell, 2)
        height, spread = rng.uniform(50, 600), rng.uniform(300, 2000)
        dem += height * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * spread**2))
    return dem


def write(path: Path, dem: np.ndarray, cell: float) -> None:
    """Write the DEM as a tiled GeoTIFF."""
    with rasterio.open(path, "w", driver="GTiff", width=dem.shape[1], height=dem.shape[0],
                       count=1, dtype="float32", crs="EPSG:32648", tiled=True, blockxsize=256,
                       blockysize=256, transform=Affine(cell, 0, ORIGIN[0], 0, -cell,
                                                        ORIGIN[1])) as out:
        out.write(dem.astype("float32"), 1)


def bresenham(r0: int, c0: int, r1: int, c1: int):
    """Yield the cells of the line from (r0, c0) to (r1, c1), both ends included."""
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    sr, sc = (1 if r1 > r0 else -1), (1 if c1 > c0 else -1)
    err = dc - dr
    r, c = r0, c0
    while True:
        yield r, c
        if r == r1 and c == c1:
            return
        e2 = 2 * err
        if e2 > -dr:
            err -= dr
            c += sc
        if e2 < dc:
            err += dc
            r += sr


def naive(dem: np.ndarray, row: int, col: int, cell: float, radius: float, mast: float,
          target: float) -> np.ndarray:
    """Return the viewshed by one Bresenham line of sight per cell within ``radius``."""
    n_r, n_c = dem.shape
    half = int(math.ceil(radius / cell))
    eye = float(dem[row, col]) + mast
    heights = dem.tolist()
    seen = np.zeros(dem.shape, dtype=bool)
    for r in range(max(row - half, 0), min(row + half + 1, n_r)):
        for c in range(max(col - half, 0), min(col + half + 1, n_c)):
            d = math.hypot(r - row, c - col) * cell
            if d > radius:
                continue
            if d == 0:
                seen[r, c] = True
                continue
            own = (heights[r][c] + target - float(curvature_drop(d)) - eye) / d
            visible = True
            for rr, cc in bresenham(row, col, r, c):
                if (rr, cc) in ((row, col), (r, c)):
                    continue
                dd = math.hypot(rr - row, cc - col) * cell
                if (heights[rr][cc] - 0.87 * dd * dd / 12_742_000.0 - eye) / dd > own:
                    visible = False
                    break
            seen[r, c] = visible
    return seen


def run(radius: float = 5000.0, cell: float = 30.0, repeat: int = 5, mast: float = 30.0,
        target: float = 1.5) -> dict:
    """Time the portal's viewshed and the naive one on the same DEM; return the figures."""
    n = int(SIZE_M / cell)
    dem = hills(n, cell)
    row = col = n // 2
    x, y = ORIGIN[0] + (col + 0.5) * cell, ORIGIN[1] - (row + 0.5) * cell
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hills.tif"
        write(path, dem, cell)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            shed = viewshed(path, x, y, mast, radius, target)
            times.append(time.perf_counter() - start)
        dem32 = dem.astype("float32").astype(float)
        start = time.perf_counter()
        array_only = visibility(dem32, row, col, (cell, cell), radius, mast, target)
        array_s = time.perf_counter() - start
    start = time.perf_counter()
    slow = naive(dem32, row, col, cell, radius, mast, target)
    naive_s = time.perf_counter() - start
    half = int(math.ceil(radius / cell))
    window = slow[row - half: row + half + 1, col - half: col + half + 1]
    rr, cc = np.indices(window.shape)
    inside = np.hypot(rr - half, cc - half) * cell <= radius
    agree = float((window[inside] == shed.visible[inside]).mean())
    assert np.array_equal(array_only, shed.visible)  # the window read is the array's window
    return {"cells": int(inside.sum()), "visible_share": float(shed.visible[inside].mean()),
            "portal_s": statistics.median(times), "array_s": array_s, "naive_s": naive_s,
            "agreement": agree}


def main() -> None:
    """Print the figures of one run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, default=5000.0)
    parser.add_argument("--cell", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mast", type=float, default=30.0)
    args = parser.parse_args()
    figures = run(args.radius, args.cell, args.repeat, args.mast)
    print(f"load average {os.getloadavg()[0]:.1f}; {figures['cells']:,} cells within "
          f"{args.radius:,.0f} m on a {args.cell:g} m grid, "
          f"{figures['visible_share']:.1%} visible from a {args.mast:g} m mast")
    print(f"portal viewshed (file window): {figures['portal_s'] * 1000:8.1f} ms (median)")
    print(f"portal visibility (array):     {figures['array_s'] * 1000:8.1f} ms")
    print(f"naive Bresenham per cell:      {figures['naive_s'] * 1000:8.1f} ms")
    print(f"agreement:                     {figures['agreement']:.2%} of cells")


if __name__ == "__main__":
    main()
