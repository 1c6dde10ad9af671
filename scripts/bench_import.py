"""Benchmark importing 100,000 rows from CSV and from XLSX; prints seconds and peak memory.

Usage: .venv/bin/python scripts/bench_import.py [--rows 100000] [--format csv] [--repeat 5]
[--profile] [--postgres postgresql+psycopg://user:pw@127.0.0.1:5432/name]

``--profile`` prints, after each result, where the import's time went (cProfile, by own time);
the profiled run is slower than the figures it replaces, so measure without it.

From Python: ``run(rows) -> {format: {"rows", "seconds", "rows_per_second", "peak_mb"}}``.

Builds a throw-away store with derived boundaries, writes a dead-zone-village file of N rows in
both formats, then imports each into a fresh copy of the store in its own process (so that the
peak resident memory printed is that import's alone): read, validate every row, write.

``--postgres URL`` imports into PostgreSQL + PostGIS instead: the store is built in the database
``<name>_import`` and each run gets a fresh copy of it (``CREATE DATABASE … TEMPLATE``), so the
role needs CREATEDB.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import shapely

from geodata.boundaries import BoundarySet
from portal.services import bootstrap
from portal.store import loader
from portal.store.db import open_database

HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật"]
STATUSES = ["Trong danh sách lõm sóng", "Đã thống nhất vị trí trạm", "Đã phát sóng"]


def sample_rows(store_url: str, n: int, seed: int = 11) -> list[list[str]]:
    """Return ``n`` valid village rows spread over the province's communes."""
    db = open_database(store_url)
    with db.sessions() as session:
        communes = loader.load_areas(session, "commune")
    db.engine.dispose()
    rng = np.random.default_rng(seed)
    rows = []
    shapely.prepare(communes.geometry.to_numpy())
    per_commune = n // len(communes) + 1
    for code, geom in zip(communes["code"], communes.geometry, strict=True):
        inner = geom.buffer(-0.01) if geom.buffer(-0.01).area > 0 else geom
        minx, miny, maxx, maxy = inner.bounds
        found = 0
        while found < per_commune:
            xy = rng.uniform((minx, miny), (maxx, maxy), size=(per_commune * 3, 2))
            xy = xy[shapely.contains_xy(inner, xy[:, 0], xy[:, 1])]
            for x, y in xy[: per_commune - found]:
                i = len(rows)
                rows.append([f"B-{i:06d}", f"Bản thử {i}", code, str(int(rng.integers(5, 90))),
                             "Viettel", f"{x:.6f}", f"{y:.6f}", STATUSES[i % 3],
                             f"{1 + i % 28:02d}/{1 + i % 11:02d}/2025"])
            found += min(len(xy), per_commune - found)
    return rows[:n]


def write_files(rows: list[list[str]], folder: Path) -> dict[str, Path]:
    """Write the rows as CSV (UTF-8 with BOM) and XLSX."""
    csv_path = folder / "villages.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    xlsx_path = folder / "villages.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Thôn lõm sóng")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def peak_memory_mb() -> float:
    """Return this process's peak resident memory in MB.

    VmHWM, not ``getrusage``: Linux carries ``ru_maxrss`` across exec, so a child would
    report its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_once(store_url: str, path: Path, profile: bool = False) -> dict:
    """Import ``path`` into ``store_url``; print and return seconds and peak memory (child).

    ``profile``: run it under cProfile and print the 40 costliest functions to stderr.
    """
    import cProfile
    import datetime as dt
    import pstats

    from portal.services.imports import run_import

    db = open_database(store_url)
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = run_import(db, path, "signal", today=dt.date(2025, 12, 1))
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(40)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = peak_memory_mb()
    added = result.plan.summary()["added"]
    print(f"{path.suffix[1:]:5} {added:8,} rows  {seconds:6.1f} s  {added / seconds:8,.0f} rows/s"
          f"  (CPU {cpu:5.1f} s)  peak {peak_mb:7.0f} MB", flush=True)
    return {"format": path.suffix[1:], "rows": added, "seconds": round(seconds, 2),
            "rows_per_second": round(added / seconds), "cpu_seconds": round(cpu, 2),
            "peak_mb": round(peak_mb)}


class SqliteStores:
    """The base store in a file; each run imports into a copy of that file."""

    name = "SQLite"

    def __init__(self, folder: Path) -> None:
        self.base = folder / "base.sqlite3"
        self.url = f"sqlite:///{self.base}"

    def fresh_copy(self, label: str) -> str:
        """Return the URL of a new copy of the base store."""
        copy = self.base.with_name(f"{label}.sqlite3")
        for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            stale.unlink(missing_ok=True)
        shutil.copy(self.base, copy)
        return f"sqlite:///{copy}"

    def close(self) -> None:
        """Nothing to drop: the folder goes with the run."""


class PostgresStores:
    """The base store in the database ``<name>_import``; each run in a copy made from it."""

    name = "PostGIS"

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.base_name = f"{self.server.database}_import"
        self.admin = create_engine(self.server.set(database="postgres"),
                                   isolation_level="AUTOCOMMIT")  # fmt: skip
        self._recreate(self.base_name)
        self.url = self._url(self.base_name)

    def fresh_copy(self, label: str) -> str:
        """Return the URL of a new database copied from the base (no one else may use it)."""
        return self._url(self._recreate(f"{self.base_name}_{label}", template=self.base_name))

    def close(self) -> None:
        """Drop every database this run made."""
        with self.admin.connect() as connection:
            for name in (f"{self.base_name}_csv", f"{self.base_name}_xlsx", self.base_name):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()

    def _recreate(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            made_from = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{made_from}'))
        return name

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)


def run(
    rows: int = 100_000, formats: tuple[str, ...] = ("csv", "xlsx"), profile: bool = False,
    repeat: int = 1, postgres: str = "", boundaries: BoundarySet | None = None,
) -> dict:
    """Build a store, write ``rows`` villages as CSV and XLSX, import each in its own process.

    Returns ``{format: {"rows", "seconds", "rows_per_second", "peak_mb"}}`` and the file sizes.
    ``profile`` prints each import's cProfile after its result. ``repeat``: import each file
    that many times, each into a fresh copy of the store; the figures returned are those of
    the median run by time, with the highest peak of all (a shared machine's figures vary by
    a tenth from one run to the next). ``postgres``: a server URL to import into instead of
    SQLite. ``boundaries``: a derived set already built (else built here, 20 to 40 s).
    """
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = PostgresStores(postgres) if postgres else SqliteStores(folder)
        try:
            db = open_database(stores.url)
            bootstrap.init_schema(db)
            bootstrap.build_boundaries(db, boundaries)
            db.engine.dispose()
            files = write_files(sample_rows(stores.url, rows), folder)
            print(f"store: {stores.name}")
            for fmt, path in files.items():
                print(f"{fmt} file: {path.stat().st_size / 1e6:.1f} MB")
            for fmt in formats:
                runs = [_import_copy(stores.fresh_copy(fmt), files[fmt], profile)
                        for _ in range(repeat)]  # fmt: skip
                results[fmt] = _median_run(runs, files[fmt])
        finally:
            stores.close()
    return results


def _median_run(runs: list[dict], path: Path) -> dict:
    """Return the median of ``runs`` by time with the highest peak of all; print it."""
    result = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    result["peak_mb"] = max(r["peak_mb"] for r in runs)
    result["file_mb"] = round(path.stat().st_size / 1e6, 1)
    if len(runs) > 1:
        print(f"{result['format']:5} median of {len(runs)}: {result['rows_per_second']:,} rows/s "
              f"({result['seconds']} s), highest peak {result['peak_mb']} MB", flush=True)
    return result


def _import_copy(store_url: str, path: Path, profile: bool) -> dict:
    """Import ``path`` into the store at ``store_url`` in a process of its own; print its line."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", store_url, str(path),
         *(["--profile"] if profile else [])],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    print(done.stdout.splitlines()[0], flush=True)
    if profile:
        print(done.stderr, flush=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), action="append",
                        help="only this format (repeatable); both by default")
    parser.add_argument("--profile", action="store_true",
                        help="print where each import's time goes (cProfile; slower)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="import each file N times; report the median run")
    parser.add_argument("--postgres", default="",
                        help="import into PostgreSQL + PostGIS at this URL (CREATEDB) instead")
    parser.add_argument("--one", nargs=2, metavar=("STORE_URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(import_once(args.one[0], Path(args.one[1]), args.profile)))
        return
    run(args.rows, tuple(args.format or ("csv", "xlsx")), args.profile, max(args.repeat, 1),
        args.postgres)


if __name__ == "__main__":
    main()
