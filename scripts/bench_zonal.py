"""Zonal statistics of a 10,000 x 10,000 raster: exactextract beside rasterio's ``mask``.

The communes' figures by exactextract (``geodata.zonal``) beside the naive way, rasterio's
``mask`` per polygon, in the same run.

The raster is a population grid in UTM 48N (people per cell, float32, tiled GeoTIFF with a
nodata band across it) covering the province's box; the areas are the 2025 communes and the
province, from a store (``--db``) or the derived boundaries. The naive path reads each polygon's
window with ``rasterio.mask.mask`` and sums whole cells, once with ``all_touched=False`` (cells
whose centre is inside) and once with ``all_touched=True`` (every cell touched); the difference
of their sums from exactextract's (cells weighted by the fraction covered) is printed per run.

    PYTHONPATH=$PWD .venv/bin/python scripts/bench_zonal.py [--size 10000] [--db sqlite:///...]
        [--repeat 3]

Target: exactextract at most 2 s for the 65 communes (the province, a threshold share, both
levels in one call and GDAL decoding on two threads are timed apart; best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from affine import Affine

import geopandas as gpd
import rasterio
import rasterio.mask

from geodata import zonal
from geodata.crs import LANGSON_BBOX
from geodata.zonal import zonal_stats

UTM48N = "EPSG:32648"
NODATA = -1.0


def write_population(path: Path, size: int) -> None:
    """Write a ``size`` x ``size`` population grid (people per cell) over the province."""
    box = gpd.GeoSeries.from_xy([LANGSON_BBOX[0], LANGSON_BBOX[2]],
                                [LANGSON_BBOX[1], LANGSON_BBOX[3]], crs=4326).to_crs(UTM48N)
    west, east = float(box.x.min()), float(box.x.max())
    south, north = float(box.y.min()), float(box.y.max())
    cell = max(east - west, north - south) / size
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1,
               "dtype": "float32", "nodata": NODATA, "crs": UTM48N,
               "transform": Affine(cell, 0.0, west, 0.0, -cell, north), "tiled": True,
               "blockxsize": 512, "blockysize": 512, "compress": "deflate", "zlevel": 1}
    rng = np.random.default_rng(7)
    rows = 1000
    with rasterio.open(path, "w", **profile) as sink:
        for top in range(0, size, rows):
            block = rng.gamma(2.0, 1.5, size=(min(rows, size - top), size)).astype("float32")
            block[:, size // 2: size // 2 + size // 100] = NODATA  # a river of nodata
            sink.write(block, 1, window=rasterio.windows.Window(0, top, size, block.shape[0]))


def naive_sums(path: Path, areas: gpd.GeoDataFrame, all_touched: bool) -> np.ndarray:
    """Return each area's sum by ``rasterio.mask.mask`` (whole cells), one polygon at a time."""
    sums = []
    with rasterio.open(path) as source:
        for geometry in areas.to_crs(source.crs).geometry:
            values, _ = rasterio.mask.mask(source, [geometry], crop=True, filled=False,
                                           all_touched=all_touched)
            sums.append(float(values.sum()) if values.count() else np.nan)
    return np.asarray(sums)


def load_areas(db_url: str | None) -> gpd.GeoDataFrame:
    """Return the province and the 2025 communes, from a store or the derived boundaries."""
    if db_url:
        from portal.store.db import open_database
        from portal.store.loader import load_areas as stored

        database = open_database(db_url)
        with database.transaction() as session:
            frames = [stored(session, "province"), stored(session, "commune")]
    else:
        from geodata.boundaries import build_approximate_boundaries

        built = build_approximate_boundaries()
        frames = [built.province.to_crs(4326)[["code", "name", "geometry"]],
                  built.communes.to_crs(4326)[["code", "name", "geometry"]]]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)


def _timed(function: Any, repeat: int = 1) -> tuple[Any, float, float]:
    """Return what ``function()`` returns, its best wall time and best CPU time of ``repeat``.

    The CPU time is this process's, GDAL's decoding threads included.
    """
    found, best_wall, best_cpu = None, float("inf"), float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        found = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return found, best_wall, best_cpu


def _two_threads(function: Any) -> Any:
    """Return ``function()`` run with GDAL decoding a window's blocks on two threads."""
    kept = zonal.GDAL_THREADS
    zonal.GDAL_THREADS = "2"
    try:
        return function()
    finally:
        zonal.GDAL_THREADS = kept


def run(size: int = 10_000, db_url: str | None = None, repeat: int = 3) -> dict[str, Any]:
    """Time exactextract (best of ``repeat``) and the naive sums on one raster."""
    areas = load_areas(db_url)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "population.tif"
        write_population(path, size)
        communes, province = areas.iloc[1:], areas.iloc[:1]
        cases = {
            "communes": lambda: zonal_stats(path, communes),
            "province": lambda: zonal_stats(path, province),
            "threshold": lambda: zonal_stats(path, communes, threshold=5.0),
            "together": lambda: zonal_stats(path, areas),
            "two_threads": lambda: _two_threads(lambda: zonal_stats(path, communes)),
        }
        found = {name: _timed(case, repeat) for name, case in cases.items()}
        exact, whole = found["communes"][0], found["province"][0]
        timings, differences = {}, {}
        exact_sums = exact["sum"].astype(float).to_numpy()  # the communes
        for touched in (False, True):
            sums, wall, cpu = _timed(lambda touched=touched: naive_sums(path, communes, touched))
            timings[touched] = (wall, cpu)
            differences[touched] = (float(np.nansum(sums - exact_sums)),
                                    float(np.nanmax(np.abs(sums - exact_sums) / exact_sums)))
    return {"areas": len(communes), "size": size, "repeat": repeat,
            "load": os.getloadavg()[0], "exact": {k: v[1:] for k, v in found.items()},
            "naive_s": timings, "differences": differences,
            "province_sum": float(whole["sum"].iloc[0]),
            "communes_sum": float(exact["sum"].astype(float).sum())}


def main() -> None:
    """Print the figures of one run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="a store's URL (default: derived areas)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept")
    args = parser.parse_args()
    found = run(args.size, args.db, args.repeat)
    print(f"{found['size']} x {found['size']} cells, {found['areas']} communes; province sum "
          f"{found['province_sum']:,.0f} people, communes together {found['communes_sum']:,.0f}")
    print(f"load average {found['load']:.1f} (CPU time is what the machine's load leaves "
          "least changed)")
    labels = {"communes": "communes (target 2 s)", "province": "the province alone",
              "threshold": "communes with a threshold share",
              "together": "communes and the province, one call",
              "two_threads": "communes, GDAL decoding on two threads"}
    print(f"exactextract (geodata.zonal), best of {found['repeat']}:")
    for name, label in labels.items():
        wall, cpu = found["exact"][name]
        print(f"  {label:<38} {wall:7.2f} s wall, {cpu:.2f} s CPU")
    for touched in (False, True):
        total, worst = found["differences"][touched]
        wall, cpu = found["naive_s"][touched]
        print(f"rasterio mask, all_touched={touched!s:<5}       {wall:7.2f} s wall, "
              f"{cpu:.2f} s CPU; sum - exact: {total:+,.0f} people in all, "
              f"worst commune {worst:.2%}")


if __name__ == "__main__":
    main()
