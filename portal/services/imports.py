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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import geopandas as gpd
import pyproj

from geodata.archives import DEFAULT_MAX_UNPACKED
from geodata.assign import assign_points, representative_xy
from geodata.crs import resolve_crs
from geodata.errors import GeodataError, LegacyEncoding
from geodata.problems import Problem
from geodata.readers_sheets import UNCOMPUTED_FORMULA
from geodata.readers_stream import CHUNK_ROWS, TableChunks, read_table_chunks
from layers import get_layer
from layers.base import LayerSpec
from layers.importing import (
    CountedNote,
    ImportContext,
    ImportRejected,
    ImportReport,
    ParsedRecord,
    TableLike,
    parse_records,
)
from layers.importing.seen_keys import SeenKeys
from portal.services.boundaries import check_record_boundaries
from portal.services.import_preview import ReadScope, mark_actions, preview_rows
from portal.services.import_writes import ImportPlan, Stored, existing, plan_import, write_chunk
from portal.store import loader
from portal.store.db import Database
from portal.store.spatial import LaterFills, rtree_fills_in_background

__all__ = ["ImportPlan", "ImportResult", "WriteScope", "import_context", "run_import"]


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


def _district_codes(
    session: Session, records: list[ParsedRecord], districts: gpd.GeoDataFrame | None = None
) -> list[str | None]:
    xs, ys = representative_xy([r.geometry for r in records])
    if districts is None:
        districts = loader.load_areas(session, "district")
    return list(assign_points(xs, ys, districts))


#: Whether the importing user may write a record of this layer in these areas:
#: ``may_write(layer_id, commune_code, district_code)``.
WriteScope = Callable[[str, str | None, str | None], bool]


def rows_outside_scope(
    session: Session, records: list[ParsedRecord], may_write: WriteScope, stored: Stored,
    districts: gpd.GeoDataFrame | None = None,
) -> list[Problem]:
    """Return a problem for each row the user may not write, checked at both ends.

    A row is refused when its new place is outside the user's reach, and when the stored
    record it updates (same layer and id) is: an import must never move, rename or overwrite a
    record of another area. Both cases read the same, so a dry run tells nothing more about
    records out of reach than that the row is refused.
    """
    problems = []
    codes = _district_codes(session, records, districts)
    for record, district in zip(records, codes, strict=True):
        feature = stored.get((record.layer_id, record.record_id))
        allowed = may_write(record.layer_id, record.commune_code, district) and (
            feature is None
            or may_write(feature.layer_id, feature.commune_code, feature.district_code)
        )
        if not allowed:
            problems.append(Problem(
                row=record.row, field=None, value=record.record_id, code="not_allowed",
                message_en=f"You may not change records of layer {record.layer_id} in this area.",
                message_vi=f"Bạn không có quyền cập nhật lớp {record.layer_id} tại địa bàn này.",
            ))  # fmt: skip
    return problems


def new_records_without_status(records: list[ParsedRecord], stored: Stored) -> list[Problem]:
    """Return a problem for each new record that has neither a status nor a progress.

    A record the store already holds may leave them out (next month's list of names and
    phones updates those and keeps the status); a new one needs a status to start from.
    """
    return [
        Problem(
            row=r.row, field="status", value=None, code="required",
            message_en="A new record needs a status (e.g. in progress) or a progress percent.",
            message_vi="Bản ghi mới cần có trạng thái (vd. đang triển khai) hoặc tiến độ (%).",
        )
        for r in records
        if r.state is None and (r.layer_id, r.record_id) not in stored
    ]


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


def _add_note(notes: list[str], note: str) -> None:
    """Add a chunk's note: a count to the same count of earlier chunks, other text once."""
    if isinstance(note, CountedNote):
        for i, earlier in enumerate(notes):
            if isinstance(earlier, CountedNote) and earlier.key == note.key:
                notes[i] = earlier.plus(note)
                return
    if note not in notes:
        notes.append(note)


@dataclass
class _Chunks:
    """One import's chunks as they are checked (and written, while none has a problem)."""

    session: Session
    context: ImportContext
    layer: LayerSpec | None
    may_write: WriteScope | None
    districts: gpd.GeoDataFrame
    write: Callable[[list[ParsedRecord], Stored], ImportPlan] | None
    report: ImportReport = field(default_factory=ImportReport)
    plan: ImportPlan = field(default_factory=ImportPlan)
    seen: SeenKeys = field(default_factory=SeenKeys)
    first: tuple[TableLike, list[ParsedRecord]] | None = None
    first_plan: ImportPlan = field(default_factory=ImportPlan)  # what the preview marks
    later: list[Problem] = field(default_factory=list)  # scope and status, after the rows'

    def take(self, table: TableLike) -> None:
        """Check one chunk; write it or plan it while no chunk had a problem."""
        session = self.session
        records, report = parse_records(table, self.layer, self.context, self.seen)
        self._merge(report)
        stored = existing(session, records)  # the stored records this chunk names, no other
        if self.may_write is not None and records:
            self.later += rows_outside_scope(session, records, self.may_write, stored,
                                             self.districts)  # fmt: skip
        self.later += new_records_without_status(records, stored)
        first = self.first is None
        if first and self.write is None:  # a dry run previews its first rows
            self.first = (table, records)
        if self.report.problems or self.later:
            return  # the import is refused: check the other rows, write and plan no more
        if self.write is not None:
            plan = self.write(records, stored)
        else:
            plan = plan_import(session, records, stored)  # reads only
            if first:
                self.first_plan = plan
        self.plan.merge(plan)

    def _merge(self, report: ImportReport) -> None:
        """Add a chunk's report: problems in row order, the whole file's once, notes once."""
        mine = self.report
        if not mine.columns:
            mine.columns = report.columns
        mine.rows_read += report.rows_read
        whole = [p for p in report.problems if p.row is None and p not in mine.problems]
        rows = [p for p in report.problems if p.row is not None]
        count = sum(p.row is None for p in mine.problems)
        mine.problems[count:count] = whole
        mine.problems += rows
        for note in report.notes:
            _add_note(mine.notes, note)


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
) -> _Chunks:  # fmt: skip
    """Check every chunk, writing each while none had a problem (unless a dry run).

    A chunk's R*Tree is filled in a thread (``later``) while the next chunk is read and checked.
    """
    areas = (context.communes, loader.load_areas(session, "district"))
    write = None if dry_run else (
        lambda records, stored: write_chunk(session, records, today, author, stored, areas,
                                            later)  # fmt: skip
    )  # fmt: skip
    run = _Chunks(session, context, layer, may_write, areas[1], write)
    for table in chunks:
        run.take(table)
        del table  # not held while the next chunk is read
    return run


def _finish(session: Session, plan: ImportPlan) -> None:
    """After the last chunk: areas of the changed records, and a new data version."""
    if plan.count("added"):
        loader.bump_data_version(session)
    if plan.count("changed"):
        loader.reassign_features(session)
        loader.bump_data_version(session)
