"""Raster layers: the import of a large elevation grid and its zoom-12 tiles beside the naive way.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_raster_tiles.py [--cells 100000000]
       [--repeat 50] [--keep FOLDER]

In a temporary folder: builds a float32 elevation GeoTIFF of ``--cells`` cells (a square grid;
the default 10,000 x 10,000 is 400 MB) in VN-2000 / TM-3 107-15 over Lạng Sơn, written strip
by strip as an office's GIS exports it; imports it as the portal does
(``portal.services.rasters.import_raster``: every check and a read-through, the COG by
rio-cogeo, the statistics, the row) in a child process, and prints its time and the child's
peak memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``); then, for tiles at zoom 12
over the grid, prints in the same run:

* the portal's tile through its route (``/tiles/rasters/<id>/12/x/y.png``): cold (first
  request), and warm (median of ``--repeat``; answered from the per-process tile cache);
* the tile drawn from the COG (rio-tiler, the file in the OS cache, no tile cache): median of
  ``--repeat`` over the tiles;
* the naive way: read the whole grid, then cut and warp the tile out of it (median of 3).

Target: a warm tile within 50 ms; the import's peak memory within 500 MB at 400 MB of cells.
Figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The grid's north-west corner in VN-2000 / TM-3 107-15 (EPSG:9215), metres: near Lạng Sơn.
ORIGIN = (420_000.0, 2_440_000.0)
EPSG = 9215


def build_grid(path: Path, cells: int) -> tuple[int, float]:
    """Write a square float32 elevation grid of about ``cells`` cells; return (side, cell size)."""
    import numpy as np

    import rasterio
    from rasterio.transform import Affine
    from rasterio.windows import Window

    side = int(math.sqrt(cells))
    size = 120_000.0 / side  # the grid spans 120 km whatever its number of cells
    profile = {"driver": "GTiff", "width": side, "height": side, "count": 1,
               "dtype": "float32", "crs": f"EPSG:{EPSG}", "nodata": -9999.0,
               "transform": Affine(size, 0, ORIGIN[0], 0, -size, ORIGIN[1]),
               "BIGTIFF": "IF_SAFER"}
    cols = np.arange(side, dtype="float32")
    with rasterio.open(path, "w", **profile) as dataset:
        rows = max(1, 4_000_000 // side)
        for top in range(0, side, rows):
            height = min(rows, side - top)
            y = np.arange(top, top + height, dtype="float32")[:, None]
            hills = np.sin(cols[None, :] / side * 40) * np.cos(y / side * 30)
            data = 250 + 600 * (hills + 1) / 2 + 0.001 * cols[None, :]
            data[:, :2] = -9999.0  # a nodata edge, as clipped exports have
            dataset.write(data.astype("float32")[None], window=Window(0, top, side, height))
    return side, size


def import_child(store: str, instance: str, source: str) -> None:
    """Import ``source`` as the portal does (run in a child process)."""
    from portal.services.rasters import RasterLimits, RasterMeta, import_raster
    from portal.store.db import open_database

    meta = RasterMeta(kind="elevation", name_vi="Độ cao (thử tải)", name_en="Elevation (bench)",
                      unit="m", source="bench", as_of=dt.date(2025, 6, 30),
                      provenance="illustrative", public=True)
    limits = RasterLimits(max_cells=10**10, max_bytes=None)
    raster_id = import_raster(open_database(store), Path(source), meta, Path(instance),
                              actor="bench", limits=limits)
    print(raster_id)


def _child_import(store: str, instance: Path, source: Path) -> tuple[int, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", store, str(instance), str(source)],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb < before:
        peak_kb = before
    return int(done.stdout.strip().splitlines()[-1]), seconds, peak_kb / 1024


def _tiles(bounds: tuple[float, float, float, float], zoom: int, count: int):
    west, south, east, north = bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    found = [(x + dx, y + dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return found[:count]


def _naive(path: Path, zoom: int, x: int, y: int) -> float:
    """Read the whole grid, then warp the tile out of it; return milliseconds."""
    import numpy as np

    import rasterio
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, reproject

    started = time.perf_counter()
    with rasterio.open(path) as dataset:
        whole = dataset.read(1)
        source_transform, source_crs = dataset.transform, dataset.crs
    half = 20037508.342789244
    span = 2 * half / 2**zoom
    west, north = -half + x * span, half - y * span
    tile = np.full((256, 256), np.nan, dtype="float32")
    reproject(whole, tile, src_transform=source_transform, src_crs=source_crs,
              src_nodata=-9999.0, dst_transform=from_bounds(west, north - span, west + span,
                                                            north, 256, 256),
              dst_crs="EPSG:3857", dst_nodata=np.nan, resampling=Resampling.nearest)
    return (time.perf_counter() - started) * 1000


def run(cells: int, repeat: int, keep: Path | None) -> dict:
    """Build, import and time; return the figures."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench-raster-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "elevation.tif"
    started = time.perf_counter()
    side, size = build_grid(source, cells)
    built_s = time.perf_counter() - started
    print(f"grid: {side:,} x {side:,} float32 ({source.stat().st_size / 1e6:,.0f} MB, "
          f"{size:.1f} m cells), written in {built_s:.1f} s")

    from portal import create_app
    from portal.services import bootstrap
    from portal.services.raster_tiles import render_tile
    from portal.store import rasters as store
    from portal.store.db import open_database

    store_url = f"sqlite:///{folder / 'portal.sqlite3'}"
    db = open_database(store_url)
    bootstrap.init_schema(db)
    db.engine.dispose()
    raster_id, seconds, peak_mb = _child_import(store_url, folder, source)
    print(f"import (checks, read-through, COG, statistics, row): {seconds:.1f} s, "
          f"peak memory of the child {peak_mb:,.0f} MB")

    app = create_app({"database_url": store_url, "instance_path": folder, "auto_seed": False})
    with app.app_context():
        db = app.extensions["portal_db"]
        with db.transaction() as session:
            row = store.get_raster(session, raster_id)
            bounds, style = row.bounds_wgs84(), dict(row.style)
            cog = store.raster_path(folder, row)
    print(f"COG: {cog.stat().st_size / 1e6:,.0f} MB")
    client = app.test_client()
    tiles = _tiles(bounds, 12, 9)
    cold, warm, drawn = [], [], []
    for x, y in tiles:
        url = f"/tiles/rasters/{raster_id}/12/{x}/{y}.png"
        t0 = time.perf_counter()
        assert client.get(url).status_code == 200
        cold.append((time.perf_counter() - t0) * 1000)
    for i in range(repeat):
        x, y = tiles[i % len(tiles)]
        t0 = time.perf_counter()
        client.get(f"/tiles/rasters/{raster_id}/12/{x}/{y}.png")
        warm.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        render_tile(cog, style, 12, x, y)
        drawn.append((time.perf_counter() - t0) * 1000)
    naive = [_naive(source, 12, *tiles[4]) for _ in range(3)]
    figures = {
        "tile_cold_ms": statistics.median(cold), "tile_warm_ms": statistics.median(warm),
        "tile_drawn_ms": statistics.median(drawn), "naive_ms": statistics.median(naive),
        "import_s": seconds, "import_peak_mb": peak_mb,
    }
    print(f"zoom 12, {len(tiles)} tiles over the grid (load average "
          f"{os.getloadavg()[0]:.1f}):")
    print(f"  portal route, cold (first request)       {figures['tile_cold_ms']:8.1f} ms")
    print(f"  portal route, warm (median of {repeat})       {figures['tile_warm_ms']:8.1f} ms")
    print(f"  drawn from the COG, no tile cache        {figures['tile_drawn_ms']:8.1f} ms")
    print(f"  naive: whole grid read, tile warped      {figures['naive_ms']:8.1f} ms")
    app.extensions["portal_db"].engine.dispose()
    return figures


def main() -> None:
    """Parse the options and run."""
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        import_child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000_000,
                        help="cells of the square grid (default 10,000 x 10,000 = 400 MB)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    options = parser.parse_args()
    run(options.cells, options.repeat, options.keep)


if __name__ == "__main__":
    main()
