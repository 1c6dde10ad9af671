"""Build a benchmark store of generated records in minutes: bulk inserts, every column filled.

Usage: .venv/bin/python scripts/build_bench_store.py [--points 1000000] [--lines 10000]
       [--polygons 10000] [--database-url URL]

Default URL: a SQLite file ``bench.sqlite3`` in the current folder (an existing store is
refused; for PostgreSQL give an empty database). The store gets the schema, the derived
boundaries, and generated records of the layers ``signal`` (points: dead-zone villages),
``transport`` (lines: roads with a progress percent) and ``industry`` (polygons), each with a
dated history of one to four states through 2025 (a few paused or cancelled), their areas,
bounding boxes and WKB, so the portal serves it as it serves any store. Records and states go in
with ``executemany`` in one transaction on SQLite and with ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

import shapely

from geodata.assign import assign_points, representative_xy
from geodata.boundaries import BoundarySet
from geodata.text import fold
from layers import get_layer
from portal.services import bootstrap
from portal.store import change_log, loader
from portal.store.db import Database, open_database

#: The store's bulk-insert columns, with the ids given here (so states can name them).
FEATURE_COLUMNS = ("id", *loader.FEATURE_COLUMNS)
STATE_COLUMNS = loader.STATE_COLUMNS
YEAR_START = dt.date(2025, 1, 1)
#: The layer, record-id prefix, name prefix and attributes of each kind of generated geometry.
KINDS = {
    "points": ("signal", "bench-village", "Bản thử", '{{"village": "Bản thử {i}", '
               '"households": {n}}}'),
    "lines": ("transport", "bench-road", "Đường thử", '{{"kind": "patrol_road", '
              '"road": "Đường thử {i}", "length_km": {n}}}'),
    "polygons": ("industry", "bench-site", "Cụm thử", '{{"kind": "cluster", '
                 '"plan_goal": "speed_up", "area_ha": {n}}}'),
}  # fmt: skip


@dataclass
class Generated:
    """The records of one layer, column by column."""

    layer_id: str
    geoms: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    attributes: list[str]
    prefix: str
    name: str


def random_points(province: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` random lon/lat points inside the province (an n x 2 array)."""
    minx, miny, maxx, maxy = province.bounds
    shapely.prepare(province)
    found: list[np.ndarray] = []
    while sum(len(p) for p in found) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(n, 1000), 2))
        found.append(xy[shapely.contains_xy(province, xy[:, 0], xy[:, 1])])
    return np.concatenate(found)[:n]


def geometries(kind: str, xy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Points as they are; lines of three vertices; small squares, around the points given."""
    if kind == "points":
        return shapely.points(xy)
    steps = rng.uniform(-0.01, 0.01, size=(len(xy), 2, 2))
    if kind == "lines":
        coords = np.stack([xy, xy + steps[:, 0], xy + steps[:, 0] + steps[:, 1]], axis=1)
        return shapely.linestrings(coords)
    size = rng.uniform(0.001, 0.004, size=(len(xy), 1))
    corners = np.array([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])
    return shapely.polygons(xy[:, None, :] + corners[None, :, :] * size[:, :, None])


def generate(kind: str, province: shapely.Geometry, n: int, seed: int) -> Generated:
    """Generate ``n`` records of one kind inside the province."""
    rng = np.random.default_rng(seed)
    layer_id, prefix, name, template = KINDS[kind]
    geoms = geometries(kind, random_points(province, n, rng), rng)
    xs, ys = (shapely.get_x(geoms), shapely.get_y(geoms)) if kind == "points" else \
        representative_xy(geoms)  # fmt: skip
    sizes = rng.integers(5, 90, size=n)
    attributes = [template.format(i=i, n=int(s)) for i, s in enumerate(sizes)]
    return Generated(layer_id, geoms, xs, ys, attributes, prefix, name)


def histories(layer_id: str, n: int, seed: int) -> dict[str, np.ndarray]:
    """One to four dated states per record through 2025, along the layer's milestones.

    About 2 % of the records end paused and 1 % cancelled; roads carry a progress percent.
    """
    rng = np.random.default_rng(seed + 1)
    layer = get_layer(layer_id)
    milestones = np.array([s.id for s in layer.statuses if not s.halted], dtype=object)
    steps = rng.integers(1, 5, size=n)
    owner = np.repeat(np.arange(n), steps)
    first = np.cumsum(steps) - steps
    step = np.arange(len(owner)) - first[owner]
    start = rng.integers(0, 120, size=n)
    days = start[owner] + step * 60 + rng.integers(0, 50, size=len(owner))
    status = milestones[np.minimum(step, len(milestones) - 1)]
    last = first + steps - 1
    ending = rng.random(n)
    status[last[ending < 0.02]] = layer.generic_statuses["paused"]
    status[last[(ending >= 0.02) & (ending < 0.03)]] = layer.generic_statuses["cancelled"]
    progress = np.minimum(100.0, (step + 1) * 25.0 - rng.integers(0, 20, size=len(owner)))
    is_last = np.zeros(len(owner), dtype=bool)
    is_last[last] = True
    return {"owner": owner, "days": days, "status": status, "is_last": is_last,
            "progress": progress if layer_id == "transport" else None}  # fmt: skip


def feature_rows(records: Generated, first_id: int, communes, districts) -> Iterator[tuple]:
    """Yield the ``features`` rows of generated records, in FEATURE_COLUMNS order."""
    wkbs = shapely.to_wkb(records.geoms)
    bounds = shapely.bounds(records.geoms)
    kind = shapely.get_type_id(records.geoms[0]) if len(records.geoms) else 0
    geom_type = {0: "Point", 1: "LineString", 3: "Polygon"}[int(kind)]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    folded = fold(records.name)
    for i in range(len(wkbs)):
        yield (
            first_id + i, records.layer_id, f"{records.prefix}-{i}", f"{records.name} {i}",
            f"{folded} {i}", geom_type, float(records.xs[i]), float(records.ys[i]), communes[i],
            districts[i], records.attributes[i], True, now, 1, wkbs[i], *map(float, bounds[i]),
        )  # fmt: skip


def state_rows(layer_id: str, first_id: int, history: dict[str, np.ndarray]) -> Iterator[tuple]:
    """Yield the ``feature_states`` rows of a layer's histories, in STATE_COLUMNS order."""
    dates = [YEAR_START + dt.timedelta(days=d) for d in range(int(history["days"].max()) + 2)]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    owner, days, status = history["owner"], history["days"], history["status"]
    progress, is_last = history["progress"], history["is_last"]
    for k in range(len(owner)):
        valid_to = None if is_last[k] else dates[days[k + 1]]
        yield (
            first_id + int(owner[k]), layer_id, dates[days[k]], valid_to, status[k],
            None if progress is None else float(progress[k]), "{}", "bench", "", now,
        )  # fmt: skip


def _insert_sqlite(db: Database, table: str, columns: tuple, rows: Iterator[tuple]) -> None:
    connection = db.engine.raw_connection()
    try:
        marks = ", ".join("?" for _ in columns)
        cursor = connection.cursor()
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        connection.commit()
    finally:
        connection.close()


def _sqlite_value(value):  # noqa: ANN001, ANN202 - any column value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _copy_postgres(db: Database, table: str, columns: tuple, rows: Iterator[tuple]) -> None:
    connection = db.engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        connection.commit()
    finally:
        connection.close()


def _insert(db: Database, table: str, columns: tuple, rows: Iterator[tuple]) -> None:
    if db.engine.dialect.name == "sqlite":
        _insert_sqlite(db, table, columns, ((*map(_sqlite_value, r),) for r in rows))
    else:
        _copy_postgres(db, table, columns, rows)


def _refuse_non_empty(db: Database) -> None:
    with db.sessions() as session:
        if loader.count_features(session):
            raise SystemExit("The store already holds records: give a new file or database.")


def build(database_url: str, points: int, lines: int = 0, polygons: int = 0, seed: int = 7,
          boundaries: BoundarySet | None = None) -> dict[str, float]:
    """Build the benchmark store at ``database_url``; return the seconds of each step."""
    started = time.perf_counter()
    db = open_database(database_url)
    bootstrap.init_schema(db)
    _refuse_non_empty(db)
    timings = {"boundaries_s": bootstrap.build_boundaries(db, boundaries)}
    with db.sessions() as session:
        province = loader.load_areas(session, "province").geometry.iloc[0]
        communes = loader.load_areas(session, "commune")
        districts = loader.load_areas(session, "district")
    step = time.perf_counter()
    next_id = 1
    for k, (kind, n) in enumerate((("points", points), ("lines", lines), ("polygons", polygons))):
        if not n:
            continue
        records = generate(kind, province, n, seed + 10 * k)
        codes = (assign_points(records.xs, records.ys, communes),
                 assign_points(records.xs, records.ys, districts))
        _insert(db, "features", FEATURE_COLUMNS, feature_rows(records, next_id, *codes))
        history = histories(records.layer_id, n, seed + 10 * k)
        _insert(db, "feature_states", STATE_COLUMNS,
                state_rows(records.layer_id, next_id, history))
        next_id += n
    _finish(db)
    timings["records_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - started
    db.engine.dispose()
    return timings


def _finish(db: Database) -> None:
    """Move PostgreSQL's id sequence past the ids given; tell running portals to reload."""
    with db.transaction() as session:
        if db.engine.dialect.name == "postgresql":
            session.execute(text(
                "SELECT setval(pg_get_serial_sequence('features', 'id'), "
                "(SELECT max(id) FROM features))"))  # fmt: skip
            session.execute(text("ANALYZE features"))
            session.execute(text("ANALYZE feature_states"))
        change_log.note_all(session)
        loader.set_meta(session, "bench_store", json.dumps({"built": dt.date.today().isoformat()}))
        loader.bump_data_version(session)


def main() -> None:
    """Build the store and print how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--polygons", type=int, default=10_000)
    parser.add_argument("--database-url", default="sqlite:///bench.sqlite3")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    timings = build(args.database_url, args.points, args.lines, args.polygons, args.seed)
    print(f"{args.points:,} points, {args.lines:,} lines, {args.polygons:,} polygons: "
          f"boundaries {timings['boundaries_s']:.1f} s, records {timings['records_s']:.1f} s, "
          f"total {timings['total_s']:.1f} s")


if __name__ == "__main__":
    main()
