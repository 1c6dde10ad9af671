"""Benchmark the clustered map request right after an edit: caught-up index vs whole reload.

Usage: .venv/bin/python scripts/bench_point_index.py [--points 100000]
       [--postgres postgresql+psycopg://user:pw@127.0.0.1:5432/dbname] [--keep FOLDER]
       [--edits 6]

On a benchmark store (``build_bench_store.py``, reused as ``bench_progress.py`` does) it times,
through the Flask test client, ``/api/layers/signal/features?cluster=auto&zoom=8`` (the whole
province, clustered):

- the first request of a new process (the point index read whole);
- the first request after an edit (alternately a move and a status change, made through the
  editing service; median of several edits), answered by the index caught up from the change
  log;
- the same with the index switched off: the layer read whole again after every edit, by the
  present narrow loader and by the previous one (ORM rows: the portal before the index); each
  whole load is timed on its own too.

``run(points, database_url)`` returns the figures as a dict; ``main`` prints them side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

import shapely

from layers import get_layer
from portal import create_app
from portal.services.accounts import create_user
from portal.services.editing import records
from portal.store import point_index as points
from portal.store.models import Feature
from portal.store.progress import states_on
from portal.web.database import get_database

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_progress import _edits, ensure_store, postgres_url  # noqa: E402

ZOOM = 8


class WholeReload:
    """Stands in for the point indexes: never current, so every data version reads the layer."""

    reloads = 0

    def current(self, *_args, **_kwargs) -> None:
        """Answer nothing: the caller reads the layer whole, once per data version."""
        return None


def previous_point_index(session, layer_id: str, as_of: dt.date) -> points.PointIndex:
    """Read the layer whole as the portal did before: ORM rows, a Python slice per row."""
    done = {s.id for s in get_layer(layer_id).statuses if s.done}
    state = states_on(layer_id, as_of)
    rows = session.execute(
        select(Feature.id, Feature.x, Feature.y, Feature.minx, Feature.miny, Feature.maxx,
               Feature.maxy, state.c.status)
        .select_from(state.join(Feature, Feature.id == state.c.feature_id))
        .order_by(Feature.id)
    ).all()  # fmt: skip
    numbers = np.array([row[:7] for row in rows], dtype=float)
    status = np.array([row[7] for row in rows], dtype=object)
    return points.PointIndex(ids=numbers[:, 0].astype(np.int64), x=numbers[:, 1],
                             y=numbers[:, 2], box=numbers[:, 3:7],
                             done=np.isin(status, list(done)))  # fmt: skip


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _edit(app, feature_id: int, user, move: bool) -> None:
    """Move a village a little, or give it its next status, in one transaction."""
    today = dt.date.today()
    with get_database(app).transaction() as session:
        feature = session.get(Feature, feature_id)
        if move:
            where = shapely.Point(feature.x + 0.001, feature.y)
            records.update_feature(session, feature_id, feature.version, {"geometry": where},
                                   user, "benchmark", today=today)  # fmt: skip
        else:
            records.change_status(session, feature_id, feature.version, "site_agreed", None,
                                  today, None, user, "benchmark", today=today)  # fmt: skip


def _after_edits(app, client, url: str, feature_ids: list[int], user) -> list[float]:
    """Edit one record, then time the next clustered request; once per record."""
    times = []
    for i, feature_id in enumerate(feature_ids):
        _edit(app, feature_id, user, move=i % 2 == 0)
        started = time.perf_counter()
        response = client.get(url)
        times.append(_ms(started))
        assert response.status_code == 200 and response.get_json()["clustered"]
    return times


def _whole_loads(app) -> dict[str, float]:
    """Time one whole load of the layer with the previous loader and with the present one."""
    today = dt.date.today()
    figures = {}
    for name, load in (("previous_load_ms", previous_point_index),
                       ("narrow_load_ms", points.point_index)):  # fmt: skip
        with get_database(app).sessions() as session:
            started = time.perf_counter()
            load(session, "signal", today)
            figures[name] = _ms(started)
    return figures


def run(points_wanted: int, database_url: str, edits: int = 6) -> dict[str, float]:
    """Build (or reuse) the store and return every figure, in milliseconds unless named."""
    figures: dict[str, float] = {"points": points_wanted,
                                 **ensure_store(database_url, points_wanted)}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"database_url": database_url, "instance_path": Path(folder),
                          "auto_seed": False})  # fmt: skip
        with get_database(app).transaction() as session:
            user = create_user(session, f"bench-{time.time_ns()}", "bench password 2025!",
                               "admin")  # fmt: skip
        client = app.test_client()
        url = f"/api/layers/signal/features?cluster=auto&zoom={ZOOM}&as_of={dt.date.today()}"
        started = time.perf_counter()
        assert client.get(url).get_json()["clustered"]
        figures["first_request_cold_ms"] = _ms(started)
        ids = _edits(app, 3 * edits)
        figures["after_edit_ms"] = statistics.median(
            _after_edits(app, client, url, ids[:edits], user))
        figures["reloads_after_edits"] = app.extensions["portal_point_index"].reloads
        app.extensions["portal_point_index"] = WholeReload()
        figures["after_edit_reload_ms"] = statistics.median(
            _after_edits(app, client, url, ids[edits : 2 * edits], user))
        narrow, points.point_index = points.point_index, previous_point_index
        try:  # the portal before: the layer read whole by the previous loader after each edit
            figures["after_edit_previous_ms"] = statistics.median(
                _after_edits(app, client, url, ids[2 * edits :], user))
        finally:
            points.point_index = narrow
        figures.update(_whole_loads(app))
        app.extensions["portal_db"].engine.dispose()
    figures["reload_ratio"] = figures["after_edit_reload_ms"] / figures["after_edit_ms"]
    figures["previous_ratio"] = figures["after_edit_previous_ms"] / figures["after_edit_ms"]
    figures["previous_load_ratio"] = figures["previous_load_ms"] / figures["narrow_load_ms"]
    return figures


ROWS = (
    ("build (records only), s", "records_s", "{:.1f}"),
    ("first clustered request, read whole, ms", "first_request_cold_ms", "{:.1f}"),
    ("clustered request after an edit, ms", "after_edit_ms", "{:.1f}"),
    ("  times the layer was read whole", "reloads_after_edits", "{:.0f}"),
    ("  same, whole reload per edit, ms", "after_edit_reload_ms", "{:.1f}"),
    ("  same, previous code (ORM rows), ms", "after_edit_previous_ms", "{:.1f}"),
    ("whole load, previous loader, ms", "previous_load_ms", "{:.1f}"),
    ("whole load, narrow loader, ms", "narrow_load_ms", "{:.1f}"),
    ("reload / caught up", "reload_ratio", "{:.1f}x"),
    ("previous code / caught up", "previous_ratio", "{:.1f}x"),
    ("previous / narrow loader", "previous_load_ratio", "{:.1f}x"),
)


def print_figures(results: dict[str, dict[str, float]]) -> None:
    """Print the figures of each run side by side."""
    print(f"{'':42}" + "".join(f"{n:>22}" for n in results))
    for label, key, fmt in ROWS:
        cells = [fmt.format(r[key]) if key in r else "-" for r in results.values()]
        print(f"{label:42}" + "".join(f"{c:>22}" for c in cells))


def main() -> None:
    """Run the benchmark on SQLite (and PostgreSQL when asked) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (CREATEDB) to run on too")
    parser.add_argument("--keep", default="", help="folder to keep (and reuse) the SQLite store")
    parser.add_argument("--edits", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        runs = {f"SQLite {args.points:,}": f"sqlite:///{folder / f'bench-{args.points}.sqlite3'}"}
        if args.postgres:
            runs[f"PostgreSQL {args.points:,}"] = postgres_url(args.postgres, args.points)
        results = {}
        for name, url in runs.items():
            results[name] = run(args.points, url, args.edits)
            print(f"{name}: {results[name]}", flush=True)
    print_figures(results)


if __name__ == "__main__":
    main()
