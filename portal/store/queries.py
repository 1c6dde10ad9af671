"""Small read queries the pages share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.store.models import Area, Feature, FeatureState
from portal.store.progress import states_on


def illustrative_layers(session: Session) -> set[str]:
    """Return the ids of layers holding at least one illustrative record."""
    return set(
        session.scalars(
            select(Feature.layer_id).where(Feature.illustrative.is_(True)).distinct()
        )
    )


def boundary_provenance(session: Session) -> dict[str, str]:
    """Return each area level's provenance ("approximate", "official" or "mixed")."""
    rows = session.execute(select(Area.level, Area.provenance).distinct()).all()
    result: dict[str, str] = {}
    for level, provenance in rows:
        result[level] = provenance if level not in result else "mixed"
    return result


def area_bounds(session: Session, code: str | None = None) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of one area (any level) or of every area.

    None when no such area is stored (an empty store, an unknown code).
    """
    query = select(func.min(Area.miny), func.min(Area.minx), func.max(Area.maxy),
                   func.max(Area.maxx))
    if code is not None:
        query = query.where(Area.code == code)
    south, west, north, east = session.execute(query).one()
    if south is None:
        return None
    return [[south, west], [north, east]]


def latest_update(session: Session) -> dt.date | None:
    """Return the date of the most recent state of any record, or None."""
    return session.scalar(select(func.max(FeatureState.valid_from)))


def get_area(session: Session, level: str, code: str) -> Area | None:
    """Return one stored area, or None."""
    return session.scalar(select(Area).where(Area.level == level, Area.code == code))


def status_counts(session: Session, layer_id: str, as_of: dt.date) -> dict[str, int]:
    """Count a layer's records per status on ``as_of``."""
    state = states_on(layer_id, as_of)
    rows = session.execute(select(state.c.status, func.count()).group_by(state.c.status)).all()
    return dict(rows)


def month_ends(start: dt.date, until: dt.date) -> list[dt.date]:
    """Return the last day of each month from ``start``'s month to ``until`` (itself last).

    >>> month_ends(dt.date(2025, 1, 1), dt.date(2025, 3, 10))
    [datetime.date(2025, 1, 31), datetime.date(2025, 2, 28), datetime.date(2025, 3, 10)]
    >>> month_ends(dt.date(2025, 1, 1), dt.date(2024, 12, 1))
    [datetime.date(2024, 12, 1)]
    """
    dates = []
    year, month = start.year, start.month
    while True:
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        if end >= until:
            dates.append(until)
            return dates
        dates.append(end)
        year, month = year + month // 12, month % 12 + 1


def timeline(
    session: Session, layer_id: str, done_statuses: set[str], dates: list[dt.date]
) -> list[dict[str, Any]]:
    """Return, for each date, how many records existed, how many were done and how many left."""
    result = []
    for day in dates:
        counts = status_counts(session, layer_id, day)
        total = sum(counts.values())
        done = sum(n for s, n in counts.items() if s in done_statuses)
        result.append({"date": day.isoformat(), "count": total, "done": done, "left": total - done})
    return result
