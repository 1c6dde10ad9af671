"""What an official boundary import found: the units, what blocks it and what to show.

:func:`geodata.official_boundaries.read_official_boundaries` fills a :class:`BoundaryImport`;
:func:`geodata.boundary_merge.merge_into` refuses one that has problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from geodata.official_messages import MESSAGES


@dataclass(frozen=True)
class BoundaryProblem:
    """Something that blocks the import, with the user's row, the column and the value."""

    row: int | None
    field: str | None
    value: str | None
    message_en: str
    message_vi: str


@dataclass(frozen=True)
class BoundaryCheck:
    """A warning that does not block: ``gap``, ``overlap``, ``repaired`` or ``name_differs``."""

    kind: str
    codes: tuple[str, ...]
    hectares: float | None
    message_en: str
    message_vi: str


@dataclass
class BoundaryImport:
    """The outcome of :func:`read_official_boundaries`.

    ``frame`` holds the units that passed, in the official order, with
    :data:`geodata.boundaries.COLUMNS` in EPSG:4326. ``problems`` block the import
    (:func:`merge_into` refuses it); ``checks`` are warnings to show. ``level``, ``vintage``
    and ``source_date`` are as asked; ``notes`` say what the reader converted (TCVN3 names...).
    """

    frame: gpd.GeoDataFrame
    problems: list[BoundaryProblem] = field(default_factory=list)
    checks: list[BoundaryCheck] = field(default_factory=list)
    level: str = ""
    vintage: str = ""
    source_date: dt.date | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether nothing blocks the import."""
        return not self.problems

    def problem(self, key: str, row: int | None, column: str | None, value: str | None,
                **values: Any) -> None:
        """Add a problem with the messages ``MESSAGES[key]`` filled with ``values``."""
        en, vi = MESSAGES[key]
        values.setdefault("row", row)
        self.problems.append(
            BoundaryProblem(row, column, value, en.format(**values), vi.format(**values))
        )

    def check(self, kind: str, codes: Sequence[str], hectares: float | None, **values: Any
              ) -> None:
        """Add a check with the messages ``MESSAGES[kind]`` filled with ``values``."""
        en, vi = MESSAGES[kind]
        message = {**values, "hectares": hectares}
        self.checks.append(BoundaryCheck(kind, tuple(codes), hectares, en.format(**message),
                                         vi.format(**message)))
