"""Benchmark /api/progress after an edit against a fresh spatial join; prints the figures.

Usage: .venv/bin/python scripts/bench_progress.py [--points 100000] [--million]
       [--postgres postgresql+psycopg://user:pw@127.0.0.1:5432/dbname] [--keep FOLDER]

For each size (100,000 points, and 1,000,000 with ``--million``) it builds a benchmark store
(``build_bench_store.py``: the points plus 10,000 lines and 10,000 polygons; on SQLite, and on
PostgreSQL in the database ``<dbname>_<points>`` when ``--postgres`` is given; a store already
holding the records is reused) and measures, through the Flask test client:

- the first ``/api/progress?layer=signal&level=commune`` after an edit (a status change made
  through the editing service; median of several edits), answered by the area index;
- the same with the index switched off: SQL counting, as before the index;
- the cached answer;
- a fresh ``geopandas.sjoin`` of the points against the commune polygons, counted per commune;
- shapely 2's prepared ``contains_xy`` per commune.

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
from sqlalchemy import create_engine, make_url, select, text

import geopandas as gpd
import shapely

from portal import create_app
from portal.services.accounts import create_user
from portal.services.editing import records
from portal.store import loader
from portal.store.models import Feature, FeatureState
from portal.web.database import get_database

EXTRA = 10_000  # lines and polygons beside the points


class NoIndex:
    """Stands in for the area index: always "count in SQL" (the portal before the index)."""

    reloads = 0

    def tally(self, *_args, **_kwargs) -> None:
        """Answer nothing, so the caller counts in SQL."""
        return None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def ensure_store(database_url: str, points: int) -> dict[str, float]:
    """Build the store unless it already holds ``points`` signal records."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import build_bench_store

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            held = connection.scalar(
                text("SELECT count(*) FROM features WHERE layer_id = 'signal'"))
    except Exception:  # noqa: BLE001 - no schema yet: build it
        held = None
    finally:
        engine.dispose()
    if held == points:
        return {}
    return build_bench_store.build(database_url, points, EXTRA, EXTRA)


def _edits(app, count: int) -> list[int]:
    with get_database(app).sessions() as session:
        return list(session.scalars(
            select(FeatureState.feature_id)
            .where(FeatureState.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "listed")
            .order_by(FeatureState.feature_id).limit(count)))  # fmt: skip


def _first_after_edit(app, client, url: str, feature_ids: list[int], user) -> list[float]:
    """Change one record's status, then time the next request; once per record."""
    times = []
    today = dt.date.today()
    for feature_id in feature_ids:
        with get_database(app).transaction() as session:
            feature = session.get(Feature, feature_id)
            records.change_status(session, feature_id, feature.version, "site_agreed", None,
                                  today, None, user, "benchmark", today=today)  # fmt: skip
        started = time.perf_counter()
        response = client.get(url)
        times.append(_ms(started))
        assert response.status_code == 200, response.status_code
    return times


def _spatial(app) -> dict[str, float]:
    """Time a fresh sjoin and prepared contains_xy of the signal points against the communes."""
    with get_database(app).sessions() as session:
        xy = np.array(session.execute(
            select(Feature.x, Feature.y).where(Feature.layer_id == "signal")).all())  # fmt: skip
        communes = loader.load_areas(session, "commune")
    started = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    joined = gpd.sjoin(points, communes[["code", "geometry"]], predicate="within")
    joined["code"].value_counts()
    sjoin_ms = _ms(started)
    started = time.perf_counter()
    counts = {}
    for code, polygon in zip(communes["code"], communes.geometry, strict=True):
        shapely.prepare(polygon)
        counts[code] = int(shapely.contains_xy(polygon, xy[:, 0], xy[:, 1]).sum())
    return {"sjoin_ms": sjoin_ms, "contains_xy_ms": _ms(started)}


def run(points: int, database_url: str, edits: int = 5) -> dict[str, float]:
    """Build (or reuse) the store and return every figure, in milliseconds unless named."""
    figures: dict[str, float] = {"points": points, **ensure_store(database_url, points)}
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"database_url": database_url, "instance_path": Path(folder),
                          "auto_seed": False})  # fmt: skip
        with get_database(app).transaction() as session:
            name = f"bench-{time.time_ns()}"
            user = create_user(session, name, "bench password 2025!", "admin")
        client = app.test_client()
        url = f"/api/progress?layer=signal&level=commune&as_of={dt.date.today()}"
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        figures["first_request_cold_ms"] = _ms(started)  # the index reads the layer whole
        ids = _edits(app, 2 * edits)
        figures["after_edit_ms"] = statistics.median(
            _first_after_edit(app, client, url, ids[:edits], user))
        cached = []
        for _ in range(20):
            started = time.perf_counter()
            client.get(url)
            cached.append(_ms(started))
        figures["cached_ms"] = statistics.median(cached)
        app.extensions["portal_area_index"] = NoIndex()
        figures["after_edit_sql_ms"] = statistics.median(
            _first_after_edit(app, client, url, ids[edits:], user))
        figures.update(_spatial(app))
        app.extensions["portal_db"].engine.dispose()
    index_ms = figures["after_edit_ms"]
    for name in ("after_edit_sql_ms", "sjoin_ms", "contains_xy_ms"):
        figures[name.removesuffix("_ms") + "_ratio"] = figures[name] / index_ms
    return figures


def postgres_url(server: str, points: int) -> str:
    """Create (when absent) the database ``<dbname>_<points>`` on ``server``'s server."""
    url = make_url(server)
    name = f"{url.database}_{points}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name}):  # fmt: skip
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


ROWS = (
    ("build (records only), s", "records_s", "{:.1f}"),
    ("first request, index read whole, ms", "first_request_cold_ms", "{:.1f}"),
    ("first /api/progress after an edit, ms", "after_edit_ms", "{:.1f}"),
    ("  same, counted in SQL (no index), ms", "after_edit_sql_ms", "{:.1f}"),
    ("cached /api/progress, ms", "cached_ms", "{:.2f}"),
    ("fresh geopandas.sjoin, ms", "sjoin_ms", "{:.1f}"),
    ("prepared contains_xy per commune, ms", "contains_xy_ms", "{:.1f}"),
    ("SQL / index", "after_edit_sql_ratio", "{:.1f}x"),
    ("sjoin / index", "sjoin_ratio", "{:.1f}x"),
    ("contains_xy / index", "contains_xy_ratio", "{:.1f}x"),
)


def print_figures(results: dict[str, dict[str, float]]) -> None:
    """Print the figures of each run side by side."""
    names = list(results)
    print(f"{'':42}" + "".join(f"{n:>22}" for n in names))
    for label, key, fmt in ROWS:
        cells = [fmt.format(results[n][key]) if key in results[n] else "-" for n in names]
        print(f"{label:42}" + "".join(f"{c:>22}" for c in cells))


def main() -> None:
    """Run the benchmark for each size and store, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 points")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (CREATEDB) to run on too")
    parser.add_argument("--keep", default="", help="folder to keep (and reuse) the SQLite stores")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    sizes = [args.points] + ([1_000_000] if args.million else [])
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for points in sizes:
            url = f"sqlite:///{folder / f'bench-{points}.sqlite3'}"
            results[f"SQLite {points:,}"] = run(points, url, args.edits)
            print(f"SQLite {points:,}: {results[f'SQLite {points:,}']}", flush=True)
            if args.postgres:
                results[f"PostGIS {points:,}"] = run(points, postgres_url(args.postgres, points),
                                                     args.edits)  # fmt: skip
        print_figures(results)


if __name__ == "__main__":
    main()
