"""An import's chunks: each one checked, then written while the next one is read and parsed.

A chunk goes through two steps. :meth:`ChunkRun.parse` reads its rows into records with
`layers.importing.parse_records` (Python work only, no database). :meth:`ChunkRun.store` does
the rest on the import's session: the stored records it names, the user's reach, the status a
new record needs, and the write (or, in a dry run, the plan). :class:`ChunkWriter` runs the
second step of chunk N in a thread of its own while the caller parses chunk N+1: SQLite and
PostgreSQL do their part of a write without Python's lock held. Only that thread uses the
session while chunks go through, one chunk at a time and in the file's order, so the database
sees the statements of a serial import; at most two chunks are held at once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

import geopandas as gpd

from geodata.assign import assign_points, representative_xy
from geodata.problems import Problem
from layers.base import LayerSpec
from layers.importing import (
    CountedNote,
    ImportContext,
    ImportReport,
    ParsedRecord,
    TableLike,
    parse_records,
)
from portal.services.import_writes import ImportPlan, Stored, existing, plan_import

#: Whether the importing user may write a record of this layer in these areas:
#: ``may_write(layer_id, commune_code, district_code)``.
WriteScope = Callable[[str, str | None, str | None], bool]


def rows_outside_scope(
    session: Session, records: list[ParsedRecord], may_write: WriteScope, stored: Stored,
    districts: gpd.GeoDataFrame,
) -> list[Problem]:  # fmt: skip
    """Return a problem for each row the user may not write, checked at both ends.

    A row is refused when its new place is outside the user's reach, and when the stored
    record it updates (same layer and id) is: an import must never move, rename or overwrite a
    record of another area. Both cases read the same, so a dry run tells nothing more about
    records out of reach than that the row is refused.
    """
    problems = []
    xs, ys = representative_xy([r.geometry for r in records])
    codes = list(assign_points(xs, ys, districts))
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
class ChunkRun:
    """One import's chunks as they are checked (and written, while none has a problem)."""

    session: Session
    context: ImportContext
    layer: LayerSpec | None
    may_write: WriteScope | None
    districts: gpd.GeoDataFrame
    write: Callable[[list[ParsedRecord], Stored], ImportPlan] | None
    report: ImportReport = field(default_factory=ImportReport)
    plan: ImportPlan = field(default_factory=ImportPlan)
    seen: dict[str, int] = field(default_factory=dict)
    first: tuple[TableLike, list[ParsedRecord]] | None = None
    first_plan: ImportPlan = field(default_factory=ImportPlan)  # what the preview marks
    later: list[Problem] = field(default_factory=list)  # scope and status, after the rows'

    def parse(self, table: TableLike) -> tuple[list[ParsedRecord], bool]:
        """Read a chunk's rows into records (no database); also whether any row so far failed."""
        records, report = parse_records(table, self.layer, self.context, self.seen)
        self._merge(report)
        return records, bool(self.report.problems)

    def store(self, table: TableLike, records: list[ParsedRecord], refused: bool) -> None:
        """Check a parsed chunk against the store; write or plan it while nothing is refused.

        ``refused``: a row of this chunk or an earlier one had a problem (`parse`).
        """
        session = self.session
        stored = existing(session, records)  # the stored records this chunk names, no other
        if self.may_write is not None and records:
            self.later += rows_outside_scope(session, records, self.may_write, stored,
                                             self.districts)  # fmt: skip
        self.later += new_records_without_status(records, stored)
        first = self.first is None
        if first and self.write is None:  # a dry run previews its first rows
            self.first = (table, records)
        if refused or self.later:
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


class ChunkWriter:
    """One thread that runs the chunks' database steps, one at a time, in order.

    :meth:`submit` waits for the chunk before to be done first, and raises what it raised;
    so does :meth:`wait`. Use it through :func:`chunk_writer`, which waits at the end.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write")
        self._pending: Future | None = None

    def submit(self, work: Callable[..., None], *args: object) -> None:
        """Run ``work(*args)`` in the thread once the chunk before is done.

        It runs in a copy of the caller's context variables: a scope check reading the
        signed-in user of the request (Flask keeps it there) reads the same user.
        """
        self.wait()
        context = contextvars.copy_context()
        self._pending = self._executor.submit(context.run, work, *args)

    def wait(self) -> None:
        """Wait for the chunk under way, if any; raise what its step raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Let the thread go (after :meth:`wait`)."""
        self._executor.shutdown(wait=True)


@contextmanager
def chunk_writer() -> Iterator[ChunkWriter]:
    """Yield a :class:`ChunkWriter`; at the end of the block its last chunk is waited for.

    When the block fails, the chunk under way still ends before the error goes on (the
    transaction's rollback must not meet a statement running in the thread); the block's
    error is the one raised.
    """
    writer = ChunkWriter()
    try:
        yield writer
    except BaseException:
        with suppress(BaseException):  # the block's error is the one to tell
            writer.wait()
        raise
    else:
        writer.wait()
    finally:
        writer.close()
