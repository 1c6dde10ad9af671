"""Importing a file into the layers: read, validate every row, then write all of it or nothing.

Upserts keep history: a record whose status, progress or dated attributes changed gets a new
dated state row (the previous one is closed, never overwritten); a record that did not change
is left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import pyproj
import shapely

from geodata.archives import DEFAULT_MAX_UNPACKED
from geodata.assign import assign_points, representative_xy
from geodata.crs import resolve_crs
from geodata.errors import GeodataError, LegacyEncoding
from geodata.problems import Problem
from geodata.readers import read_table
from geodata.readers_sheets import UNCOMPUTED_FORMULA
from geodata.text import fold, nfc
from layers import get_layer
from layers.importing import (
    ImportContext,
    ImportRejected,
    ImportReport,
    ParsedRecord,
    parse_records,
)
from portal.services.boundaries import check_record_boundaries
from portal.services.import_preview import ReadScope, mark_actions, preview_rows
from portal.store import loader
from portal.store.db import Database
from portal.store.models import Feature, FeatureState


@dataclass
class ImportPlan:
    """What an import adds, changes and leaves unchanged."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    layers: Counter = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        """Return counts and the first ids of each kind, JSON-ready."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "by_layer": dict(self.layers),
            "examples": {
                "added": self.added[:20],
                "changed": self.changed[:20],
                "unchanged": self.unchanged[:20],
            },
        }


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


def _state_key(status: str, progress: float | None, attributes: dict[str, Any]) -> tuple:
    return (status, None if progress is None else round(float(progress), 3), sorted(
        loader.jsonable(dict(attributes)).items()
    ))


def _feature_changed(feature: Feature, record: ParsedRecord) -> bool:
    attributes = loader.jsonable(dict(record.attributes))
    return (
        feature.name != nfc(record.name)
        or (feature.attributes or {}) != attributes
        or not shapely.equals_exact(shapely.from_wkb(feature.geom), record.geometry, 1e-9)
    )


def _state_on(session: Session, feature_id: int, day: dt.date) -> FeatureState | None:
    return session.scalars(
        select(FeatureState)
        .where(FeatureState.feature_id == feature_id, FeatureState.valid_from <= day)
        .order_by(FeatureState.valid_from.desc())
        .limit(1)
    ).first()


def _existing(session: Session, records: list[ParsedRecord]) -> dict[tuple[str, str], Feature]:
    """Load the stored features the file names, in one query per layer."""
    found: dict[tuple[str, str], Feature] = {}
    for layer_id in {r.layer_id for r in records}:
        ids = {r.record_id for r in records if r.layer_id == layer_id}
        for feature in session.scalars(select(Feature).where(Feature.layer_id == layer_id)):
            if feature.record_id in ids:
                found[(layer_id, feature.record_id)] = feature
    return found


def _state_changed(history: list[FeatureState], record: ParsedRecord) -> bool:
    """Whether the record's dated state differs from the stored state on that date."""
    state = record.state
    if state is None:
        return False
    current = None
    for row in history:  # ordered by valid_from
        if row.valid_from <= state.date:
            current = row
    if current is None:
        return True
    return _state_key(current.status, current.progress, current.attributes) != _state_key(
        state.status, state.progress, dict(state.attributes)
    )


def _histories(session: Session, features: list[Feature]) -> dict[int, list[FeatureState]]:
    ids = [f.id for f in features]
    histories: dict[int, list[FeatureState]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        rows = session.scalars(
            select(FeatureState)
            .where(FeatureState.feature_id.in_(ids[start : start + 900]))
            .order_by(FeatureState.feature_id, FeatureState.valid_from)
        )
        for row in rows:
            histories[row.feature_id].append(row)
    return histories


#: The stored features a file names, by (layer id, record id): read once per import.
Stored = dict[tuple[str, str], Feature]


def plan_import(
    session: Session, records: list[ParsedRecord], stored: Stored | None = None
) -> ImportPlan:
    """Sort records into added, changed and unchanged against the store."""
    plan = ImportPlan()
    existing = _existing(session, records) if stored is None else stored
    histories = _histories(session, list(existing.values()))
    for record in records:
        plan.layers[record.layer_id] += 1
        feature = existing.get((record.layer_id, record.record_id))
        label = f"{record.layer_id}/{record.record_id}"
        if feature is None:
            plan.added.append(label)
        elif _feature_changed(feature, record) or _state_changed(histories[feature.id], record):
            plan.changed.append(label)
        else:
            plan.unchanged.append(label)
    return plan


def _new_row(record: ParsedRecord, today: dt.date) -> loader.RecordRow:
    """Return the store row of a record new to the store, with its first state."""
    return loader.RecordRow(
        record.layer_id, record.record_id, record.name, record.geometry,
        dict(record.attributes), [_initial_state(record, today)],
    )  # fmt: skip


def _initial_state(record: ParsedRecord, today: dt.date) -> loader.StateRow:
    layer = get_layer(record.layer_id)
    if record.state is None:
        return loader.StateRow(date=today, status=layer.statuses[0].id, author="import")
    return loader.StateRow(
        date=record.state.date,
        status=record.state.status,
        progress=record.state.progress,
        attributes=dict(record.state.attributes),
        author="import",
    )


def _insert_state(session: Session, feature: Feature, record: ParsedRecord, author: str) -> None:
    """Insert a dated state in its place in the history, closing the row it interrupts."""
    state = record.state
    assert state is not None
    before = _state_on(session, feature.id, state.date)
    following = session.scalars(
        select(FeatureState)
        .where(FeatureState.feature_id == feature.id, FeatureState.valid_from > state.date)
        .order_by(FeatureState.valid_from)
        .limit(1)
    ).first()
    if before is not None and before.valid_from == state.date:
        # A different state for a day already recorded: the new one supersedes it from that day.
        before.valid_to = state.date
        before.note = (before.note + " [superseded by an import the same day]").strip()
    elif before is not None:
        before.valid_to = state.date
    session.add(
        FeatureState(
            feature_id=feature.id,
            layer_id=feature.layer_id,
            valid_from=state.date,
            valid_to=following.valid_from if following else None,
            status=state.status,
            progress=state.progress,
            attributes=loader.jsonable(dict(state.attributes)),
            author=author,
        )
    )


def _update_feature(feature: Feature, record: ParsedRecord) -> None:
    bounds = record.geometry.bounds
    feature.name = nfc(record.name)
    feature.name_ascii = fold(record.name)
    feature.attributes = loader.jsonable(dict(record.attributes))
    feature.geom = shapely.to_wkb(record.geometry)
    feature.geom_type = record.geometry.geom_type
    feature.minx, feature.miny, feature.maxx, feature.maxy = bounds


def apply_import(
    session: Session, records: list[ParsedRecord], today: dt.date, author: str,
    stored: Stored | None = None,
) -> ImportPlan:
    """Write the records: insert new ones, update changed ones with a new dated state."""
    plan = plan_import(session, records, stored)
    added = set(plan.added)
    new_rows = [_new_row(r, today) for r in records if f"{r.layer_id}/{r.record_id}" in added]
    changed = set(plan.changed)
    for record in records:
        if f"{record.layer_id}/{record.record_id}" not in changed:
            continue
        feature = session.scalar(
            select(Feature).where(
                Feature.layer_id == record.layer_id, Feature.record_id == record.record_id
            )
        )
        if _feature_changed(feature, record):
            _update_feature(feature, record)
        if _state_changed(_histories(session, [feature])[feature.id], record):
            _insert_state(session, feature, record, author)
    session.flush()
    loader.write_records(session, new_rows)
    if plan.changed:
        loader.reassign_features(session)
        loader.bump_data_version(session)
    return plan


def _district_codes(session: Session, records: list[ParsedRecord]) -> list[str | None]:
    xs, ys = representative_xy([r.geometry for r in records])
    return list(assign_points(xs, ys, loader.load_areas(session, "district")))


#: Whether the importing user may write a record of this layer in these areas:
#: ``may_write(layer_id, commune_code, district_code)``.
WriteScope = Callable[[str, str | None, str | None], bool]


def rows_outside_scope(
    session: Session, records: list[ParsedRecord], may_write: WriteScope, stored: Stored
) -> list[Problem]:
    """Return a problem for each row the user may not write, checked at both ends.

    A row is refused when its new place is outside the user's reach, and when the stored
    record it updates (same layer and id) is: an import must never move, rename or overwrite a
    record of another area. Both cases read the same, so a dry run tells nothing more about
    records out of reach than that the row is refused.
    """
    problems = []
    for record, district in zip(records, _district_codes(session, records), strict=True):
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


def _read(path: str | Path, sheet: str | None, crs: pyproj.CRS | None, max_unpacked: int):
    """Read the file; undecidable legacy text and uncomputed formulas become row problems."""
    try:
        return read_table(path, sheet=sheet, crs=crs, max_unpacked=max_unpacked)
    except GeodataError as exc:
        formulas = exc.problems and all(p.code == UNCOMPUTED_FORMULA for p in exc.problems)
        if not (isinstance(exc, LegacyEncoding) or formulas) or not exc.problems:
            raise
        raise ImportRejected(exc.problems) from None


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
    table = _read(path, sheet, crs, max_unpacked)
    with db.transaction() as session:
        context = import_context(session, crs, today)
        records, report = parse_records(table, layer, context)
        report.notes.extend(boundary_notes)
        stored = _existing(session, records)  # one read of the records the file names
        if may_write is not None and records:
            report.problems.extend(rows_outside_scope(session, records, may_write, stored))
        report.problems.extend(new_records_without_status(records, stored))
        preview = (preview_rows(table, records, report.problems, report.columns, layer_id,
                                may_read) if dry_run else [])  # fmt: skip
        try:
            report.raise_for_problems()
        except ImportRejected as exc:
            exc.preview = preview
            raise
        if dry_run:
            plan = plan_import(session, records, stored)  # reads only: nothing is written
            mark_actions(preview, plan.added, plan.changed)
        else:
            plan = apply_import(session, records, today, author, stored)
            from portal.services import audit

            audit.record(session, "import", actor=author, layer_id=layer_id,
                         detail={"file": Path(path).name, **plan.summary()})
    return ImportResult(plan=plan, report=report, dry_run=dry_run, source=Path(path).name,
                        preview=preview)  # fmt: skip
