"""Importing a file into the layers: read, validate every row, then write all of it or nothing.

The file is read once into compact rows (`geodata.readers_stream`) and checked and written in
chunks of a few thousand rows, all in one transaction: a problem in any row, in any chunk, rolls
back whatever earlier chunks wrote, so nothing of the file is stored. Every problem of every
chunk is collected and reported together, as for a file read whole. How records are written
(upserts that keep history) is `portal.services.import_writes`.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import pyproj

from geodata.archives import DEFAULT_MAX_UNPACKED
from geodata.crs import resolve_crs
from geodata.errors import GeodataError, LegacyEncoding
from geodata.readers_sheets import UNCOMPUTED_FORMULA
from geodata.readers_stream import CHUNK_ROWS, TableChunks, read_table_chunks
from layers import get_layer
from layers.base import LayerSpec
from layers.importing import ImportContext, ImportRejected, ImportReport
from portal.services.boundaries import check_record_boundaries
from portal.services.import_chunks import (
    ChunkRun,
    WriteScope,
    chunk_writer,
    new_records_without_status,
    rows_outside_scope,
)
from portal.services.import_preview import ReadScope, mark_actions, preview_rows
from portal.services.import_writes import ImportPlan, write_chunk
from portal.store import loader
from portal.store.db import Database
from portal.store.spatial import LaterFills, rtree_fills_in_background

__all__ = [
    "ImportPlan", "ImportResult", "WriteScope", "import_context", "new_records_without_status",
    "rows_outside_scope", "run_import",
]  # fmt: skip


@dataclass
class ImportResult:
    """The outcome of an import or a dry run."""

    plan: ImportPlan
    report: ImportReport
    dry_run: bool
    source: str
    preview: list[dict[str, Any]] = field(default_factory=list)  # a dry run's first rows


def import_context(session: Session, crs: pyproj.CRS | None, today: dt.date) -> ImportContext:
    """Build the validation context from the stored boundaries; ``crs`` overrides the file's."""
    communes = loader.load_areas(session, "commune")
    province = loader.load_areas(session, "province").geometry.iloc[0]
    legacy = loader.load_areas(session, "legacy_commune")
    return ImportContext(province=province, communes=communes, crs=crs, today=today,
                         legacy_communes=legacy)  # fmt: skip


def _read(
    path: str | Path, sheet: str | None, crs: pyproj.CRS | None, max_unpacked: int
) -> TableChunks:
    """Read the file; undecidable legacy text and uncomputed formulas become row problems."""
    try:
        return read_table_chunks(path, sheet=sheet, crs=crs, max_unpacked=max_unpacked,
                                 size=CHUNK_ROWS)  # fmt: skip
    except GeodataError as exc:
        formulas = exc.problems and all(p.code == UNCOMPUTED_FORMULA for p in exc.problems)
        if not (isinstance(exc, LegacyEncoding) or formulas) or not exc.problems:
            raise
        raise ImportRejected(exc.problems) from None


class _FewerCollections:
    """Collect cyclic garbage less often while files are imported, as before once none is.

    A chunk makes a few hundred thousand objects that live until it is written; at the usual
    thresholds the collector walks them again and again (a fifth of a large import's time).
    The thresholds are the process's: imports running at once share one raised setting, and
    the last to end restores what was there before the first began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._before: tuple[int, ...] = gc.get_threshold()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._before = gc.get_threshold()
                first, second, third = self._before
                gc.set_threshold(max(first, 20_000), max(second, 50), max(third, 100))
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.set_threshold(*self._before)


_fewer_collections = _FewerCollections()


def run_import(
    db: Database,
    path: str | Path,
    layer_id: str | None,
    *,
    sheet: str | None = None,
    crs_text: str | None = None,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
    dry_run: bool = False,
    author: str = "import",
    today: dt.date | None = None,
    may_write: WriteScope | None = None,
    may_read: ReadScope | None = None,
) -> ImportResult:
    """Import a file into one layer (or several, by its layer column): all rows or none.

    ``max_unpacked`` caps what a zipped upload may unpack to, in bytes. ``may_write`` limits
    the rows to the user's layers and areas (`rows_outside_scope`); None
    (commands run on the server) writes every row. Any problem stops the import. A dry run
    carries its first rows (`import_preview.preview_rows`, personal cells as ``may_read``
    allows), also on the `ImportRejected` it raises (``exc.preview``).
    """
    today = today or dt.date.today()
    layer = get_layer(layer_id) if layer_id else None
    with db.sessions() as session:  # records are placed by the stored boundaries: any at all?
        boundary_notes = check_record_boundaries(session)
    crs = resolve_crs(crs_text) if crs_text else None  # resolved once, for reader and importer
    chunks = _read(path, sheet, crs, max_unpacked)
    with _fewer_collections():  # not while reading: a workbook's garbage is cyclic, and large
        return _run(db, chunks, path, layer, crs, today, dry_run, author, may_write, may_read,
                    boundary_notes)  # fmt: skip


def _run(
    db: Database, chunks: TableChunks, path: str | Path, layer: LayerSpec | None,
    crs: pyproj.CRS | None, today: dt.date, dry_run: bool, author: str,
    may_write: WriteScope | None, may_read: ReadScope | None, boundary_notes: list[str],
) -> ImportResult:  # fmt: skip
    """Check and write the chunks in one transaction (`run_import`)."""
    layer_id = layer.id if layer else None
    with db.transaction() as session, rtree_fills_in_background(session) as later:
        context = import_context(session, crs, today)
        run = _check_chunks(session, context, chunks, layer, today, dry_run, author, may_write,
                            later)  # fmt: skip
        report = run.report
        report.notes.extend(boundary_notes)
        report.problems.extend(run.later)
        preview = (preview_rows(*run.first, report.problems, report.columns, layer_id, may_read)
                   if dry_run and run.first else [])  # fmt: skip
        try:
            report.raise_for_problems()
        except ImportRejected as exc:
            exc.preview = preview
            raise
        plan = run.plan
        if dry_run:
            mark_actions(preview, run.first_plan.added, run.first_plan.changed)
        else:
            _finish(session, plan)
            from portal.services import audit

            audit.record(session, "import", actor=author, layer_id=layer_id,
                         detail={"file": Path(path).name, **plan.summary()})
    return ImportResult(plan=plan, report=report, dry_run=dry_run, source=Path(path).name,
                        preview=preview)  # fmt: skip


def _check_chunks(
    session: Session, context: ImportContext, chunks: TableChunks, layer: LayerSpec | None,
    today: dt.date, dry_run: bool, author: str, may_write: WriteScope | None,
    later: LaterFills | None,
) -> ChunkRun:  # fmt: skip
    """Check every chunk, writing each while none had a problem (unless a dry run).

    A chunk's database step runs in a thread (`import_chunks.ChunkWriter`) while the next
    chunk is read and parsed; its R*Tree is filled in another (``later``).
    """
    areas = (context.communes, loader.load_areas(session, "district"))
    write = None if dry_run else (
        lambda records, stored: write_chunk(session, records, today, author, stored, areas,
                                            later)  # fmt: skip
    )  # fmt: skip
    run = ChunkRun(session, context, layer, may_write, areas[1], write)
    with chunk_writer() as writer:
        for table in chunks:
            records, refused = run.parse(table)
            writer.submit(run.store, table if dry_run else None, records, refused)
            del table, records  # not held while the next chunk is read
    return run


def _finish(session: Session, plan: ImportPlan) -> None:
    """After the last chunk: areas of the changed records, and a new data version."""
    if plan.count("added"):
        loader.bump_data_version(session)
    if plan.count("changed"):
        loader.reassign_features(session)
        loader.bump_data_version(session)
