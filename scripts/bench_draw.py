"""Page bytes and first draw in headless Chromium, the portal against the naive folium maps.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_draw.py [--sizes 1000,10000,100000] [--cap 120]

For each size N, one run builds a throw-away store of N generated dead-zone villages
(``scripts/bench_map.py``), serves it with ``langson-portal run``, and writes the same N points
the naive way: (a) a folium map with ``folium.plugins.FastMarkerCluster``, (b) geopandas'
``GeoDataFrame.explore()`` with every record's properties. The naive pages load Leaflet and
their plugins from CDNs; here every asset name is pointed at the portal's vendored copy (the
same files the portal serves), and the pages are served by a small local HTTP server, so the
three paths load the same libraries from 127.0.0.1. No tiles on any path (there is no internet).

Measured in headless Chromium (Debian's ``/usr/bin/chromium``), each run in a new browser
context (empty HTTP cache):

* bytes transferred: the sum of ``encodedDataLength`` of every request finished (Chrome
  DevTools Protocol ``Network.loadingFinished``: headers and body as on the wire, compressed
  when the server compressed) until the page counts as drawn;
* first draw: from navigation start (``performance.now()`` in the page counts from it) until
  the page counts as drawn and the next frame has been painted.

When a page counts as drawn:

* portal: the map container carries ``data-portal-loaded="true"``, set by ``portal-map.js`` once
  the boundaries and every visible layer are drawn;
* FastMarkerCluster: folium's cluster group (``window.fast_marker_cluster_*``) holds the N
  markers and Leaflet's marker pane holds at least one icon, a cluster bubble or a single
  marker (markercluster adds the icons of the view when the group is added to the map, in the
  same task; folium's single markers are awesome-markers, without ``leaflet-marker-icon``);
* ``explore()``: at least N ``path.leaflet-interactive`` in the DOM: its points are circle
  markers, one SVG path each, and Leaflet's SVG renderer creates a path for every layer.

The first run after a server starts is "cold" (the portal's caches are empty); "warm" is the
median of the next ``warm_runs``. A naive draw that has not finished within ``cap_s`` seconds
is recorded as not finished (``None``) and its warm runs are not attempted. Requests to any
host other than 127.0.0.1 cannot resolve (``--host-resolver-rules``) and are counted as
``foreign``: a page that needed one would not draw. Figures depend on the machine's load: read
the ratios and the load average printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import folium
import geopandas as gpd
from folium.elements import JSCSSMixin
from folium.plugins import FastMarkerCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import serve  # noqa: E402
from bench_map import AS_OF, build_store, generate_points, generated_records  # noqa: E402

from portal.store import loader  # noqa: E402
from portal.store.db import open_database  # noqa: E402
from portal.web.assets import vendor_url_path  # noqa: E402
from portal.web.mapbuilder import PROVINCE_CENTRE, PROVINCE_ZOOM  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "portal" / "static" / "vendor"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Every host name fails to resolve: nothing can leave the machine, even by mistake.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1440, "height": 900}
PORTAL = "portal"
CLUSTER = "folium FastMarkerCluster"
EXPLORE = "geopandas explore"

PORTAL_DRAWN = """() => document.querySelector('[data-portal-loaded="true"]') !== null"""
CLUSTER_DRAWN = """(n) => {
  const key = Object.keys(window).find((k) => k.startsWith('fast_marker_cluster_'));
  const group = key && window[key];
  return !!group && group.getLayers().length === n
    && document.querySelector('.leaflet-marker-pane').childElementCount > 0;
}"""
EXPLORE_DRAWN = "(n) => document.querySelectorAll('path.leaflet-interactive').length >= n"
AFTER_NEXT_FRAME = """() => new Promise((resolve) => requestAnimationFrame(
  () => setTimeout(() => resolve(performance.now()), 0)))"""
PORTAL_COUNT = """() => ({drawn: PortalMap.state.drawn.signal || 0,
  records: PortalMap.state.records.signal || 0})"""
CLUSTER_COUNT = """() => {
  const key = Object.keys(window).find((k) => k.startsWith('fast_marker_cluster_'));
  return {drawn: document.querySelector('.leaflet-marker-pane').childElementCount,
          records: window[key].getLayers().length};
}"""
EXPLORE_COUNT = """() => {
  const n = document.querySelectorAll('path.leaflet-interactive').length;
  return {drawn: n, records: n};
}"""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def localize(fmap: folium.Map) -> None:
    """Point every folium asset of ``fmap`` at the portal's vendored copy (``vendor/...``)."""

    def walk(element):
        yield element
        for child in element._children.values():
            yield from walk(child)

    for element in walk(fmap):
        if isinstance(element, JSCSSMixin):
            for attribute in ("default_js", "default_css"):
                pairs = [(name, vendor_url_path(name)) for name, _ in getattr(element, attribute)]
                setattr(element, attribute, [(n, f"/{p}") for n, p in pairs if p is not None])


def naive_frame(records: list[loader.RecordRow]) -> gpd.GeoDataFrame:
    """Return the generated records as a GeoDataFrame with properties and latest status."""
    return gpd.GeoDataFrame(
        {
            "record_id": [r.record_id for r in records],
            "name": [r.name for r in records],
            "households": [r.attributes["households"] for r in records],
            "status": [r.history[-1].status for r in records],
            "status_date": [r.history[-1].date.isoformat() for r in records],
        },
        geometry=[r.geometry for r in records], crs="EPSG:4326",
    )


def write_cluster_map(frame: gpd.GeoDataFrame, path: Path) -> float:
    """Write the FastMarkerCluster map of ``frame``'s points; return the seconds it took."""
    started = time.perf_counter()
    # Without tiles the map has no maxZoom, which markercluster needs (the portal sets 18).
    fmap = folium.Map(location=list(PROVINCE_CENTRE), zoom_start=PROVINCE_ZOOM, tiles=None)
    fmap.options["maxZoom"] = 18
    latlon = list(zip(frame.geometry.y.tolist(), frame.geometry.x.tolist(), strict=True))
    FastMarkerCluster(latlon).add_to(fmap)
    localize(fmap)
    fmap.save(str(path))
    return time.perf_counter() - started


def write_explore_map(frame: gpd.GeoDataFrame, path: Path) -> float:
    """Write ``frame.explore()`` (tooltips of every property); return the seconds it took."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    fmap = frame.explore(tiles=None)
    localize(fmap)
    fmap.save(str(path))
    return time.perf_counter() - started


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 from a thread; yield its base URL; stop it on leaving."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def measure_once(browser, url: str, drawn: str, count: str, n: int, cap_s: float) -> dict:
    """Open ``url`` in a new context; return seconds to draw (None past the cap) and bytes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: list[int] = []
        cdp.on("Network.loadingFinished", lambda e: sizes.append(int(e["encodedDataLength"])))
        foreign: list[str] = []
        page.on("request", lambda r: urlparse(r.url).hostname not in (None, "127.0.0.1")
                and r.url.startswith("http") and foreign.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        started = time.monotonic()
        result = {"seconds": None, "bytes": 0, "requests": 0, "drawn": 0, "records": 0}
        try:
            page.goto(url, wait_until="commit", timeout=cap_s * 1000)
            left_ms = max(1.0, cap_s - (time.monotonic() - started)) * 1000
            page.wait_for_function(drawn, arg=n, timeout=left_ms, polling="raf")
            result["seconds"] = page.evaluate(AFTER_NEXT_FRAME) / 1000
            result.update(page.evaluate(count))
        except PlaywrightTimeout:
            pass
        result.update(bytes=sum(sizes), requests=len(sizes), foreign=len(foreign),
                      errors=len(errors))
        return result
    finally:
        context.close()


def measure(browser_factory, url: str, drawn: str, count: str, n: int, cap_s: float,
            warm_runs: int) -> dict:
    """One cold run then ``warm_runs``; return the cold figures and the warm median."""
    with browser_factory() as browser:
        cold = measure_once(browser, url, drawn, count, n, cap_s)
        warm = []
        if cold["seconds"] is not None:
            warm = [measure_once(browser, url, drawn, count, n, cap_s) for _ in range(warm_runs)]
    warm_seconds = [w["seconds"] for w in warm]
    return {
        "bytes": cold["bytes"], "requests": cold["requests"], "foreign": cold["foreign"],
        "errors": cold["errors"] + sum(w["errors"] for w in warm),
        "drawn": cold["drawn"], "records": cold["records"],
        "cold_s": cold["seconds"],
        "warm_s": (statistics.median(warm_seconds)
                   if warm and None not in warm_seconds else None),
        "warm_runs": warm_seconds,
    }


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium; closed on leaving."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise SystemExit("Debian's chromium package is required (scripts/setup.sh --test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def province_records(path: Path, n: int) -> list[loader.RecordRow]:
    """Return the N records ``build_store`` wrote to the store at ``path``."""
    db = open_database(f"sqlite:///{path}")
    try:
        with db.sessions() as session:
            province = loader.load_areas(session, "province").geometry.iloc[0]
    finally:
        db.engine.dispose()
    return generated_records(generate_points(province, n))


def run_size(n: int, cap_s: float, warm_runs: int, folder: Path) -> list[dict]:
    """Measure the three paths on N points; return one row per path."""
    store = folder / "bench.sqlite3"
    timings = build_store(store, n)
    build_s = timings["boundaries_s"] + timings["load_s"]
    rows = []
    port = free_port()
    server = serve(store, port)
    try:
        url = f"http://127.0.0.1:{port}/?show=signal&layer=signal&as_of={AS_OF}"
        figures = measure(chromium, url, PORTAL_DRAWN, PORTAL_COUNT, n, cap_s, warm_runs)
        rows.append({"size": n, "path": PORTAL, "build_s": build_s, "html_bytes": None,
                     "html_gzip_bytes": None, **figures})
    finally:
        server.terminate()
        server.wait(timeout=10)
    site = folder / "naive"
    site.mkdir()
    (site / "vendor").symlink_to(VENDOR, target_is_directory=True)
    frame = naive_frame(province_records(store, n))
    naive = [(CLUSTER, "cluster.html", write_cluster_map, CLUSTER_DRAWN, CLUSTER_COUNT),
             (EXPLORE, "explore.html", write_explore_map, EXPLORE_DRAWN, EXPLORE_COUNT)]
    with static_server(site) as base:
        for name, filename, write, drawn, count in naive:
            build_s = write(frame, site / filename)
            figures = measure(chromium, f"{base}/{filename}", drawn, count, n, cap_s, warm_runs)
            html = (site / filename).read_bytes()
            rows.append({"size": n, "path": name, "build_s": build_s, "html_bytes": len(html),
                         "html_gzip_bytes": len(gzip.compress(html, 6)), **figures})
            (site / filename).unlink()
    return rows


def run(sizes=(1000, 10000, 100000), cap_s: float = 120.0, database_url=None,
        warm_runs: int = 3) -> list[dict]:
    """Measure every size; return one dict per size and path (see the module docstring).

    Each dict: ``size``, ``path``, ``build_s`` (store or HTML), ``html_bytes`` and
    ``html_gzip_bytes`` (the naive HTML file, and gzipped: the local server sends it as it is,
    while the portal compresses its answers), ``bytes`` and ``requests`` transferred until
    drawn, ``foreign`` (requests to other hosts), ``errors`` (page errors), ``drawn`` (icons or
    paths on the map), ``records`` (points they stand for), ``cold_s``, ``warm_s`` (None: not
    drawn within ``cap_s``), ``warm_runs``, ``ratio_cold``/``ratio_warm`` (this path's seconds
    over the portal's, None when either did not finish), ``load_start``/``load_end`` (1-minute
    load average) and ``cores``.
    ``database_url`` is accepted for the combined benchmark command; only a throw-away SQLite
    store is supported, so it must be None.
    """
    if database_url is not None:
        raise ValueError("bench_draw builds its own throw-away SQLite store per size")
    rows = []
    for n in sizes:
        load_start = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="bench-draw-") as folder:
            size_rows = run_size(n, cap_s, warm_runs, Path(folder))
        portal = size_rows[0]
        for row in size_rows:
            for key in ("cold", "warm"):
                mine, base = row[f"{key}_s"], portal[f"{key}_s"]
                row[f"ratio_{key}"] = mine / base if mine is not None and base else None
            row.update(load_start=load_start, load_end=os.getloadavg()[0],
                       cores=os.cpu_count())
        rows.extend(size_rows)
    return rows


def _seconds(value: float | None, cap_s: float) -> str:
    return f"> {cap_s:.0f} s (did not finish)" if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"x{value:.1f}"


def format_table(rows: list[dict], cap_s: float = 120.0) -> str:
    """Return the rows of `run` as a printable table."""
    header = (f"{'points':>7}  {'path':25} {'build s':>8} {'html bytes':>12} {'html gzip':>11} "
              f"{'bytes':>12} "
              f"{'req':>4} {'cold s':>24} {'warm s':>24} {'cold/portal':>11} "
              f"{'warm/portal':>11} {'drawn':>7} {'foreign':>7}")
    lines = [header]
    for r in rows:
        html = "" if r["html_bytes"] is None else f"{r['html_bytes']:,}"
        zipped = "" if r["html_gzip_bytes"] is None else f"{r['html_gzip_bytes']:,}"
        lines.append(
            f"{r['size']:7,}  {r['path']:25} {r['build_s']:8.1f} {html:>12} {zipped:>11} "
            f"{r['bytes']:12,} "
            f"{r['requests']:4} {_seconds(r['cold_s'], cap_s):>24} "
            f"{_seconds(r['warm_s'], cap_s):>24} {_ratio(r['ratio_cold']):>11} "
            f"{_ratio(r['ratio_warm']):>11} {r['drawn']:7,} {r['foreign']:7}"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the table with the machine's load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds per naive draw")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print(f"start: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows = run(sizes, cap_s=args.cap, warm_runs=args.warm_runs)
    print(format_table(rows, args.cap))
    print("bytes: transferred until drawn (headers + body as on the wire), cold run; "
          f"cold: first run after start; warm: median of {args.warm_runs}")
    print(f"end: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
