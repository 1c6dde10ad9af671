"""Benchmark the lean features API on 100,000 generated points: bytes on the wire and req/s.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_api.py [--points 100000] [--seconds 8]

One run builds a throw-away SQLite store as ``scripts/bench_map.py`` does, serves it with
``langson-portal run`` (one waitress process), and for one zoom-14 view of a 1440x900 screen
prints, side by side and measured in this run:

* the bytes of the same records serialised the former way (15-digit coordinates, null
  properties, status label and colour in every record, spaced ASCII JSON) and the way the API
  answers now, each raw and gzipped (and brotli for the answer on the wire);
* requests per second and p50/p95/p99 latency at 1 and 8 concurrent keep-alive clients, the
  request asking for gzip as a browser does and again asking for no compression; each load run
  stops by itself after ``--seconds`` (at most 60). The same view is answered from the cache;
  a "panned" run moves the view a little on every request, so each answer is computed afresh.

Figures depend on the machine's load: read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import brotli

import shapely
from shapely.geometry import mapping

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import load  # noqa: E402
from bench_load import view_url as panned  # noqa: E402
from bench_map import AS_OF, build_store  # noqa: E402

from layers import get_layer  # noqa: E402
from portal.services.public_record import record_properties  # noqa: E402
from portal.store import features as feature_store  # noqa: E402
from portal.store.db import open_database  # noqa: E402

#: A 1440x900 screen at zoom 14 around Lạng Sơn city: about 12.8 km by 7.4 km.
CENTRE = (106.72, 21.815)
HALF = (0.0618, 0.0333)
BBOX = (CENTRE[0] - HALF[0], CENTRE[1] - HALF[1], CENTRE[0] + HALF[0], CENTRE[1] + HALF[1])
BBOX_ARG = ",".join(f"{v:.4f}" for v in BBOX)
URL = f"/api/layers/signal/features?cluster=auto&zoom=14&bbox={BBOX_ARG}&as_of={AS_OF}"


def former_json(path: Path) -> bytes:
    """Serialise the records of the view as the API did before lean responses."""
    db = open_database(f"sqlite:///{path}")
    layer = get_layer("signal")
    with db.sessions() as session:
        as_of = dt.date.fromisoformat(AS_OF)
        rows = feature_store.read_features(session, "signal", as_of, BBOX, 10000, 0)
        communes = feature_store.area_names(session, "commune")
        districts = feature_store.area_names(session, "district")
        features = [
            {"type": "Feature", "id": r.id, "geometry": mapping(shapely.from_wkb(r.geom)),
             "properties": record_properties(layer, r, communes, districts, "vi")}
            for r in rows
        ]
        matched = feature_store.count_features(session, "signal", as_of, BBOX)
    db.engine.dispose()
    body = {"type": "FeatureCollection", "numberMatched": matched,
            "numberReturned": len(features), "asOf": AS_OF, "features": features}
    return json.dumps(body, sort_keys=True).encode()


def fetch(port: int, url: str, encoding: str | None) -> tuple[bytes, dict[str, str]]:
    """GET ``url`` asking for ``encoding``; return the body as sent and the headers."""
    headers = {"Accept-Encoding": encoding or "identity"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read(), dict(answer.headers)


def serve(path: Path, port: int) -> subprocess.Popen:
    """Start ``langson-portal run`` (one waitress process, 8 threads) on the store."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PORTAL_AUTO_SEED": "false",
           "PORTAL_INSTANCE_PATH": str(path.parent), "PORTAL_DEFAULT_AS_OF": AS_OF}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("langson-portal")), "run", "--port", str(port),
         "--threads", "8"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/layers", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the portal did not start within 90 s")


def print_sizes(path: Path, port: int) -> None:
    """Print the bytes of the view, the former way and now, raw and compressed."""
    former = former_json(path)
    raw, raw_headers = fetch(port, URL, None)
    zipped, zip_headers = fetch(port, URL, "gzip")
    brotlied, br_headers = fetch(port, URL, "br")
    assert zip_headers.get("Content-Encoding") == "gzip", zip_headers
    assert br_headers.get("Content-Encoding") == "br", br_headers
    assert gzip.decompress(zipped) == raw == brotli.decompress(brotlied)
    body = json.loads(raw)
    print(f"view: bbox {BBOX_ARG} (1440x900 at zoom 14), {body['numberReturned']:,} records, "
          f"clustered: {bool(body.get('clustered'))}")
    print(f"{'bytes of the zoom-14 answer':52} {'raw':>10} {'gzip':>10} {'brotli':>10}")
    print(f"{'former serialisation (full precision, nulls, labels)':52} {len(former):10,} "
          f"{len(gzip.compress(former, 6)):10,} {len(brotli.compress(former, quality=5)):10,}")
    print(f"{'lean answer as served (6 decimals, no nulls)':52} {len(raw):10,} "
          f"{len(zipped):10,} {len(brotlied):10,}")
    print(f"{'  on the wire to a browser asking for gzip, br':52} {'':10} {'':10} "
          f"{int(br_headers['Content-Length']):10,}")
    print(f"{'  on the wire to a client asking for no compression':52} "
          f"{int(raw_headers['Content-Length']):10,}")


def main() -> None:
    """Build the store, serve it, and print sizes and load figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="per load run (max 60)")
    parser.add_argument("--port", type=int, default=5097)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        timings = build_store(path, args.points)
        print(f"points: {args.points:,}  built in {timings['boundaries_s']:.1f} s + "
              f"{timings['load_s']:.1f} s;  load average {os.getloadavg()[0]:.2f} on "
              f"{os.cpu_count()} cores")
        server = serve(path, args.port)
        try:
            print_sizes(path, args.port)
            print(f"\n{'load on one waitress process (8 threads)':44} {'req/s':>7} {'p50 ms':>8} "
                  f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
            runs = [("features zoom 14, gzip", URL, "gzip"),
                    ("features zoom 14, uncompressed", URL, None),
                    ("features zoom 14 panned (uncached), gzip", panned, "gzip"),
                    ("main page /, gzip", "/", "gzip")]
            for name, url, encoding in runs:
                for clients in (1, 8):
                    r = load(args.port, url, clients, args.seconds, encoding)
                    print(f"{f'{name}, {clients} client(s)':44} {r['rps']:7.1f} {r['p50']:8.1f} "
                          f"{r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:6}")
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
