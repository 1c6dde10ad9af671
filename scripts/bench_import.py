"""Benchmark importing 100,000 rows from CSV and from XLSX; prints seconds and peak memory.

Usage: .venv/bin/python scripts/bench_import.py [--rows 100000] [--format csv] [--repeat 5]
[--profile]

``--profile`` prints, after each result, where the import's time went (cProfile, by own time);
the profiled run is slower than the figures it replaces, so measure without it.

From Python: ``run(rows) -> {format: {"rows", "seconds", "rows_per_second", "peak_mb"}}``.

Builds a throw-away store with derived boundaries, writes a dead-zone-village file of N rows in
both formats, then imports each into a fresh copy of the store in its own process (so that the
peak resident memory printed is that import's alone): read, validate every row, write.
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

import shapely

from portal.services import bootstrap
from portal.store import loader
from portal.store.db import open_database

HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật"]
STATUSES = ["Trong danh sách lõm sóng", "Đã thống nhất vị trí trạm", "Đã phát sóng"]


def sample_rows(store: Path, n: int, seed: int = 11) -> list[list[str]]:
    """Return ``n`` valid village rows spread over the province's communes."""
    db = open_database(f"sqlite:///{store}")
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


def import_once(store: Path, path: Path, profile: bool = False) -> dict:
    """Import ``path`` into ``store``; print and return seconds and peak memory (child).

    ``profile``: run it under cProfile and print the 40 costliest functions to stderr.
    """
    import cProfile
    import datetime as dt
    import pstats

    from portal.services.imports import run_import

    db = open_database(f"sqlite:///{store}")
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


def run(
    rows: int = 100_000, formats: tuple[str, ...] = ("csv", "xlsx"), profile: bool = False,
    repeat: int = 1,
) -> dict:
    """Build a store, write ``rows`` villages as CSV and XLSX, import each in its own process.

    Returns ``{format: {"rows", "seconds", "rows_per_second", "peak_mb"}}`` and the file sizes.
    ``profile`` prints each import's cProfile after its result. ``repeat``: import each file
    that many times, each into a fresh copy of the store; the figures returned are those of
    the median run by time, with the highest peak of all (a shared machine's figures vary by
    a tenth from one run to the next).
    """
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "base.sqlite3"
        db = open_database(f"sqlite:///{store}")
        bootstrap.init_schema(db)
        bootstrap.build_boundaries(db)
        db.engine.dispose()
        files = write_files(sample_rows(store, rows), folder)
        for fmt, path in files.items():
            print(f"{fmt} file: {path.stat().st_size / 1e6:.1f} MB")
        for fmt in formats:
            runs = [_import_copy(store, files[fmt], profile) for _ in range(repeat)]
            results[fmt] = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
            results[fmt]["peak_mb"] = max(r["peak_mb"] for r in runs)
            results[fmt]["file_mb"] = round(files[fmt].stat().st_size / 1e6, 1)
            if repeat > 1:
                r = results[fmt]
                print(f"{fmt:5} median of {repeat}: {r['rows_per_second']:,} rows/s "
                      f"({r['seconds']} s), highest peak {r['peak_mb']} MB", flush=True)
    return results


def _import_copy(store: Path, path: Path, profile: bool) -> dict:
    """Import ``path`` into a fresh copy of ``store`` in a process of its own; print its line."""
    copy = store.with_name(f"{path.suffix[1:]}.sqlite3")
    for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copy(store, copy)
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(copy), str(path),
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
    parser.add_argument("--one", nargs=2, metavar=("STORE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(import_once(Path(args.one[0]), Path(args.one[1]), args.profile)))
        return
    run(args.rows, tuple(args.format or ("csv", "xlsx")), args.profile, max(args.repeat, 1))


if __name__ == "__main__":
    main()
