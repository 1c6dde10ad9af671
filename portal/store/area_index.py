"""Per-area tallies from arrays kept in memory, caught up from the change log, not rebuilt.

For each layer the index holds one row per current state (``valid_to`` NULL), sorted by record
id: commune, district and status as small integers, and progress. ``tally`` answers the same
``AreaTally`` values as ``portal.store.progress.tally_areas`` with two ``numpy.bincount`` calls,
for any date on or after the layer's latest recorded date (on those dates the states valid are
exactly the current ones); for earlier dates it answers None and the caller counts in SQL.

Each process keeps its own index. Before answering, a layer reads the change-log entries past
its watermark (``portal.store.change_log``) and re-reads only the records they name, so an edit
made by any worker is counted by every other one at its next request. An entry for a whole
layer, a pruned log or a much larger batch reloads the layer (one narrow query). That loop is
``portal.store.log_follower``'s, shared with the point index of the map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.admin_units import PROVINCE_CODE
from layers.base import AreaTally
from portal.store import change_log
from portal.store.log_follower import (
    LogFollower,
    as_date,
    changed_states,
    fetch_columns,
    later,
)
from portal.store.models import Feature, FeatureState

LEVELS = ("commune", "district")
_DROPPED = 0  # status slot of a row no longer current (its record changed or was deleted)


class Codes:
    """Values (area codes, statuses) numbered in the order first seen; ``first`` reserved slots."""

    def __init__(self, first: Sequence[object] = ()) -> None:
        self.values: list[object] = list(first)
        self.numbers: dict[object, int] = {v: i for i, v in enumerate(self.values)}

    def number(self, value: object) -> int:
        """Return the number of ``value``, giving it the next one when new."""
        found = self.numbers.get(value)
        if found is None:
            found = self.numbers[value] = len(self.values)
            self.values.append(value)
        return found

    def numbers_of(self, values: Sequence[object]) -> np.ndarray:
        """Return the numbers of many values at once (int32)."""
        if len(values) < 1000:  # a few changed records: no pandas round trip
            return np.array([self.number(v) for v in values], dtype=np.int32)
        local, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
        table = np.array([self.number(None if pd.isna(u) else u) for u in uniques], np.int32)
        return table[local]


@dataclass
class LayerArrays:
    """One layer's current states: parallel arrays sorted by record id."""

    watermark: int
    latest: dt.date | None
    ids: np.ndarray
    commune: np.ndarray
    district: np.ndarray
    status: np.ndarray
    progress: np.ndarray
    statuses: Codes = field(default_factory=lambda: Codes(("\0dropped",)))


@dataclass
class _Rows:
    """State rows read from the store, not yet coded."""

    ids: list[int] = field(default_factory=list)
    communes: list[str | None] = field(default_factory=list)
    districts: list[str | None] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    progress: list[float | None] = field(default_factory=list)

    def add(self, row: Sequence) -> None:
        """Add one (feature id, commune, district, status, progress) row."""
        self.ids.append(row[0])
        self.communes.append(row[1])
        self.districts.append(row[2])
        self.statuses.append(row[3])
        self.progress.append(row[4])


class AreaIndex(LogFollower[LayerArrays]):
    """The area index of one database, for one process (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self.areas = {level: Codes((None,)) for level in LEVELS}

    def tally(
        self, session: Session, layer_id: str, level: str, as_of: dt.date,
        unsummed: frozenset = frozenset(),
    ) -> dict[str, AreaTally] | None:  # fmt: skip
        """Return ``tally_areas``' answer from the arrays, or None for a date before the latest."""
        with self.lock:
            arrays = self.caught_up(session, layer_id)
            if arrays.latest is not None and as_of < arrays.latest:
                return None
            return self._count(arrays, level, unsummed)

    # --- reading ---------------------------------------------------------------------------

    def _load(self, session: Session, layer_id: str) -> LayerArrays:
        """Read a layer's current states whole (the watermark first: later changes re-apply).

        Two narrow queries (states by the covering index, then the records' areas), joined
        here by record id; rows come straight from the driver's cursor, not as ORM rows.
        """
        watermark = change_log.last_entry(session)
        states = fetch_columns(session, select(
            FeatureState.feature_id, FeatureState.status, FeatureState.progress,
            FeatureState.valid_from,
        ).where(FeatureState.layer_id == layer_id, FeatureState.valid_to.is_(None)))  # fmt: skip
        places = fetch_columns(session, select(
            Feature.id, Feature.commune_code, Feature.district_code,
        ).where(Feature.layer_id == layer_id))  # fmt: skip
        closed = session.scalar(
            select(func.max(FeatureState.valid_to)).where(FeatureState.layer_id == layer_id)
        )
        state_ids = np.array(states[0], dtype=np.int64)
        order = np.argsort(state_ids, kind="stable")
        place_ids = np.array(places[0], dtype=np.int64)
        by_id = np.argsort(place_ids)
        at = by_id[np.searchsorted(place_ids, state_ids[order], sorter=by_id)] \
            if len(place_ids) else np.zeros(0, dtype=np.int64)  # fmt: skip
        statuses = Codes(("\0dropped",))
        progress = np.array(states[2], dtype=np.float64)[order]
        arrays = LayerArrays(
            watermark=watermark,
            latest=later(as_date(max(states[3], default=None)), closed),
            ids=state_ids[order],
            commune=self.areas["commune"].numbers_of(places[1])[at],
            district=self.areas["district"].numbers_of(places[2])[at],
            status=statuses.numbers_of(states[1]).astype(np.int16)[order],
            progress=np.nan_to_num(progress, nan=0.0),
            statuses=statuses,
        )
        return arrays

    def _coded(self, rows: _Rows, statuses: Codes) -> tuple[np.ndarray, ...]:
        progress = np.array(rows.progress, dtype=np.float64)
        return (
            np.array(rows.ids, dtype=np.int64),
            self.areas["commune"].numbers_of(rows.communes),
            self.areas["district"].numbers_of(rows.districts),
            statuses.numbers_of(rows.statuses).astype(np.int16),
            np.nan_to_num(progress, nan=0.0),
        )

    def _changed_rows(
        self, session: Session, feature_ids: list[int]
    ) -> tuple[_Rows, dt.date | None]:
        """Return the current states of ``feature_ids`` and the latest date of their histories."""
        found, latest = changed_states(session, feature_ids, (
            FeatureState.feature_id, Feature.commune_code, Feature.district_code,
            FeatureState.status, FeatureState.progress))  # fmt: skip
        rows = _Rows()
        for row in found:
            rows.add(row)
        return rows, latest

    # --- updating --------------------------------------------------------------------------

    def _apply(
        self, session: Session, arrays: LayerArrays, feature_ids: list[int]
    ) -> LayerArrays:
        """Replace the rows of ``feature_ids`` by their current states, in place where possible."""
        rows, latest = self._changed_rows(session, feature_ids)
        arrays.latest = later(arrays.latest, latest)
        new = self._coded(rows, arrays.statuses)
        wanted = np.array(feature_ids, dtype=np.int64)
        lows = np.searchsorted(arrays.ids, wanted, "left")
        highs = np.searchsorted(arrays.ids, wanted, "right")
        starts = np.searchsorted(new[0], wanted, "left")
        ends = np.searchsorted(new[0], wanted, "right")
        extra: list[int] = []
        columns = (arrays.commune, arrays.district, arrays.status, arrays.progress)
        for low, high, start, end in zip(lows, highs, starts, ends, strict=True):
            kept = min(high - low, end - start)
            for column, values in zip(columns, new[1:], strict=True):
                column[low : low + kept] = values[start : start + kept]
            arrays.status[low + kept : high] = _DROPPED
            extra.extend(range(start + kept, end))
        if extra:
            self._append(arrays, [column[extra] for column in new])
        return arrays

    @staticmethod
    def _append(arrays: LayerArrays, new: list[np.ndarray]) -> None:
        names = ("ids", "commune", "district", "status", "progress")
        merged = [np.concatenate([getattr(arrays, n), v]) for n, v in zip(names, new, strict=True)]
        if len(arrays.ids) and new[0].min() < arrays.ids[-1]:
            order = np.argsort(merged[0], kind="stable")
            merged = [m[order] for m in merged]
        for name, values in zip(names, merged, strict=True):
            setattr(arrays, name, values)

    # --- counting --------------------------------------------------------------------------

    def _count(self, arrays: LayerArrays, level: str, unsummed: frozenset) -> dict[str, AreaTally]:
        n_status = len(arrays.statuses.values)
        if level in LEVELS:
            codes = self.areas[level].values
            area = arrays.commune if level == "commune" else arrays.district
            key = area.astype(np.int64) * n_status + arrays.status
        else:
            codes = [PROVINCE_CODE]
            key = arrays.status.astype(np.int64)
        size = len(codes) * n_status
        counts = np.bincount(key, minlength=size).reshape(len(codes), n_status)
        sums = np.bincount(key, weights=arrays.progress, minlength=size).reshape(
            len(codes), n_status
        )
        counts[:, _DROPPED] = 0
        summed = np.array([s not in unsummed for s in arrays.statuses.values])
        progress = np.where(summed[None, :], sums, 0.0).sum(axis=1).tolist()
        names = arrays.statuses.values
        result = {}
        for a in np.flatnonzero(counts.sum(axis=1)).tolist():
            row = counts[a].tolist()
            statuses = {names[s]: n for s, n in enumerate(row) if n}
            result[codes[a]] = AreaTally(
                count=sum(row), status_counts=statuses, progress_sum=progress[a]
            )
        return result
