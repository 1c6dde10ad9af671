"""What the importer's steps share: the context, the table read, the problems found, the outcome.

Every other module of :mod:`layers.importing` imports from here; this one imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj
import shapely

from geodata.errors import GeodataError
from geodata.problems import Problem
from layers.values import Fault

# Column name -> its stripped text, ``<NA>`` for empty cells (made once per column).
Texts = Callable[[str], pd.Series]


@dataclass(frozen=True)
class ImportContext:
    """What rows are checked against: the province, its 2025 communes, a CRS, today."""

    province: shapely.Geometry
    communes: gpd.GeoDataFrame
    crs: pyproj.CRS | None
    today: dt.date
    border_tolerance_m: float = 500
    # The communes before 1 July 2025 (code, name, geometry): a row given only by such a
    # commune is placed at its centre.
    legacy_communes: gpd.GeoDataFrame | None = None


class TableLike(Protocol):
    """The parts of :class:`geodata.rawtable.RawTable` the importer reads."""

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    row_numbers: list[int]
    notes: tuple[str, ...]


class ParsedState(NamedTuple):
    """The dated state a row gives its record (a named tuple: one is made per row, quickly).

    Attributes
    ----------
    date : datetime.date
        The row's update date (today when the file has none).
    status : str
        A status id of the record's layer, given or derived from the progress.
    progress : float or None
        Percent done, when the file says.
    attributes : mapping
        The record's typed attributes on that date.
    """

    date: dt.date
    status: str
    progress: float | None
    attributes: Mapping[str, Any]


class ParsedRecord(NamedTuple):
    """A validated record: geometry in EPSG:4326, typed attributes, its 2025 commune.

    A named tuple, read-only as a frozen dataclass but made in a third of the time: an import
    makes one per row.
    """

    layer_id: str
    record_id: str
    name: str
    geometry: shapely.Geometry
    attributes: Mapping[str, Any]
    state: ParsedState | None
    row: int
    commune_code: str | None


#: Words a counted note: (row count, the first rows as "2, 5, 9", "…" when there are more).
NoteWords = Callable[[int, str, str], str]


class CountedNote(str):
    """A note counting rows (naming the first ones), added up over the chunks of one file.

    It reads as the plain text it is; :meth:`plus` gives the note of two chunks together, so a
    file read in chunks says "1,200 rows …" once instead of "500 rows …" per chunk.

    >>> words = lambda count, shown, more: f"{count} row(s) placed: rows {shown}{more}"
    >>> one = CountedNote("placed", words, 3, [2, 3, 4], limit=4)
    >>> str(one.plus(CountedNote("placed", words, 2, [9, 11], limit=4)))
    '5 row(s) placed: rows 2, 3, 4, 9…'
    """

    key: str
    words: NoteWords
    count: int
    rows: tuple[int, ...]
    limit: int

    def __new__(
        cls, key: str, words: NoteWords, count: int, rows: Sequence[int] = (), limit: int = 20
    ) -> CountedNote:
        """Word the note for ``count`` rows, naming the first ``limit`` of ``rows``."""
        first = tuple(int(r) for r in list(rows)[:limit])
        note = super().__new__(
            cls, words(count, ", ".join(map(str, first)), "…" if count > limit else "")
        )
        note.key, note.words, note.count, note.rows, note.limit = key, words, count, first, limit
        return note

    def plus(self, other: CountedNote) -> CountedNote:
        """Return the note of this chunk's rows and ``other``'s (a later chunk's)."""
        return CountedNote(self.key, other.words, self.count + other.count,
                           self.rows + other.rows, self.limit)  # fmt: skip


@dataclass
class ImportReport:
    """Everything an import found: problems, notes, which column became which field."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file may be written: no problem at all."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`ImportRejected` carrying every problem, if there is any."""
        if self.problems:
            raise ImportRejected(self.problems)


class ImportRejected(GeodataError):
    """A file had problems; nothing of it may be written. ``problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(
            f"{len(problems)} problem(s) in the file; first: {first.message_en}",
            row=first.row,
            field=first.field,
            problems=problems,
        )
        self.user_msg_vi = f"Tệp có {len(problems)} lỗi; lỗi đầu tiên: {first.message_vi}"


class Problems:
    """Every problem found so far, and which rows have one.

    Templates are ``str.format`` strings with ``{value}`` (the raw cell) and named extras, one
    value per row; English ones write ``{value!r}``, Vietnamese ones «{value}».
    """

    def __init__(self, rows: np.ndarray, columns: Sequence[str]) -> None:
        self.rows = rows
        self.items: list[Problem] = []
        self.bad = np.zeros(len(rows), dtype=bool)
        self._order = {column: i for i, column in enumerate(columns)}

    def add(self, mask: np.ndarray, column: str, values, en: str, vi: str, **extra) -> None:
        """Add a problem for each row in ``mask``; ``values`` and extras cover every row."""
        index = np.flatnonzero(mask)
        if index.size == 0:
            return
        raw = np.asarray(values, dtype=object)[index]
        picked = {key: np.asarray(v)[index] for key, v in extra.items()}
        self.add_at(index, column, raw, en, vi, **picked)

    def add_at(
        self, index: np.ndarray, column: str, raw, en: str, vi: str, code: str = "invalid",
        **extra,
    ) -> None:  # fmt: skip
        """Add a problem for each row in ``index``; ``raw`` and extras follow ``index``."""
        self.bad[index] = True
        for k, (i, value) in enumerate(zip(index.tolist(), list(raw), strict=True)):
            text = None if value is None or value is pd.NA or value != value else str(value)
            params = {key: values[k] for key, values in extra.items()}
            self.items.append(
                Problem(
                    row=int(self.rows[i]),
                    field=column,
                    value=text,
                    message_en=en.format(value=text, **params),
                    message_vi=vi.format(value=text, **params),
                    code=code,
                )
            )

    def add_faults(
        self, index: np.ndarray, column: str, raw: np.ndarray, faults: Sequence[Fault]
    ) -> None:
        """Add the problems of a column reader's faults; masks and ``raw`` follow ``index``."""
        for fault in faults:
            self.add_at(index[fault.mask], column, raw[fault.mask], fault.message_en,
                        fault.message_vi)  # fmt: skip

    def whole_file(self, column: str, en: str, vi: str, code: str = "invalid") -> None:
        """Add a problem of the whole file (row None)."""
        self.items.append(Problem(None, column, None, en, vi, code))

    def missing_column(
        self, header: str, what_en: str, what_vi: str, aliases, layer: str | None = None
    ) -> None:
        """Report a required column that is not in the file (of ``layer``, if given)."""
        accepted = " / ".join(dict.fromkeys(aliases))
        of_en, of_vi = (f" of layer {layer}", f" của lớp {layer}") if layer else ("", "")
        self.whole_file(
            header,
            f"Required column '{header}' ({what_en}){of_en} is missing; accepted headers: "
            + accepted,
            f"Thiếu cột bắt buộc «{header}» ({what_vi}){of_vi}; có thể đặt tên cột là: "
            + accepted,
            code="missing_column",
        )

    def add_missing(self, mask: np.ndarray, column: str) -> None:
        """Report empty cells in a required column."""
        index = np.flatnonzero(mask)
        self.add_at(
            index, column, [None] * index.size,
            f"Missing value in required column '{column}'",
            f"Chưa điền cột bắt buộc «{column}»",
            code="missing",
        )  # fmt: skip

    def sorted(self) -> list[Problem]:
        """Return the problems by row (whole-file ones first), then by column."""
        return sorted(
            self.items,
            key=lambda p: (p.row is not None, p.row or 0, self._order.get(p.field or "", -1)),
        )
