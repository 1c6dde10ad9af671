"""Vector tiles beside the features API: cold and warm times at zoom 10, 12 and 14.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_tiles.py --store STORE.sqlite3
       [--postgres URL] [--repeat 20] [--port 5099]

``--store`` is a SQLite store built by ``scripts/build_bench_store.py`` (100,000 points for the
issue's figure); it is copied to a temporary folder first, so the file given is only read.
``--postgres`` is a PostgreSQL (PostGIS) store built the same way. Each store is served by
``langson-portal run`` (one waitress process) and, for the tile of the ``signal`` layer holding
Lạng Sơn city at each zoom and for ``/api/layers/signal/features`` with the same bounds (every
record, not clustered, as the tile holds them), prints in the same run:

* cold: the first request of the address after the server started (nothing cached);
* warm: the median of ``--repeat`` further requests (answered from the per-process cache, the
  body sent whole: no ``If-None-Match``), with the bytes sent (gzip asked for).

The features API sends at most ``PORTAL_MAX_FEATURES_PAGE`` records (10,000) per answer: for the
zoom-10 tile around the city (about 16,800 records on the 100,000-record store) it sends the
first page only, the tile every record.

Figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import AS_OF, serve  # noqa: E402

#: Lạng Sơn city centre, lon/lat.
CITY = (106.76, 21.85)
ZOOMS = (10, 12, 14)
HALF_WORLD = 20037508.342789244


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Return the XYZ tile holding a lon/lat point at zoom ``z``."""
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def tile_bbox(z: int, x: int, y: int) -> str:
    """Return a tile's bounds as the features API's ``bbox`` (lon/lat, 6 decimals)."""
    n = 2**z
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def timed(port: int, path: str) -> tuple[float, int]:
    """GET ``path`` asking for gzip; return milliseconds and the bytes received."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as answer:
        body = answer.read()
        if answer.status != 200:
            raise SystemExit(f"{path}: status {answer.status}")
    return (time.perf_counter() - started) * 1000, len(body)


def addresses() -> list[tuple[str, int, str]]:
    """Return (what, zoom, path) for the tiles and the features API answers to measure."""
    found = []
    for z in ZOOMS:
        x, y = tile_of(*CITY, z)
        found.append(("tile signal", z, f"/tiles/signal/{z}/{x}/{y}.mvt?as_of={AS_OF}"))
        found.append(("tile commune boundaries", z, f"/tiles/boundaries/commune/{z}/{x}/{y}.mvt"))
        found.append(("features API signal", z, f"/api/layers/signal/features?as_of={AS_OF}"
                      f"&bbox={tile_bbox(z, x, y)}&zoom={z}"))
    return found


def run(database_url: str, port: int, repeat: int, instance: Path) -> list[dict]:
    """Serve the store and time every address cold, then warm."""
    results = []
    with serve(database_url, port, 1, instance=instance, warmed=False):
        timed(port, "/tiles/signal/0/0/0.mvt?as_of=1990-01-01")  # imports and first query
        for what, z, path in addresses():
            cold, size = timed(port, path)
            warm = statistics.median(timed(port, path)[0] for _ in range(repeat))
            results.append({"what": what, "zoom": z, "cold_ms": cold, "warm_ms": warm,
                            "bytes": size, "load": os.getloadavg()[0]})
    return results


def print_results(title: str, results: list[dict]) -> None:
    """Print one line per address."""
    print(f"\n{title}")
    print(f"{'':26} {'zoom':>4} {'cold ms':>9} {'warm ms':>9} {'bytes (gzip)':>13} {'load':>5}")
    for r in results:
        print(f"{r['what']:26} {r['zoom']:4} {r['cold_ms']:9.1f} {r['warm_ms']:9.1f} "
              f"{r['bytes']:13,} {r['load']:5.2f}")


def copied_store(store: Path, folder: Path) -> Path:
    """Return a copy of the SQLite ``store`` in ``folder`` (SQLite's backup API: never torn)."""
    copy = folder / "store.sqlite3"
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as source, \
            sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def main() -> None:
    """Time the tiles and the features API on SQLite, and on PostGIS when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=5099)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        copy = copied_store(args.store, Path(folder))
        print_results(f"SQLite ({args.store.name}), Python encoder (mapbox-vector-tile)",
                      run(f"sqlite:///{copy}", args.port, args.repeat, Path(folder)))
        if args.postgres:
            instance = Path(folder) / "pg"
            instance.mkdir()
            print_results("PostgreSQL, PostGIS encoder (ST_AsMVT over the stored WKB)",
                          run(args.postgres, args.port, args.repeat, instance))


if __name__ == "__main__":
    main()
