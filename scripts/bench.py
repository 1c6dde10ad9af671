"""Every benchmark of the portal beside the naive way, in one run; prints each table as it goes.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench.py [--postgres URL] [--million] [--quick]
       [--only draw,aggregation,load,import] [--folder DIR] [--postgis-only]

1. **Map drawing** in headless Chromium at 1k/10k/100k points: bytes transferred and first
   draw, the portal beside folium's FastMarkerCluster and geopandas ``explore()`` (capped).
2. **Per-area aggregation** at 100k (and 1M with ``--million``): the first ``/api/progress``
   after an edit (area index), the same counted in SQL, cached, a fresh ``geopandas.sjoin``
   and prepared ``contains_xy`` — on SQLite, and on PostGIS with ``--postgres``; then the
   clustered map request right after an edit (point index caught up vs the layer read whole).
3. **Loopback load** on the same 100k stores: req/s and p50/p95/p99 at 1, 8 and 32 clients
   with 1 and 4 workers, and 50 clients for 60 s with 4 workers (the issue's target: p95 under
   200 ms, no error, on PostGIS).
4. **Imports** of 100,000 CSV and XLSX rows: rows/s and peak memory, on SQLite and on PostGIS
   with ``--postgres``.

``--postgres postgresql+psycopg://user:pw@127.0.0.1:5432/name`` needs a role that may create
databases (``name_100000``… are made and kept for the next run). ``--quick`` runs everything
small (a smoke test of the command, figures not comparable). Stores are built in ``--folder``
(kept and reused when given; else a temporary folder). Every load run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_draw  # noqa: E402
import bench_import  # noqa: E402
import bench_load  # noqa: E402
import bench_point_index  # noqa: E402
import bench_progress  # noqa: E402

SECTIONS = ("draw", "aggregation", "load", "import")


def machine() -> str:
    """Return the machine's load average and core count, to print beside the figures."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def stores(folder: Path, postgres: str, points: int, sqlite: bool = True) -> dict[str, str]:
    """Return the store URLs of one size: SQLite in ``folder``, and PostGIS when asked for."""
    urls = {"SQLite": f"sqlite:///{folder / f'bench_{points}.sqlite3'}"} if sqlite else {}
    if postgres:
        urls["PostGIS"] = bench_progress.postgres_url(postgres, points)
    return urls


def section(title: str) -> None:
    """Print a section heading with the machine's load."""
    print(f"\n=== {title} ===  ({machine()}, {time.strftime('%H:%M:%S')})", flush=True)


def run_draw(quick: bool) -> None:
    """Section 1."""
    section("1. Map drawing in headless Chromium: portal vs folium vs geopandas explore()")
    sizes = (300, 3000) if quick else (1000, 10_000, 100_000)
    cap = 30.0 if quick else 120.0
    print(bench_draw.format_table(bench_draw.run(sizes=sizes, cap_s=cap), cap))


def run_aggregation(folder: Path, postgres: str, sizes: tuple[int, ...], sqlite: bool) -> None:
    """Section 2."""
    section("2. Per-area figures: area index vs SQL vs sjoin vs contains_xy")
    results, clustered = {}, {}
    for points in sizes:
        for name, url in stores(folder, postgres, points, sqlite).items():
            results[f"{name} {points:,}"] = bench_progress.run(points, url)
            clustered[f"{name} {points:,}"] = bench_point_index.run(points, url)
    bench_progress.print_figures(results)
    print("\nThe clustered map request right after an edit:")
    bench_point_index.print_figures(clustered)


def run_load(folder: Path, postgres: str, points: int, quick: bool, sqlite: bool) -> None:
    """Section 3."""
    section(f"3. Loopback load on {points:,} points (closed-loop keep-alive clients)")
    for name, url in stores(folder, postgres, points, sqlite).items():
        bench_progress.ensure_store(url, points)
        with tempfile.TemporaryDirectory() as instance:
            results = bench_load.run(
                url, workers=(1, 4), clients=(1, 8, 32), seconds=3 if quick else 8,
                long_run=(50, 10.0 if quick else 60.0), instance=Path(instance))
        bench_load.print_results(results, f"{name}, {points:,} points")


def run_import(rows: int, postgres: str, sqlite: bool) -> None:
    """Section 4."""
    section(f"4. Importing {rows:,} rows (each format in its own process)")
    servers = ([""] if sqlite else []) + ([postgres] if postgres else [])
    print(f"{'store':8} {'format':8} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} "
          f"{'file MB':>8}")
    for server in servers:
        results = bench_import.run(rows, postgres=server)
        for fmt, r in results.items():
            print(f"{'PostGIS' if server else 'SQLite':8} {fmt:8} {r['rows']:8,} "
                  f"{r['seconds']:8.1f} {r['rows_per_second']:8,.0f} {r['peak_mb']:8.0f} "
                  f"{r['file_mb']:8.1f}")


def main() -> None:
    """Run the sections asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (CREATEDB) to run on too")
    parser.add_argument("--million", action="store_true", help="aggregation at 1,000,000 too")
    parser.add_argument("--quick", action="store_true", help="everything small: a smoke test")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--folder", default="", help="keep (and reuse) the stores here")
    parser.add_argument("--postgis-only", action="store_true",
                        help="aggregation, load and import on PostGIS alone (needs --postgres)")
    args = parser.parse_args()
    sqlite = not (args.postgis_only and args.postgres)
    chosen = set(args.only.split(","))
    unknown = chosen - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    points = 20_000 if args.quick else 100_000
    sizes = (points, 1_000_000) if args.million else (points,)
    print(f"portal benchmarks, {time.strftime('%Y-%m-%d %H:%M:%S')}; {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.folder or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if "draw" in chosen:
            run_draw(args.quick)
        if "aggregation" in chosen:
            run_aggregation(folder, args.postgres, sizes, sqlite)
        if "load" in chosen:
            run_load(folder, args.postgres, points, args.quick, sqlite)
        if "import" in chosen:
            run_import(5_000 if args.quick else 100_000, args.postgres, sqlite)
    print(f"\ndone; {machine()}")


if __name__ == "__main__":
    main()
