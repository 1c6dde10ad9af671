"""The main map's layers from vector tiles against GeoJSON, in headless Chromium.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_map_tiles.py [--n 100000] [--lines 2000]
[--shapes 5000] [--runs 3]

One run builds two throw-away stores, (1) the boundaries, the demo records and ``n`` generated
dead-zone villages of ``scripts/bench_map.py`` in the ``signal`` layer, (2) the boundaries, the
demo records, ``lines`` generated roads in ``transport`` (random walks of 80 vertices) and
``shapes`` generated plots in ``industry`` (40-vertex polygons), and serves each twice with
``langson-portal run``, once with ``PORTAL_MAP_TILES=off`` (every layer from
``/api/layers/<id>/features``) and once with ``on`` (every public layer from
``/tiles/<layer>/<z>/<x>/<y>.mvt``, Leaflet.VectorGrid), and prints for each case and path:

* bytes: ``encodedDataLength`` (Chrome DevTools Protocol, compressed as on the wire) of the
  layer's own requests (its tiles or its features) and of every request (page and assets
  included, Leaflet.VectorGrid on the tile path) until the map counts as drawn;
* drawn: from navigation start until ``data-portal-loaded="true"`` and the next frame;
* redraw: from a pan of 300 pixels (``map.panBy``) until the layer is drawn again (the client
  writes the layer's count into ``PortalMap.state.drawn`` after each drawing; a setter notes
  the time) and the next frame.

The cases: on (1), the transport lines and the industry layer (points and polygons) at the
province view, the ``signal`` layer (``n`` + demo points) at the province view and at zoom 14
around Lạng Sơn city; on (2), the dense transport and industry layers at both views.
The commune boundaries are drawn by ``map-areas.js`` from ``/api/areas`` GeoJSON (its labels,
bounds and the count bubbles use the geometries); their tile path is measured on the portal's
page without layers: a ``L.vectorGrid.protobuf`` of ``/tiles/boundaries/commune/...`` against
``L.geoJSON`` of ``/api/areas?level=commune``, each added to the map, until drawn (Resource
Timing ``transferSize`` for the bytes).

Each figure is the median of ``runs`` runs in new browser contexts (empty HTTP cache) after one
warm-up run (the servers' caches warm). Figures depend on the machine's load: the load average
is printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import serve  # noqa: E402
from bench_draw import AFTER_NEXT_FRAME, CHROMIUM_ARGS, VIEWPORT, free_port  # noqa: E402
from bench_map import generate_points, generated_records  # noqa: E402

from layers import get_layer  # noqa: E402
from portal.services import bootstrap  # noqa: E402
from portal.store import loader  # noqa: E402
from portal.store.db import open_database  # noqa: E402

CITY = "lat=21.8530&lon=106.7610&z=14"
#: (case, layer, page query) at the demo's sizes, with ``n`` generated signal villages.
CASES = (
    ("transport lines (demo), province", "transport", "show=transport&layer=transport"),
    ("industry points+polygons (demo), province", "industry", "show=industry&layer=industry"),
    ("signal points, province", "signal", "show=signal&layer=signal"),
    ("signal points, zoom 14", "signal", f"show=signal&layer=signal&{CITY}"),
)
#: The same pages when the line and shape layers are dense (``--lines``, ``--shapes``).
DENSE_CASES = (
    ("transport lines (dense), province", "transport", "show=transport&layer=transport"),
    ("transport lines (dense), zoom 14", "transport", f"show=transport&layer=transport&{CITY}"),
    ("industry polygons (dense), province", "industry", "show=industry&layer=industry"),
    ("industry polygons (dense), zoom 14", "industry", f"show=industry&layer=industry&{CITY}"),
)
DRAWN = """() => document.querySelector('[data-portal-loaded="true"]') !== null"""
WATCH_REDRAW = """(layer) => {
  const drawn = PortalMap.state.drawn;
  let value = drawn[layer];
  window.__redrawn = 0;
  Object.defineProperty(drawn, layer, {configurable: true, enumerable: true,
    get: () => value, set: (v) => { value = v; window.__redrawn = performance.now(); }});
  const started = performance.now();
  PortalMap.state.map.panBy([300, 0], {animate: false});
  return started;
}"""
REDRAWN = "(started) => window.__redrawn > started"
BOUNDARY_TILES = """async () => {
  const map = PortalMap.state.map;
  const started = performance.now();
  const grid = L.vectorGrid.protobuf('/tiles/boundaries/commune/{z}/{x}/{y}.mvt',
    {rendererFactory: L.svg.tile, pane: 'portal-areas',
     vectorTileLayerStyles: {commune: {weight: 1, fill: true, fillOpacity: 0.7}}});
  await new Promise((resolve) => { grid.once('load', resolve); grid.addTo(map); });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const drawn = performance.now() - started;
  const panned = performance.now();
  await new Promise((resolve) => {
    grid.once('load', resolve);
    map.panBy([300, 0], {animate: false});
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const redraw = performance.now() - panned;
  const bytes = performance.getEntriesByType('resource').filter((e) => e.name.includes('/tiles/'))
    .reduce((sum, e) => sum + e.transferSize, 0);
  return {drawn, redraw, bytes};
}"""
BOUNDARY_GEOJSON = """async () => {
  const map = PortalMap.state.map;
  const started = performance.now();
  const fc = await (await fetch('/api/areas?level=commune&bench=1')).json();
  L.geoJSON(fc, {renderer: L.svg({pane: 'portal-areas'}),
    style: {weight: 1, fillOpacity: 0.7}}).addTo(map);
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const drawn = performance.now() - started;
  const panned = performance.now();
  map.panBy([300, 0], {animate: false});
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const redraw = performance.now() - panned;
  const bytes = performance.getEntriesByType('resource').filter((e) => e.name.includes('bench=1'))
    .reduce((sum, e) => sum + e.transferSize, 0);
  return {drawn, redraw, bytes};
}"""


def _history(layer: str, rng: np.random.Generator) -> list[loader.StateRow]:
    statuses = [st.id for st in get_layer(layer).statuses]
    steps = int(rng.integers(1, len(statuses) + 1))
    days = np.sort(rng.choice(330, size=steps, replace=False))
    return [loader.StateRow(date=dt.date(2025, 1, 1) + dt.timedelta(days=int(d)),
                            status=statuses[k]) for k, d in enumerate(days)]


def dense_records(province: shapely.Geometry, lines: int, shapes: int,
                  seed: int = 11) -> list[loader.RecordRow]:
    """Return generated roads (random walks of 80 vertices) and industrial plots."""
    rng = np.random.default_rng(seed)
    records = []
    for i, (x, y) in enumerate(generate_points(province, lines, seed)):
        walk = np.cumsum(rng.normal(0, 0.0015, size=(80, 2)), axis=0) + (x, y)
        records.append(loader.RecordRow(
            layer_id="transport", record_id=f"bench-line-{i}", name=f"Đường thử {i}",
            geometry=shapely.LineString(walk), attributes={}, illustrative=True,
            history=_history("transport", rng)))
    for i, (x, y) in enumerate(generate_points(province, shapes, seed + 1)):
        plot = shapely.Point(x, y).buffer(float(rng.uniform(0.001, 0.004)), quad_segs=10)
        records.append(loader.RecordRow(
            layer_id="industry", record_id=f"bench-plot-{i}", name=f"Lô thử {i}",
            geometry=plot, attributes={}, illustrative=True, history=_history("industry", rng)))
    return records


def build(path: Path, n: int, lines: int = 0, shapes: int = 0) -> None:
    """Write a store: boundaries, demo records, ``n`` signal villages, lines and plots."""
    db = open_database(f"sqlite:///{path}")
    bootstrap.init_schema(db)
    bootstrap.build_boundaries(db)
    bootstrap.seed_demo(db)
    with db.sessions() as session:
        province = loader.load_areas(session, "province").geometry.iloc[0]
    records = generated_records(generate_points(province, n)) if n else []
    if lines and shapes:
        records += dense_records(province, lines, shapes)
    with db.transaction() as session:
        loader.write_records(session, records)
    db.engine.dispose()


@contextlib.contextmanager
def portal(store: Path, mode: str) -> Iterator[str]:
    """Serve ``store`` with ``PORTAL_MAP_TILES=mode``; yield its base URL."""
    port = free_port()
    previous = os.environ.get("PORTAL_MAP_TILES")
    os.environ["PORTAL_MAP_TILES"] = mode
    try:
        server = serve(store, port)
    finally:
        if previous is None:
            os.environ.pop("PORTAL_MAP_TILES", None)
        else:
            os.environ["PORTAL_MAP_TILES"] = previous
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _layer_data(url: str, layer: str) -> bool:
    """Whether ``url`` carries the records of ``layer`` (its tiles or its features)."""
    return f"/tiles/{layer}/" in url or f"/api/layers/{layer}/features" in url


def measure_page(browser, url: str, layer: str) -> dict:
    """Open ``url`` in a new context; return bytes, seconds to drawn and to redrawn."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent",
               lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished",
               lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        page.goto(url, wait_until="commit")
        page.wait_for_function(DRAWN, timeout=180000, polling="raf")
        drawn_ms = page.evaluate(AFTER_NEXT_FRAME)
        sent = sum(sizes.values())
        data = sum(size for key, size in sizes.items() if _layer_data(urls.get(key, ""), layer))
        renderer = page.evaluate(f"PortalMap.state.renderer[{layer!r}]")
        features = page.evaluate(f"PortalMap.state.drawn[{layer!r}]")
        started = page.evaluate(WATCH_REDRAW, layer)
        page.wait_for_function(REDRAWN, arg=started, timeout=180000, polling="raf")
        redraw_ms = page.evaluate(AFTER_NEXT_FRAME) - started
        return {"bytes": sent, "data": data, "drawn": drawn_ms / 1000, "redraw": redraw_ms / 1000,
                "renderer": renderer, "features": features}
    finally:
        context.close()


def measure_boundaries(browser, base: str, script: str) -> dict:
    """Draw the commune boundaries one way on the page without layers; return the figures."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(f"{base}/?show=&layer=signal", wait_until="commit")
        page.wait_for_function(DRAWN, timeout=180000, polling="raf")
        found = page.evaluate(script)
        return {"bytes": None, "data": found["bytes"], "drawn": found["drawn"] / 1000,
                "redraw": found["redraw"] / 1000, "renderer": "svg", "features": None}
    finally:
        context.close()


def median_of(runs: list[dict]) -> dict:
    """Return the median of each timing over ``runs`` and the first run's other figures."""
    out = dict(runs[0])
    for key in ("drawn", "redraw", "bytes", "data"):
        if out[key] is not None:
            out[key] = statistics.median(run[key] for run in runs)
    return out


def measure_store(browser, store: Path, cases, runs: int, boundaries: bool) -> list[dict]:
    """Serve ``store`` both ways; return one row per case and path (medians of ``runs``)."""
    rows: list[dict] = []
    with portal(store, "off") as geojson, portal(store, "on") as tiles:
        if boundaries:
            for path, script in (("GeoJSON", BOUNDARY_GEOJSON), ("tiles", BOUNDARY_TILES)):
                found = [measure_boundaries(browser, geojson, script) for _ in range(runs + 1)]
                rows.append({"case": "commune boundaries, province", "path": path,
                             **median_of(found[1:])})
        for case, layer, query in cases:
            for path, base in (("GeoJSON", geojson), ("tiles", tiles)):
                found = [measure_page(browser, f"{base}/?{query}", layer)
                         for _ in range(runs + 1)]
                rows.append({"case": case, "path": path, **median_of(found[1:])})
    return rows


def run(n: int = 100_000, lines: int = 2_000, shapes: int = 5_000, runs: int = 3) -> list[dict]:
    """Build the stores, measure every case both ways; return one row per case and path."""
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-map-tiles-") as folder:
        demo, dense = Path(folder) / "demo.sqlite", Path(folder) / "dense.sqlite"
        started = time.perf_counter()
        build(demo, n)
        build(dense, 0, lines, shapes)
        print(f"stores built in {time.perf_counter() - started:.0f} s: {n:,} signal villages; "
              f"{lines:,} generated lines and {shapes:,} generated plots")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            rows += measure_store(browser, demo, CASES, runs, boundaries=True)
            rows += measure_store(browser, dense, DENSE_CASES, runs, boundaries=False)
            browser.close()
    return rows


def format_table(rows: list[dict]) -> str:
    """Return the rows as a Markdown table."""
    lines = ["| case | path | drawn by | features | layer bytes | page bytes | drawn (s) "
             "| redraw after pan (s) |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        features = "" if row["features"] is None else f"{row['features']:,}"
        page = "" if row["bytes"] is None else f"{row['bytes'] / 1024:,.0f} KB"
        lines.append(f"| {row['case']} | {row['path']} | {row['renderer']} | {features} | "
                     f"{row['data'] / 1024:,.1f} KB | {page} | {row['drawn']:.2f} | "
                     f"{row['redraw']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the table with the load average."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=2_000)
    parser.add_argument("--shapes", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = run(args.n, args.lines, args.shapes, args.runs)
    print(format_table(rows))
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores shared)")


if __name__ == "__main__":
    main()
