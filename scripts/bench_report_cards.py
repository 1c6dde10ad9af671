"""Printed report cards: one commune's card, and the 65 communes as one ZIP, beside matplotlib.

Times, on a store (``--db``; else the demo store is built in a temporary folder, about a
minute), as the request and the command line do them:

- one commune card (the card's data, its SVG map and the PDF), warm, median of ``--repeat``;
- the same card with the naive map: the area, its neighbours and its records drawn by
  matplotlib (geopandas ``plot``) into a PNG put in the page instead of the SVG;
- all communes as one ZIP (`portal.web.report_jobs.build_zip`, what ``langson-portal
  report-cards --level commune`` and the batch page run).

    PYTHONPATH=$PWD .venv/bin/python scripts/bench_report_cards.py [--db sqlite:///...]

Targets: one card at most 2 s; the 65 communes at most 2 minutes.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import geopandas as gpd
import shapely

from portal import create_app
from portal.services import bootstrap
from portal.services.reports.area_card import CardSource, Reader
from portal.store.db import open_database
from portal.store.ogc_read import read_areas
from portal.web import report_cards
from portal.web.database import get_database
from portal.web.report_jobs import build_zip, level_codes

AS_OF, SINCE = dt.date(2025, 11, 30), dt.date(2025, 6, 30)
READER = Reader("planner", (), "bench")


def matplotlib_map(card, source, lang) -> str:
    """Draw the naive map: geopandas + matplotlib to a PNG, a data URL in the SVG's place."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    area = card.area
    box = (area.minx - 0.02, area.miny - 0.02, area.maxx + 0.02, area.maxy + 0.02)
    around = read_areas(source.session, card.level, box)
    frame = gpd.GeoDataFrame(geometry=shapely.from_wkb([r.geom for r in around]), crs=4326)
    records = [r.geom for rows in card.records.by_layer.values() for r in rows]
    figure, axes = plt.subplots(figsize=(6.8, 4.3), dpi=150)
    frame.to_crs(32648).plot(ax=axes, color="#e2e5e9", edgecolor="#9aa3ad")
    gpd.GeoSeries(shapely.from_wkb([area.geom]), crs=4326).to_crs(32648).plot(
        ax=axes, color="white", edgecolor="#1f3b57")
    if records:
        gpd.GeoSeries(shapely.from_wkb(records), crs=4326).to_crs(32648).plot(ax=axes,
                                                                               markersize=8)
    axes.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _time_card(app, code: str, repeat: int) -> tuple[float, float, float]:
    """Return the median wall and CPU seconds of one card, and the CPU seconds of its map."""
    walls, cpus, maps = [], [], []
    drawing = report_cards._map  # noqa: SLF001 - timed apart

    def timed_map(*args):
        start = time.process_time()
        try:
            return drawing(*args)
        finally:
            maps.append(time.process_time() - start)

    with app.app_context(), get_database().sessions() as session, \
            mock.patch.object(report_cards, "_map", timed_map):
        report_cards.render_card(CardSource(session, AS_OF, SINCE), READER, "commune", code, "vi")
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            report_cards.render_card(CardSource(session, AS_OF, SINCE), READER, "commune", code,
                                     "vi")
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), statistics.median(maps[1:])


def run(db_url: str, folder: Path, repeat: int = 5) -> dict:
    """Return the figures: seconds for one card (SVG, matplotlib) and for the ZIP."""
    app = create_app({"database_url": db_url, "instance_path": folder, "auto_seed": False,
                      "default_as_of": AS_OF.isoformat()})
    with app.app_context(), get_database().sessions() as session:
        code = level_codes(session, "commune")[0]
    figures = {"svg": _time_card(app, code, repeat)}
    with mock.patch.object(report_cards, "_data_url", lambda url: url), \
            mock.patch.object(report_cards, "_map", matplotlib_map):
        figures["matplotlib"] = _time_card(app, code, repeat)
    with app.app_context(), get_database().sessions() as session:
        start, cpu = time.perf_counter(), time.process_time()
        figures["communes"] = build_zip(session, READER, "commune", AS_OF, SINCE, "vi",
                                        folder / "communes.zip")
        figures["zip_s"] = time.perf_counter() - start
        figures["zip_cpu_s"] = time.process_time() - cpu
    figures["zip_mb"] = (folder / "communes.zip").stat().st_size / 1e6
    return figures


def main() -> None:
    """Print one card's time beside matplotlib's, and the communes' ZIP."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store's URL (default: the demo store, built now)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = args.db
        if not url:
            url = f"sqlite:///{folder / 'portal.sqlite3'}"
            bootstrap.prepare(open_database(url), seed=True)
        f = run(url, folder, args.repeat)
    for name in ("svg", "matplotlib"):
        wall, cpu, drawing = f[name]
        print(f"one commune card, {name:>10} map: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"the map {drawing * 1000:.0f} ms CPU  (target 2 s)")
    print(f"{f['communes']:.0f} communes as one ZIP:          {f['zip_s']:.1f} s wall, "
          f"{f['zip_cpu_s']:.1f} s CPU, {f['zip_mb']:.1f} MB  (target 120 s)")


if __name__ == "__main__":
    main()
