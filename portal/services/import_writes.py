"""Writing an import's checked records: added ones inserted in batches, changed ones updated.

Each chunk's records are sorted into added, changed and unchanged against the store.
Upserts keep history: a record whose status, progress or dated attributes changed gets a new
dated state row (the previous one is closed, never overwritten); a record that did not change
is left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, Select, String, bindparam, func, select, text, true
from sqlalchemy.orm import Session, aliased

import shapely

from geodata.assign import representative_xy
from geodata.text import fold, nfc
from layers import get_layer
from layers.importing import ParsedRecord
from portal.store import loader
from portal.store.bulk_insert import (
    STATE_COLUMNS,
    NewFeatures,
    dump_attributes,
    insert_features,
    insert_rows,
    state_rows,
    utc_now,
)
from portal.store.models import Feature, FeatureState
from portal.store.spatial import LaterFills, rtree_filled_after

#: Keys per query: under SQLite's bound-parameter limit.
_KEYS_PER_QUERY = 400
#: The ids of each kind a plan shows.
_EXAMPLES = 20


@dataclass
class ImportPlan:
    """What an import adds, changes and leaves unchanged.

    A plan merged from chunks keeps the first ids of each kind only (``left_out`` counts the
    others): a large file's plan stays small.
    """

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    layers: Counter = field(default_factory=Counter)
    left_out: Counter = field(default_factory=Counter)

    def count(self, kind: str) -> int:
        """Return how many records are ``added``, ``changed`` or ``unchanged``."""
        return len(getattr(self, kind)) + self.left_out[kind]

    def merge(self, other: ImportPlan) -> None:
        """Add another chunk's plan to this one (its first ids, and its counts)."""
        for kind in ("added", "changed", "unchanged"):
            mine = getattr(self, kind)
            taken = getattr(other, kind)[: max(0, _EXAMPLES - len(mine))]
            mine += taken
            self.left_out[kind] += other.count(kind) - len(taken)
        self.layers.update(other.layers)

    def summary(self) -> dict[str, Any]:
        """Return counts and the first ids of each kind, JSON-ready."""
        return {
            "added": self.count("added"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "by_layer": dict(self.layers),
            "examples": {
                "added": self.added[:_EXAMPLES],
                "changed": self.changed[:_EXAMPLES],
                "unchanged": self.unchanged[:_EXAMPLES],
            },
        }


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
        .order_by(FeatureState.valid_from.desc(), FeatureState.id.desc())
        .limit(1)
    ).first()


_STORED_SQLITE = text(
    "SELECT record_id FROM features WHERE layer_id = :layer "
    "AND record_id IN (SELECT value FROM json_each(:ids))"
)


def _looked_up(layer_id: str, ids: list[str], *columns: str) -> Select:
    """Return the query of the layer's features named in ``ids`` (PostgreSQL), whole or ``columns``.

    The ids go as one array, each looked up in the unique key (a LATERAL subquery with LIMIT 1
    is never turned into a join): a few milliseconds per thousand ids, whatever the size of the
    layer and whatever the planner knows of it. Asked as a join or as ``IN (…)``, PostgreSQL
    chose to read the whole layer for each chunk once it was large or not yet analysed, as in
    a first import into a new store or on rows this import's own transaction wrote (100,000
    rows went in at 500 rows/s).
    """
    wanted = func.unnest(bindparam("ids", ids, type_=ARRAY(String))).table_valued("value")
    wanted = wanted.render_derived(name="wanted")
    match = select(Feature).where(Feature.layer_id == layer_id,
                                  Feature.record_id == wanted.c.value).limit(1).lateral("match")
    found = aliased(Feature, match)
    picked = [getattr(found, name) for name in columns] or [found]
    return select(*picked).select_from(wanted).join(match, true())


def _stored_ids(session: Session, layer_id: str, ids: list[str]) -> list[str]:
    """Return which of ``ids`` the layer holds (ids only: a new file's chunk finds none).

    A chunk's ids go in one query: SQLite's as one JSON array, PostgreSQL's as one array.
    """
    if session.get_bind().dialect.name == "sqlite":
        return sorted(session.scalars(_STORED_SQLITE, {"layer": layer_id, "ids": json.dumps(ids)}))
    return sorted(session.scalars(_looked_up(layer_id, ids, "record_id")))


def _features_named(session: Session, layer_id: str, ids: list[str]) -> Iterator[Feature]:
    """Yield the layer's features of ``ids`` (SQLite: some hundred a query; PostgreSQL: one)."""
    if session.get_bind().dialect.name == "sqlite":
        for start in range(0, len(ids), _KEYS_PER_QUERY):
            batch = ids[start : start + _KEYS_PER_QUERY]
            yield from session.scalars(select(Feature).where(
                Feature.layer_id == layer_id, Feature.record_id.in_(batch)))  # fmt: skip
        return
    yield from session.scalars(_looked_up(layer_id, ids))


def existing(session: Session, records: list[ParsedRecord]) -> dict[tuple[str, str], Feature]:
    """Load the stored features the records name (and no other)."""
    found: dict[tuple[str, str], Feature] = {}
    for layer_id in sorted({r.layer_id for r in records}):
        ids = _stored_ids(session, layer_id, sorted({r.record_id for r in records
                                                     if r.layer_id == layer_id}))  # fmt: skip
        for feature in _features_named(session, layer_id, ids):
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
            # A state replaced on its own day ends where it starts: the later one (id) wins.
            .order_by(FeatureState.feature_id, FeatureState.valid_from, FeatureState.id)
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
    existing_ = existing(session, records) if stored is None else stored
    histories = _histories(session, list(existing_.values()))
    for record in records:
        plan.layers[record.layer_id] += 1
        feature = existing_.get((record.layer_id, record.record_id))
        label = f"{record.layer_id}/{record.record_id}"
        if feature is None:
            plan.added.append(label)
        elif _feature_changed(feature, record) or _state_changed(histories[feature.id], record):
            plan.changed.append(label)
        else:
            plan.unchanged.append(label)
    return plan


def _insert_new(
    session: Session, records: list[ParsedRecord], today: dt.date, areas: tuple,
    later: LaterFills | None = None,
) -> None:  # fmt: skip
    """Insert records new to the store, each with its first state, column by column.

    A record's state keeps the record's own attributes (the same mapping): their JSON is
    written once for both. A row without a state starts in its layer's first status today.
    The R*Tree is filled after both (in a thread with ``later``).
    """
    if not records:
        return
    texts = [dump_attributes(r.attributes) for r in records]
    first_status: dict[str, str] = {}
    days, statuses, progress, state_texts = [], [], [], []
    for record, dumped in zip(records, texts, strict=True):
        state = record.state
        if state is None:
            if record.layer_id not in first_status:
                first_status[record.layer_id] = get_layer(record.layer_id).statuses[0].id
            days.append(today)
            statuses.append(first_status[record.layer_id])
            progress.append(None)
            state_texts.append(_EMPTY)
            continue
        days.append(state.date)
        statuses.append(state.status)
        progress.append(state.progress)
        same = state.attributes is record.attributes or state.attributes == record.attributes
        state_texts.append(dumped if same else dump_attributes(dict(state.attributes)))
    layer_ids = [r.layer_id for r in records]
    new = NewFeatures(layer_ids=layer_ids, record_ids=[r.record_id for r in records],
                      names=[r.name for r in records], geometries=[r.geometry for r in records],
                      texts=texts, illustrative=[False] * len(records))  # fmt: skip
    now = utc_now()
    with rtree_filled_after(session, later):
        ids = insert_features(session, new, areas, now)
        del new, texts
        rows = state_rows(session, ids, layer_ids, days, statuses, progress, state_texts,
                          "import", now)  # fmt: skip
        insert_rows(session, FeatureState.__table__, STATE_COLUMNS, rows)


_EMPTY = dump_attributes({})


def _insert_state(session: Session, feature: Feature, record: ParsedRecord, author: str) -> None:
    """Insert a dated state in its place in the history, closing the row it interrupts."""
    state = record.state
    assert state is not None
    before = _state_on(session, feature.id, state.date)
    following = session.scalars(
        select(FeatureState)
        .where(FeatureState.feature_id == feature.id, FeatureState.valid_from > state.date)
        .order_by(FeatureState.valid_from, FeatureState.id)
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
    xs, ys = representative_xy([record.geometry])  # areas are assigned again from this point
    feature.x, feature.y = float(xs[0]), float(ys[0])


def write_chunk(
    session: Session, records: list[ParsedRecord], today: dt.date, author: str,
    stored: Stored, areas: tuple, later: LaterFills | None = None,
) -> ImportPlan:  # fmt: skip
    """Write one chunk of checked records: insert new ones, give changed ones a new state.

    The caller re-assigns areas and bumps the data version once, after the last chunk.
    ``later`` fills the R*Tree in a thread (`spatial.rtree_fills_in_background`).
    """
    plan = plan_import(session, records, stored)
    added = set(plan.added)
    new = [r for r in records if f"{r.layer_id}/{r.record_id}" in added]
    changed = set(plan.changed)
    for record in records:
        if f"{record.layer_id}/{record.record_id}" not in changed:
            continue
        feature = stored[(record.layer_id, record.record_id)]
        if _feature_changed(feature, record):
            _update_feature(feature, record)
        if _state_changed(_histories(session, [feature])[feature.id], record):
            _insert_state(session, feature, record, author)
    session.flush()
    _insert_new(session, new, today, areas, later)
    return plan
