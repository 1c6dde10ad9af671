"""The draw benchmark (scripts/bench_draw.py) end to end on 300 points, in headless Chromium.

It builds its own store, serves the portal, writes the two naive folium maps and opens all three
pages; the test checks that every path really drew the 300 points from 127.0.0.1 alone.

The benchmark drives Playwright's sync API; the browser tests of the same pytest process keep
theirs running, and two sync APIs cannot share a process: the benchmark runs in its own one, as
it does from the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.scripts_loading import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bench_draw.py"
N = 300


def _bench_draw():
    return load_script("bench_draw")


def _in_own_process(code: str):
    """Run ``code`` (which sets ``result``) with bench_draw imported; return ``result``."""
    program = (f"import json, sys\nsys.path.insert(0, {str(SCRIPT.parent)!r})\n"
               f"import bench_draw\n{textwrap.dedent(code)}\n"
               "print('RESULT ' + json.dumps(result))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=900, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_bench_draw_measures_the_portal_and_both_naive_maps_on_the_same_points():
    bench_draw = _bench_draw()
    rows = _in_own_process(f"result = bench_draw.run(sizes=({N},), cap_s=60, warm_runs=1)")

    assert [(r["size"], r["path"]) for r in rows] == [
        (N, "portal"), (N, "folium FastMarkerCluster"), (N, "geopandas explore"),
    ]
    for row in rows:
        assert row["cold_s"] is not None and row["cold_s"] > 0, row
        assert row["warm_s"] is not None and row["warm_s"] > 0, row
        assert row["bytes"] > 0 and row["requests"] > 0, row
        # Every asset came from 127.0.0.1: a CDN request would have been counted here.
        assert row["foreign"] == 0, row
        assert row["errors"] == 0, row
        assert row["cores"] > 0 and row["load_start"] >= 0 and row["load_end"] >= 0
    portal, cluster, explore = rows
    assert portal["ratio_cold"] == 1.0 and portal["html_bytes"] is None
    # The portal's map of the whole province stands for every record.
    assert portal["records"] == N and 0 < portal["drawn"] <= N
    # FastMarkerCluster holds the 300 markers and shows them as bubbles or single markers.
    assert cluster["records"] == N and 0 < cluster["drawn"] <= N
    # explore() draws one SVG circle per point.
    assert explore["records"] == explore["drawn"] == N
    for row in (cluster, explore):
        assert row["html_bytes"] > row["html_gzip_bytes"] > 0
        assert row["bytes"] > row["html_bytes"] * 0.9  # the page itself and its assets
        assert row["ratio_cold"] == row["cold_s"] / portal["cold_s"]

    table = bench_draw.format_table(rows, 60)
    assert len(table.splitlines()) == 4 and "geopandas explore" in table


def test_a_draw_past_the_cap_is_reported_as_not_finished_without_warm_runs(tmp_path):
    bench_draw = _bench_draw()
    (tmp_path / "empty.html").write_text("<!doctype html><title>x</title><p>no map here</p>")
    started = time.monotonic()
    figures = _in_own_process(f"""
        from pathlib import Path
        with bench_draw.static_server(Path({str(tmp_path)!r})) as base:
            result = bench_draw.measure(
                bench_draw.chromium, f"{{base}}/empty.html", bench_draw.EXPLORE_DRAWN,
                bench_draw.EXPLORE_COUNT, {N}, cap_s=2, warm_runs=3,
            )
    """)
    assert time.monotonic() - started < 60
    assert figures["cold_s"] is None and figures["warm_s"] is None
    assert figures["warm_runs"] == [] and figures["foreign"] == 0
    assert figures["bytes"] > 0 and figures["drawn"] == 0

    row = {"size": N, "path": "geopandas explore", "build_s": 1.0, "html_bytes": 10,
           "html_gzip_bytes": 5, "ratio_cold": None, "ratio_warm": None, **figures}
    line = bench_draw.format_table([row], 120).splitlines()[1]
    assert line.count("> 120 s (did not finish)") == 2
