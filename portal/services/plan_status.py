"""The status of a plan target on a day: on track, at risk, off track or no data.

The rule (the board page says the same):

1. A target with no value on or before the day is **no data**, never on track.
2. The latest value is compared with the **expected value on its own date**: the straight line
   from the baseline (at its date; without a baseline, the first value at its date) to the
   target on 31 December of the target's year, or, when the target has milestones, the line
   through the baseline, each milestone (date, value) and the year-end target. Before the first
   point the expected value is the first point's; after 31 December, the target.
3. A value that already meets the target is **on track**, whatever the line says: at least
   (value >= target), at most (value <= target: an "at most" target met early is on track),
   exactly (value == target: a project finished).
4. Else the **shortfall** is how far the value is behind the expected value in the target's
   direction (for ``exactly``: the direction from the baseline to the target), as a share of the
   whole way from the baseline to the target. No shortfall: **on track**; up to
   ``TOLERANCE`` (10 % of the way): **at risk**; more: **off track**.

>>> import datetime as dt
>>> line = Line(0.0, dt.date(2025, 1, 1), 10.0, dt.date(2025, 12, 31), "at_least")
>>> judge(line, 5.0, dt.date(2025, 7, 2))
'on_track'
>>> judge(line, 4.5, dt.date(2025, 7, 2)), judge(line, 3.0, dt.date(2025, 7, 2))
('at_risk', 'off_track')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Behind the line by at most this share of the way from baseline to target: "at risk".
TOLERANCE = 0.10
STATUSES = ("on_track", "at_risk", "off_track", "no_data")
_EPSILON = 1e-9


@dataclass(frozen=True)
class Line:
    """The path a target is expected to follow: its start, its end, milestones between."""

    start_value: float
    start_date: dt.date
    target: float
    end_date: dt.date
    direction: str
    milestones: Sequence[tuple[dt.date, float]] = field(default_factory=tuple)

    def points(self) -> list[tuple[dt.date, float]]:
        """Return the line's points in date order (start, milestones, year end)."""
        inner = [(d, v) for d, v in sorted(self.milestones) if self.start_date < d < self.end_date]
        return [(self.start_date, self.start_value), *inner, (self.end_date, self.target)]

    def expected(self, day: dt.date) -> float:
        """Return the value expected on ``day``.

        >>> Line(0.0, dt.date(2025, 1, 1), 10.0, dt.date(2025, 12, 31), "at_least",
        ...      ((dt.date(2025, 6, 30), 2.0),)).expected(dt.date(2025, 6, 30))
        2.0
        """
        points = self.points()
        if day <= points[0][0]:
            return points[0][1]
        for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
            if day <= d1:
                return v0 + (v1 - v0) * (day - d0).days / max((d1 - d0).days, 1)
        return points[-1][1]


def met(direction: str, value: float, target: float) -> bool:
    """Return whether ``value`` meets the target.

    >>> met("at_most", 1.8, 2.0), met("at_least", 7.9, 8.0), met("exactly", 100.0, 100.0)
    (True, False, True)
    """
    if direction == "at_least":
        return value >= target - _EPSILON
    if direction == "at_most":
        return value <= target + _EPSILON
    return abs(value - target) <= _EPSILON


def shortfall(line: Line, value: float, day: dt.date) -> float:
    """Return how far ``value`` is behind the line on ``day``, as a share of the whole way."""
    span = line.target - line.start_value
    if line.direction == "at_least":
        sign = 1.0
    elif line.direction == "at_most":
        sign = -1.0
    else:
        sign = 1.0 if span >= 0 else -1.0
    way = abs(span) or max(abs(line.target), 1.0)
    return sign * (line.expected(day) - value) / way


def judge(line: Line, value: float | None, day: dt.date | None) -> str:
    """Return the status of the latest ``value`` reported on ``day`` (see the module)."""
    if value is None or day is None:
        return "no_data"
    if met(line.direction, value, line.target):
        return "on_track"
    behind = shortfall(line, value, day)
    if behind <= _EPSILON:
        return "on_track"
    return "at_risk" if behind <= TOLERANCE + _EPSILON else "off_track"
