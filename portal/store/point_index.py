"""A layer's records as numpy arrays for the map: clusters, and the records a view overlaps.

:class:`PointIndex` holds one row per record on a date, sorted by id: where it is drawn in a
cluster, its box, and whether it is done. :func:`point_index` reads it for any date;
:class:`PointIndexes` keeps one per layer of the current states in the process and, before
answering, catches up from the change log (``portal.store.log_follower``, the loop of the area
index): a moved record gets its new position and box, a status change its new ``done``, a
deleted record drops out and a new one is inserted in id order, so an edit costs a few record
reads instead of a reload of the layer. It answers dates on or after the layer's latest recorded
date (the states valid then are exactly the current ones); for earlier dates it answers None and
the caller reads the layer on that date with :func:`point_index`.

A published :class:`PointIndex` is never changed: a catch-up builds a new one that shares the
arrays it did not have to change, so a request clustering from the old one is never disturbed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from layers import CATALOGUE
from portal.store import change_log
from portal.store.features import BBox
from portal.store.log_follower import LogFollower, as_date, changed_states, fetch_rows, later
from portal.store.models import Feature, FeatureState
from portal.store.progress import states_on

_COLUMNS = ("x", "y", "box", "done")


@dataclass(frozen=True)
class PointIndex:
    """A layer's records on a date as numpy arrays, ordered by id: for clustering and views.

    ``x``/``y`` place a record (a line or polygon by its representative point) in a cluster;
    ``box`` (minx, miny, maxx, maxy per record) finds the records a view overlaps, exactly as
    ``features.read_features`` does with ``bbox``.
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    box: np.ndarray
    done: np.ndarray

    def in_bbox(self, bbox: BBox) -> np.ndarray:
        """Return a boolean mask of the points inside ``bbox``."""
        minx, miny, maxx, maxy = bbox
        return (self.x >= minx) & (self.x <= maxx) & (self.y >= miny) & (self.y <= maxy)

    def overlapping(self, bbox: BBox | None) -> list[int]:
        """Return the ids of the records whose box overlaps ``bbox`` (all: None), by id."""
        if bbox is None:
            return self.ids.tolist()
        minx, miny, maxx, maxy = bbox
        box = self.box
        mask = (box[:, 2] >= minx) & (box[:, 0] <= maxx) & (box[:, 3] >= miny) & (box[:, 1] <= maxy)
        return self.ids[mask].tolist()


def done_statuses(layer_id: str) -> list[str]:
    """Return the ids of the layer's *done* statuses (none for a layer not in the catalogue)."""
    layer = next((spec for spec in CATALOGUE if spec.id == layer_id), None)
    return sorted(s.id for s in layer.statuses if s.done) if layer else []


def _done(status: ColumnElement, layer_id: str) -> ColumnElement:
    """Return the SQL expression 1 when ``status`` is one of the layer's done statuses, else 0."""
    statuses = done_statuses(layer_id)
    return case((status.in_(statuses), 1), else_=0) if statuses else literal(0)


def _rows(rows: Sequence[Sequence], width: int, dtype: type) -> np.ndarray:
    """Return plain driver tuples as one 2-D numpy array, without a Python object per value."""
    flat = itertools.chain.from_iterable(rows)
    return np.fromiter(flat, dtype, count=len(rows) * width).reshape(len(rows), width)


def _read(session: Session, layer_id: str, states: Select) -> PointIndex:
    """Read the records ``states`` (feature id, done) names: narrow queries, joined here.

    The states come through their covering index, the positions from the index on (layer, x,
    y), and the boxes only of the records whose box is not their point (lines, polygons): a
    point's box is (x, y, x, y). The join by id, the order by id and the columns are made in
    numpy, from the driver's plain tuples.
    """
    state = _rows(fetch_rows(session, states), 2, np.int64)
    places = _rows(fetch_rows(session, select(Feature.id, Feature.x, Feature.y)
                              .where(Feature.layer_id == layer_id)), 3, np.float64)  # fmt: skip
    boxes = _rows(fetch_rows(session, select(
        Feature.id, Feature.minx, Feature.miny, Feature.maxx, Feature.maxy,
    ).where(Feature.layer_id == layer_id, _not_its_point())), 5, np.float64)  # fmt: skip
    order = np.argsort(state[:, 0], kind="stable")
    ids = state[order, 0]
    x, y = _joined(ids, places[:, 0].astype(np.int64), places[:, 1:3]).T
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    box = np.column_stack([x, y, x, y])
    box_ids = boxes[:, 0].astype(np.int64)
    if len(ids):  # a record's box where it is not its point (a record of no state: none)
        at = np.minimum(np.searchsorted(ids, box_ids), len(ids) - 1)
        found = ids[at] == box_ids
        box[at[found]] = boxes[found, 1:5]
    return PointIndex(ids=ids, x=x, y=y, box=box, done=state[order, 1].astype(bool))


def _not_its_point() -> ColumnElement[bool]:
    """Return the SQL condition "the record's box is not (x, y, x, y)" (NULLs count as not)."""
    return or_(Feature.minx != Feature.x, Feature.maxx != Feature.x, Feature.miny != Feature.y,
               Feature.maxy != Feature.y, Feature.x.is_(None), Feature.y.is_(None),
               Feature.minx.is_(None), Feature.miny.is_(None), Feature.maxx.is_(None),
               Feature.maxy.is_(None))  # fmt: skip


def _joined(ids: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the rows of ``values`` whose ``keys`` are ``ids`` (each id has one), in order."""
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        by_key = np.argsort(keys, kind="stable")
        keys, values = keys[by_key], values[by_key]
    if not len(ids):
        return np.zeros((0, values.shape[1]))
    return values[np.searchsorted(keys, ids)]


def point_index(session: Session, layer_id: str, as_of: dt.date) -> PointIndex:
    """Read every record of a layer on ``as_of``: id, position, box and whether it is done."""
    state = states_on(layer_id, as_of)
    return _read(session, layer_id, select(state.c.feature_id, _done(state.c.status, layer_id)))


# --- the current states, caught up from the change log ---------------------------------------


@dataclass
class LayerPoints:
    """One layer's current states and how far in the change log they are."""

    watermark: int
    latest: dt.date | None
    index: PointIndex


def _latest(session: Session, layer_id: str) -> dt.date | None:
    """Return the layer's latest recorded date: a current state's start or any state's end."""
    started = session.scalar(select(func.max(FeatureState.valid_from)).where(
        FeatureState.layer_id == layer_id, FeatureState.valid_to.is_(None)))  # fmt: skip
    ended = session.scalar(select(func.max(FeatureState.valid_to)).where(
        FeatureState.layer_id == layer_id))  # fmt: skip
    return later(as_date(started), as_date(ended))


class PointIndexes(LogFollower[LayerPoints]):
    """The point index of every layer's current states, for one process (thread-safe)."""

    def current(
        self, session: Session, layer_id: str, as_of: dt.date, load: bool = True,
        version: int | None = None,
    ) -> PointIndex | None:
        """Return the layer's index caught up to now, or None for a date before the latest.

        ``load=False``: None too while the layer was never read whole in this process.
        ``version``: the data version the caller read (see ``LogFollower.caught_up``).
        """
        with self.lock:
            if not load and layer_id not in self.layers:
                return None
            kept = self.caught_up(session, layer_id, version)
        if kept.latest is not None and as_of < kept.latest:
            return None
        return kept.index

    def _load(self, session: Session, layer_id: str) -> LayerPoints:
        """Read a layer's current states whole (the watermark first: later changes re-apply)."""
        watermark = change_log.last_entry(session)
        states = select(FeatureState.feature_id, _done(FeatureState.status, layer_id)).where(
            FeatureState.layer_id == layer_id, FeatureState.valid_to.is_(None))  # fmt: skip
        index = _read(session, layer_id, states)
        return LayerPoints(watermark, _latest(session, layer_id), index)

    def _apply(self, session: Session, kept: LayerPoints, feature_ids: list[int]) -> LayerPoints:
        """Bring the rows of ``feature_ids`` to their current states: a new index, arrays shared."""
        new, latest = _changed_rows(session, feature_ids)
        old = kept.index
        wanted = np.array(feature_ids, dtype=np.int64)
        lows = np.searchsorted(old.ids, wanted, "left")
        highs = np.searchsorted(old.ids, wanted, "right")
        if bool(np.all(highs - lows == 1)) and np.array_equal(new.ids, wanted):
            index = _replaced(old, lows, new)  # every record still there: values change only
        else:
            index = _merged(old, lows, highs, new)
        return LayerPoints(kept.watermark, later(kept.latest, latest), index)


def _changed_rows(session: Session, feature_ids: list[int]) -> tuple[PointIndex, dt.date | None]:
    """Return the current rows of ``feature_ids`` (by id) and the latest date of their histories."""
    found, latest = changed_states(session, feature_ids, (
        FeatureState.feature_id, Feature.x, Feature.y, Feature.minx, Feature.miny, Feature.maxx,
        Feature.maxy, FeatureState.status, Feature.layer_id))  # fmt: skip
    statuses: dict[str, set[str]] = {}
    rows = []
    for row in found:
        done = statuses.setdefault(row[8], set(done_statuses(row[8])))
        rows.append((*row[:7], row[7] in done))
    values = np.array([row[:7] for row in rows], dtype=np.float64).reshape(len(rows), 7)
    index = PointIndex(
        ids=np.array([row[0] for row in rows], dtype=np.int64), x=values[:, 1].copy(),
        y=values[:, 2].copy(), box=values[:, 3:7].copy(),
        done=np.array([row[7] for row in rows], dtype=bool),
    )  # fmt: skip
    return index, latest


def _replaced(old: PointIndex, at: np.ndarray, new: PointIndex) -> PointIndex:
    """Return ``old`` with the rows ``at`` set to ``new``'s; unchanged columns are shared."""
    changed: dict[str, Any] = {}
    for name in _COLUMNS:
        column, values = getattr(old, name), getattr(new, name)
        if not np.array_equal(column[at], values):
            column = column.copy()
            column[at] = values
            changed[name] = column
    return dataclasses.replace(old, **changed) if changed else old


def _merged(old: PointIndex, lows: np.ndarray, highs: np.ndarray, new: PointIndex) -> PointIndex:
    """Return ``old`` without the rows in ``lows:highs`` and with ``new``'s rows, by id."""
    spans = highs - lows
    starts = np.repeat(lows, spans)
    offsets = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
    dropped = starts + offsets
    kept_ids = np.delete(old.ids, dropped)
    at = np.searchsorted(kept_ids, new.ids)
    columns = {name: np.insert(np.delete(getattr(old, name), dropped, axis=0), at,
                               getattr(new, name), axis=0)
               for name in _COLUMNS}  # fmt: skip
    return PointIndex(ids=np.insert(kept_ids, at, new.ids), **columns)


def cluster_cell_degrees(zoom: int, pixels: int = 60) -> float:
    """Width in degrees of a square of ``pixels`` screen pixels at ``zoom`` (Web Mercator).

    >>> round(cluster_cell_degrees(8), 4)
    0.3296
    """
    return 360.0 / (256 * 2**zoom) * pixels


def grid_clusters(index: PointIndex, bbox: BBox, zoom: int) -> list[dict[str, Any]]:
    """Group the points in ``bbox`` into grid cells about 60 px wide at ``zoom``."""
    mask = index.in_bbox(bbox)
    x, y, done = index.x[mask], index.y[mask], index.done[mask]
    if x.size == 0:
        return []
    cell = cluster_cell_degrees(zoom)
    keys = np.floor(x / cell).astype(np.int64) * 1_000_003 + np.floor(y / cell).astype(np.int64)
    _, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    xs, ys, dones = x[order], y[order], done[order]
    clusters = []
    for i, n in enumerate(counts):
        sl = slice(starts[i], starts[i] + n)
        clusters.append(
            {
                "lon": float(xs[sl].mean()),
                "lat": float(ys[sl].mean()),
                "count": int(n),
                "done": int(dones[sl].sum()),
                "bbox": [float(xs[sl].min()), float(ys[sl].min()),
                         float(xs[sl].max()), float(ys[sl].max())],
            }
        )
    return clusters
