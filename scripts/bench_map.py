"""Benchmark the map portal with 100,000 generated points in one layer; prints figures.

Usage: .venv/bin/python scripts/bench_map.py [--points 100000] [--no-browser]

It builds a throw-away SQLite store (derived boundaries + generated dead-zone villages with a
dated history), then measures through the Flask test client: the main page (build time, HTML
bytes), /api/progress uncached, cached and revalidated (304), the features API clustered and
in a small view; and, in headless Chromium against the real server, the time until the map has
drawn every visible layer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

import shapely

from layers import get_layer
from portal import create_app
from portal.services import bootstrap
from portal.store import loader
from portal.store.db import open_database
from portal.web.cache import VersionedCache

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-11-30"


def generate_points(province: shapely.Geometry, n: int, seed: int = 7) -> np.ndarray:
    """Return ``n`` random lon/lat points inside the province."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = province.bounds
    shapely.prepare(province)
    points: list[np.ndarray] = []
    while sum(len(p) for p in points) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(n, 2))
        points.append(xy[shapely.contains_xy(province, xy[:, 0], xy[:, 1])])
    return np.concatenate(points)[:n]


def generated_records(xy: np.ndarray, seed: int = 7) -> list[loader.RecordRow]:
    """Dead-zone villages moving along the signal milestones through 2025."""
    rng = np.random.default_rng(seed)
    statuses = [s.id for s in get_layer("signal").statuses]
    records = []
    for i, (x, y) in enumerate(xy):
        steps = int(rng.integers(1, 5))
        days = np.sort(rng.choice(330, size=steps, replace=False))
        history = [
            loader.StateRow(
                date=dt.date(2025, 1, 1) + dt.timedelta(days=int(d)), status=statuses[k]
            )
            for k, d in enumerate(days)
        ]
        records.append(
            loader.RecordRow(
                layer_id="signal", record_id=f"bench-{i}", name=f"Bản thử {i}",
                geometry=shapely.Point(x, y), attributes={"households": int(rng.integers(5, 90))},
                history=history, illustrative=True,
            )
        )
    return records


def build_store(path: Path, n: int) -> dict[str, float]:
    """Create the benchmark store; return the seconds each step took."""
    db = open_database(f"sqlite:///{path}")
    timings = {}
    started = time.perf_counter()
    bootstrap.init_schema(db)
    timings["boundaries_s"] = bootstrap.build_boundaries(db)
    with db.sessions() as session:
        province = loader.load_areas(session, "province").geometry.iloc[0]
    records = generated_records(generate_points(province, n))
    started = time.perf_counter()
    with db.transaction() as session:
        loader.write_records(session, records)
    timings["load_s"] = time.perf_counter() - started
    db.engine.dispose()
    return timings


def timed(client, url: str, repeat: int, headers=None, fresh_cache=None) -> tuple[float, int, int]:
    """Return the median milliseconds, bytes and status of ``repeat`` GETs."""
    times, size, status = [], 0, 0
    for _ in range(repeat):
        if fresh_cache is not None:
            fresh_cache()
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        size, status = len(response.data), response.status_code
    return statistics.median(times), size, status


def measure_api(path: Path) -> list[tuple[str, float, int, int]]:
    """Measure pages and API calls through the Flask test client."""
    app = create_app({"database_url": f"sqlite:///{path}", "instance_path": path.parent,
                      "default_as_of": AS_OF, "auto_seed": False})
    client = app.test_client()

    def clear() -> None:
        app.extensions["portal_cache"] = VersionedCache()

    rows = []
    progress = f"/api/progress?layer=signal&level=commune&as_of={AS_OF}"
    rows.append(("main page /?show=signal (build)", *timed(client, "/?show=signal", 5)))
    rows.append(("/api/progress commune, uncached", *timed(client, progress, 5, fresh_cache=clear)))
    rows.append(("/api/progress district, uncached",
                 *timed(client, progress.replace("commune", "district"), 5, fresh_cache=clear)))
    client.get(progress)
    rows.append(("/api/progress commune, cached", *timed(client, progress, 20)))
    etag = client.get(progress).headers["ETag"]
    revalidate = {"If-None-Match": etag}
    rows.append(("/api/progress commune, 304", *timed(client, progress, 20, revalidate)))
    whole = "106.0,21.3,107.4,22.5"
    clustered = f"/api/layers/signal/features?cluster=auto&zoom=9&bbox={whole}&as_of={AS_OF}"
    rows.append(("features clustered, province, uncached",
                 *timed(client, clustered, 5, fresh_cache=clear)))
    rows.append(("features clustered, province, cached", *timed(client, clustered, 20)))
    small = (
        "/api/layers/signal/features?cluster=auto&zoom=14"
        f"&bbox=106.70,21.80,106.74,21.83&as_of={AS_OF}"
    )
    rows.append(("features zoom 14 view, uncached", *timed(client, small, 5, fresh_cache=clear)))
    page = f"/api/layers/signal/features?limit=10000&as_of={AS_OF}"
    rows.append(("features page of 10,000, uncached", *timed(client, page, 3, fresh_cache=clear)))
    app.extensions["portal_db"].engine.dispose()
    return rows


def measure_browser(path: Path, runs: int = 3) -> list[float]:
    """Seconds from navigation to a fully drawn map, in headless Chromium, per run."""
    from playwright.sync_api import sync_playwright

    port = 5099
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PORTAL_AUTO_SEED": "false",
           "PORTAL_INSTANCE_PATH": str(path.parent), "PORTAL_DEFAULT_AS_OF": AS_OF}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("langson-portal")), "run", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/api/layers", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        results = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                started = time.perf_counter()
                page.goto(f"{base}/?show=signal&layer=signal&as_of={AS_OF}")
                page.wait_for_function("() => window.PortalMap && PortalMap.state.loaded",
                                       timeout=60000)
                results.append(time.perf_counter() - started)
                page.close()
            browser.close()
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        timings = build_store(path, args.points)
        print(f"points: {args.points:,}  boundaries built in {timings['boundaries_s']:.1f} s, "
              f"points loaded in {timings['load_s']:.1f} s")
        print(f"{'measurement':45} {'median ms':>10} {'bytes':>11} {'status':>6}")
        for name, ms, size, status in measure_api(path):
            print(f"{name:45} {ms:10.1f} {size:11,} {status:6}")
        if not args.no_browser:
            runs = measure_browser(path)
            print(f"{'map drawn in headless Chromium (s, per run)':45} "
                  + ", ".join(f"{r:.2f}" for r in runs))


if __name__ == "__main__":
    main()
