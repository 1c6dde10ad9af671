"""What every in-memory index caught up from the change log shares: the catch-up loop.

An index keeps, per layer, arrays of the layer's current states with the id of the last
change-log entry it has seen (its watermark). Before answering it reads the entries past the
watermark (``portal.store.change_log``) and re-reads only the records they name; an entry for a
whole layer, a log pruned past the watermark or a batch larger than ``RELOAD_AT`` reloads the
layer. ``portal.store.area_index`` (per-area counts) and ``portal.store.point_index`` (map
clusters and views) are the two indexes built on it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.store import change_log
from portal.store.models import Feature, FeatureState

#: Above this many changed records in one catch-up the layer is reloaded instead.
RELOAD_AT = 50_000
#: Ids per ``IN (...)`` query: below SQLite's old 999-variable limit.
BATCH = 900


class Watermarked(Protocol):
    """A layer's arrays, with the id of the last change-log entry they include."""

    watermark: int


Kept = TypeVar("Kept", bound=Watermarked)


class LogFollower(Generic[Kept]):
    """Per-layer arrays of one database for one process, caught up from the change log.

    Subclasses read a layer whole (``_load``, which stores what it read in ``layers`` and must
    read the watermark before the rows) and bring the rows of some records up to date
    (``_apply``, returning the arrays to keep). Callers hold ``lock`` around :meth:`caught_up`.
    """

    def __init__(self) -> None:
        self.layers: dict[str, Kept] = {}
        self.lock = threading.Lock()
        self.reloads = 0  # how many times a layer was read whole (tests and benchmarks)
        self._versions: dict[str, int] = {}  # the data version each layer was caught up at

    def caught_up(self, session: Session, layer_id: str, version: int | None = None) -> Kept:
        """Return the layer's arrays with every change-log entry up to now applied.

        ``version``: the store's data version as the caller read it. Every commit that writes
        the log moves it on (``change_log``), so at a version the layer was caught up at there
        is nothing new to read: no query at all.
        """
        kept = self.layers.get(layer_id)
        if kept is not None and version is not None and self._versions.get(layer_id) == version:
            return kept
        kept = self._caught_up(session, layer_id, kept)
        if version is not None:
            self._versions[layer_id] = version
        return kept

    def _caught_up(self, session: Session, layer_id: str, kept: Kept | None) -> Kept:
        if kept is None or kept.watermark < change_log.floor(session):
            return self._reload(session, layer_id)
        entries = change_log.entries_after(session, kept.watermark, layer_id)
        if not entries:
            return kept
        changed = {feature_id for _id, feature_id in entries}
        if None in changed or len(changed) > RELOAD_AT:
            return self._reload(session, layer_id)
        kept = self._apply(session, kept, sorted(changed))
        kept.watermark = entries[-1][0]
        self.layers[layer_id] = kept
        return kept

    def _reload(self, session: Session, layer_id: str) -> Kept:
        kept = self.layers[layer_id] = self._load(session, layer_id)
        self.reloads += 1
        return kept

    def _load(self, session: Session, layer_id: str) -> Kept:
        raise NotImplementedError

    def _apply(self, session: Session, kept: Kept, feature_ids: list[int]) -> Kept:
        raise NotImplementedError


def changed_states(
    session: Session, feature_ids: list[int], columns: Sequence
) -> tuple[list[tuple], dt.date | None]:
    """Read ``columns`` of the states of ``feature_ids`` (and of their records), in batches.

    Returns the rows of the current states (``valid_to`` NULL), by record id, and the latest
    date met in the records' whole histories.
    """
    current: list[tuple] = []
    latest = None
    for start in range(0, len(feature_ids), BATCH):
        result = session.execute(
            select(*columns, FeatureState.valid_from, FeatureState.valid_to)
            .join(Feature, Feature.id == FeatureState.feature_id)
            .where(FeatureState.feature_id.in_(feature_ids[start : start + BATCH]))
            .order_by(FeatureState.feature_id, FeatureState.id)
        )  # fmt: skip
        for row in result:
            latest = later(later(latest, row[-2]), row[-1])
            if row[-1] is None:
                current.append(tuple(row[:-2]))
    return current, latest


def fetch_rows(session: Session, statement) -> list[tuple]:  # noqa: ANN001 - a select
    """Run a select through the DBAPI cursor of the session's connection; return plain tuples.

    No ORM rows: a whole layer's rows cost the driver's tuples and nothing more.
    """
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect,
                                compile_kwargs={"literal_binds": True}))  # fmt: skip
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def fetch_columns(session: Session, statement) -> list[list]:  # noqa: ANN001 - a select
    """Run a select as :func:`fetch_rows` does; return one list per column."""
    rows = fetch_rows(session, statement)
    width = len(statement.selected_columns)
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def as_date(value: dt.date | str | None) -> dt.date | None:
    """Return a date read raw from the driver (SQLite gives ISO text).

    >>> as_date("2025-11-30"), as_date(None)
    (datetime.date(2025, 11, 30), None)
    """
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """Return the later of two dates, None counting as no date.

    >>> later(None, dt.date(2025, 1, 2)), later(dt.date(2025, 3, 1), None)
    (datetime.date(2025, 1, 2), datetime.date(2025, 3, 1))
    """
    return b if a is None or (b is not None and b > a) else a
