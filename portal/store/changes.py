"""What changed between two dates: each record classed advanced, stalled, regressed, new, removed.

A record *advanced* when it reached a later status in its layer's workflow order, or the same
status with more progress; it *regressed* for the opposite. Entering the layer's "paused" status
counts as regressing and leaving it as advancing, although paused comes last in the list. A
record that did not change is *stalled* while not done and *unchanged* once done. *New* records
had no state on the first date, *removed* ones none on the second (or were deleted by then).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.admin_units import PROVINCE_CODE
from layers.base import LayerSpec
from portal.store.models import Feature
from portal.store.progress import states_on

CLASSES = ("advanced", "stalled", "regressed", "new", "removed", "unchanged")
#: Classes listed record by record (``unchanged`` records are only counted).
LISTED_CLASSES = ("regressed", "stalled", "advanced", "new", "removed")

State = tuple[str, float | None]


@dataclass(frozen=True)
class RecordChange:
    """One record's state on both dates and its class."""

    id: int
    record_id: str
    name: str
    layer: str
    status_before: str | None
    status_after: str | None
    progress_before: float | None
    progress_after: float | None
    commune_code: str | None
    district_code: str | None
    change: str

    def as_dict(self) -> dict:
        """Return a JSON-ready dict (the class under the key ``class``)."""
        data = asdict(self)
        data["class"] = data.pop("change")
        return data


@dataclass(frozen=True)
class AreaChange:
    """One area's percent done on both dates and its records per class."""

    layer: str
    code: str
    name: str
    percent_before: float | None
    percent_after: float | None
    delta: float | None
    counts: dict[str, int] = field(default_factory=dict)
    # True when the reader may not see this area's records of a personal-data layer: its
    # counts per class are then left out (they would give small numbers back).
    counts_hidden: bool = False

    def as_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def status_rank(layer: LayerSpec, status: str) -> int | None:
    """Return a status's place in the workflow; paused or cancelled below all, unknown None.

    >>> from layers import get_layer
    >>> industry = get_layer("industry")
    >>> [status_rank(industry, s) for s in ("planning", "construction", "paused", "??")]
    [0, 2, -1, None]
    >>> status_rank(get_layer("signal"), "cancelled")
    -1
    """
    if status == layer.generic_statuses.get("paused") or any(
        s.id == status and s.halted for s in layer.statuses
    ):
        return -1
    for index, spec in enumerate(layer.statuses):
        if spec.id == status:
            return index
    return None


def _is_done(layer: LayerSpec, status: str) -> bool:
    return any(s.id == status and s.done for s in layer.statuses)


def classify(layer: LayerSpec, before: State | None, after: State | None) -> str | None:
    """Return the class of a record's change from ``before`` to ``after`` (None: absent both).

    >>> from layers import get_layer
    >>> signal = get_layer("signal")
    >>> classify(signal, ("listed", None), ("power", None))
    'advanced'
    >>> classify(signal, ("listed", None), ("listed", None))
    'stalled'
    >>> classify(signal, None, ("on_air", None)), classify(signal, ("on_air", None), None)
    ('new', 'removed')
    >>> transport = get_layer("transport")
    >>> classify(transport, ("construction", 40.0), ("construction", 35.5))
    'regressed'
    >>> classify(transport, ("completed", 100.0), ("completed", 100.0))
    'unchanged'
    """
    if before is None and after is None:
        return None
    if before is None or after is None:
        return "new" if before is None else "removed"
    rank_before, rank_after = status_rank(layer, before[0]), status_rank(layer, after[0])
    if rank_before is not None and rank_after is not None and rank_before != rank_after:
        return "advanced" if rank_after > rank_before else "regressed"
    if before[1] is not None and after[1] is not None and abs(after[1] - before[1]) > 1e-9:
        return "advanced" if after[1] > before[1] else "regressed"
    return "unchanged" if _is_done(layer, after[0]) else "stalled"


def _present(state: State | None, deleted_at: dt.datetime | None, day: dt.date) -> State | None:
    # A soft-deleted record disappears from the day it was deleted.
    if state is None or state[0] is None or (deleted_at is not None and deleted_at.date() <= day):
        return None
    return state


def record_changes(
    session: Session, layer: LayerSpec, since: dt.date, until: dt.date,
    area: tuple[str, str] | None = None,
) -> list[RecordChange]:
    """Return every record of ``layer`` that existed on either date, with its class.

    ``area`` (level, code) keeps the records of one commune or district (one area's card).
    """
    first = states_on(layer.id, since).alias("state_before")
    second = states_on(layer.id, until).alias("state_after")
    rows = session.execute(
        select(
            Feature.id, Feature.record_id, Feature.name, Feature.commune_code,
            Feature.district_code, Feature.deleted_at,
            first.c.status, first.c.progress, second.c.status, second.c.progress,
        )
        .select_from(Feature)
        .outerjoin(first, first.c.feature_id == Feature.id)
        .outerjoin(second, second.c.feature_id == Feature.id)
        .where(Feature.layer_id == layer.id)
        .where((first.c.feature_id.is_not(None)) | (second.c.feature_id.is_not(None)))
        .where(*_area_filter(area))
        .order_by(Feature.record_id)
    ).all()
    result = []
    for row in rows:
        before = _present((row[6], row[7]), row.deleted_at, since)
        after = _present((row[8], row[9]), row.deleted_at, until)
        change = classify(layer, before, after)
        if change is None:
            continue
        result.append(
            RecordChange(
                id=row.id, record_id=row.record_id, name=row.name, layer=layer.id,
                status_before=before[0] if before else None,
                status_after=after[0] if after else None,
                progress_before=before[1] if before else None,
                progress_after=after[1] if after else None,
                commune_code=row.commune_code, district_code=row.district_code, change=change,
            )
        )
    return result


def _area_filter(area: tuple[str, str] | None) -> list:
    if area is None or area[0] == "province":
        return []
    column = Feature.commune_code if area[0] == "commune" else Feature.district_code
    return [column == area[1]]


def _area_code(change: RecordChange, level: str) -> str | None:
    if level == "commune":
        return change.commune_code
    if level == "district":
        return change.district_code
    return PROVINCE_CODE


def area_changes(
    layer_id: str,
    level: str,
    before_rows: Iterable[Any],
    after_rows: Iterable[Any],
    records: list[RecordChange],
) -> list[AreaChange]:
    """Return each area's percent done on both dates, the change, and its records per class.

    ``before_rows`` and ``after_rows`` are one level's progress rows on the two dates (anything
    with ``code``, ``name`` and ``percent``: ``area_progress`` rows, or rows with small numbers
    hidden, whose percent is then None).
    """
    before = {r.code: r for r in before_rows}
    after = {r.code: r for r in after_rows}
    counts: dict[str | None, Counter] = {}
    for change in records:
        counts.setdefault(_area_code(change, level), Counter())[change.change] += 1
    result = []
    for code in sorted(set(before) | set(after)):
        old, new = before.get(code), after.get(code)
        p_old = old.percent if old else None
        p_new = new.percent if new else None
        delta = round(p_new - p_old, 1) if p_old is not None and p_new is not None else None
        tally = counts.get(code, Counter())
        result.append(
            AreaChange(
                layer=layer_id,
                code=code,
                name=(new or old).name,
                percent_before=p_old,
                percent_after=p_new,
                delta=delta,
                counts={c: tally.get(c, 0) for c in CLASSES},
            )
        )
    return result


def class_counts(records: list[RecordChange]) -> dict[str, int]:
    """Count records per class, every class present."""
    tally = Counter(r.change for r in records)
    return {c: tally.get(c, 0) for c in CLASSES}
