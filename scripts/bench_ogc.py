"""``/ogc`` items pages beside the portal's own features API: cold and warm, 100 and 1,000.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_ogc.py --store STORE.sqlite3
       [--repeat 20] [--port 5098]

``--store`` is a SQLite store built by ``scripts/build_bench_store.py`` (100,000 points for the
issue's figure); it is copied to a temporary folder first, so the file given is only read. The
store is served by ``langson-portal run`` (one waitress process) and, for the ``signal`` layer
(CRS84, then EPSG:3857) and for ``/api/layers/signal/features`` with the same ``limit``, prints:

* cold: the first request of the address after the server started (its records never
  serialised; the layer's point index built by a first one-record request);
* warm: the median of ``--repeat`` further requests of the same address (the answer kept per
  process, the body sent whole: no ``If-None-Match``);
* joined: the median over ``--repeat`` pages at other offsets whose records were serialised
  before (by one page of 10,000) but whose answer was never asked for: the ids in the box and
  a join of the kept bytes, nothing answered from the cache.

Figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import AS_OF, serve  # noqa: E402
from bench_tiles import copied_store, timed  # noqa: E402

CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"


#: What is timed: (what, the address before its page, what follows the page).
ADDRESSES = (
    ("ogc items signal", f"/ogc/collections/signal/items?datetime={AS_OF}", ""),
    ("ogc items signal 3857", f"/ogc/collections/signal/items?datetime={AS_OF}",
     f"&crs={CRS_3857}"),
    ("features API signal", f"/api/layers/signal/features?as_of={AS_OF}", ""),
)


def page(prefix: str, suffix: str, limit: int, offset: int) -> str:
    """Return the address of one page."""
    return f"{prefix}&limit={limit}&offset={offset}{suffix}"


def _joined(port: int, prefix: str, suffix: str, limit: int, repeat: int) -> float:
    """Median time of pages at fresh offsets whose records' bytes are kept already."""
    timed(port, page(prefix, suffix, 10_000, 60_000))
    times = [timed(port, page(prefix, suffix, limit, 60_000 + limit * (k + 1)))[0]
             for k in range(min(repeat, 10_000 // limit - 1))]
    return statistics.median(times)


def run(database_url: str, port: int, repeat: int, instance: Path) -> list[dict]:
    """Serve the store and time every address cold, warm and joined.

    Each page size reads records of its own (offset 20,000 or 40,000), so its cold figure
    serialises every record of the page.
    """
    results = []
    with serve(database_url, port, 1, instance=instance, warmed=False):
        # Imports, first query and the layer's point index (built once per process).
        for _what, prefix, suffix in ADDRESSES:
            timed(port, page(prefix, suffix, 1, 0))
        for limit, offset in ((100, 20_000), (1000, 40_000)):
            for what, prefix, suffix in ADDRESSES:
                path = page(prefix, suffix, limit, offset)
                cold, size = timed(port, path)
                warm = statistics.median(timed(port, path)[0] for _ in range(repeat))
                joined = _joined(port, prefix, suffix, limit, repeat)
                results.append({"what": what, "limit": limit, "cold_ms": cold,
                                "warm_ms": warm, "joined_ms": joined, "bytes": size,
                                "load": os.getloadavg()[0]})
    return results


def print_results(title: str, results: list[dict]) -> None:
    """Print one line per address."""
    print(f"\n{title}")
    print(f"{'':24} {'limit':>5} {'cold ms':>9} {'warm ms':>9} {'joined ms':>10} "
          f"{'bytes (gzip)':>13} {'load':>5}")
    for r in results:
        print(f"{r['what']:24} {r['limit']:5} {r['cold_ms']:9.1f} {r['warm_ms']:9.1f} "
              f"{r['joined_ms']:10.1f} {r['bytes']:13,} {r['load']:5.2f}")


def main() -> None:
    """Time ``/ogc`` items pages and the features API on a copy of the store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=5098)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        copy = copied_store(args.store, Path(folder))
        print_results(f"SQLite ({args.store.name})",
                      run(f"sqlite:///{copy}", args.port, args.repeat, Path(folder)))


if __name__ == "__main__":
    main()
