"""Numbers, dates, yes/no and names as people write them, read per column or per value.

The column readers work on whole pandas columns at once (no Python loop over rows; the distinct
values only where they repeat); each has a single-value twin that reads one text exactly as a
cell of a column is read (``tests/layers/test_values.py`` holds them to it). Field types build on
these in :mod:`layers.values`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from geodata.text import fold

TRUTH = {
    **dict.fromkeys(("co", "yes", "x", "1", "true", "dung", "y"), True),
    **dict.fromkeys(("khong", "no", "0", "false", "sai", "n"), False),
}
_DMY = r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"
# ISO dates, also as spreadsheets write a date cell read as text ("2025-03-01 00:00:00").
_YMD = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
# What ``pandas.to_numeric`` reads as a finite number: plain decimals, ASCII digits only.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DOT_GROUPS = r"-?\d{1,3}(\.\d{3}){2,}(,\d+)?|-?\d{1,3}(\.\d{3})+,\d+"
_COMMA_GROUPS = r"-?\d{1,3}(,\d{3}){2,}(\.\d+)?|-?\d{1,3}(,\d{3})+\.\d+"


def column_key(text: object) -> str:
    """Return the matching key of a header or a label: folded, letters and digits only.

    >>> column_key("Ngày cập nhật"), column_key("ngay_cap_nhat"), column_key(" NGAY-CAP nhat ")
    ('ngaycapnhat', 'ngaycapnhat', 'ngaycapnhat')
    >>> column_key("Diện tích (ha)")
    'dientichha'
    """
    return re.sub(r"[^0-9a-z]+", "", fold(str(text)))


def text_values(column: pd.Series) -> pd.Series:
    """Return a column as stripped text with ``<NA>`` for empty cells."""
    values = column.astype("string").str.strip()
    return values.mask(values == "")


def _per_unique(
    values: pd.Series, read: Callable[[pd.Series], tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, ...]:
    """Run ``read`` on the distinct values only, and spread its arrays back to every row.

    Statuses, choices, dates and communes repeat across thousands of rows: reading each
    distinct text once keeps large files fast.
    """
    codes, uniques = pd.factorize(values)
    codes[codes < 0] = len(uniques)
    distinct = pd.Series([*uniques, pd.NA], dtype="string")
    return tuple(np.asarray(result)[codes] for result in read(distinct))


# --- numbers ---------------------------------------------------------------------------------


def parse_numbers(values: pd.Series, percent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Read numbers written the Vietnamese or the English way; return values and a bad mask.

    A single comma is a decimal comma ("12,5"); groups of three after dots or commas are
    thousands ("1.234.567", "1,234,567"); with both, the last one is the decimal mark.
    ``percent`` lets a trailing "%" through.

    >>> numbers, bad = parse_numbers(pd.Series(["12,5", "1.234.567", "3.5", "x", None]))
    >>> numbers.tolist()[:3], bad.tolist()
    ([12.5, 1234567.0, 3.5], [False, False, False, True, False])
    """
    values = values.astype("string")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    other = values.notna().to_numpy() & ~np.isfinite(numbers)
    if other.any():
        numbers[other] = _parse_written_numbers(values[other], percent)
    bad = values.notna().to_numpy() & ~np.isfinite(numbers)
    numbers[bad] = np.nan
    return numbers, bad


def _parse_written_numbers(values: pd.Series, percent: bool) -> np.ndarray:
    """Read numbers with a decimal comma, thousands groups, spaces or a trailing "%"."""
    text = values.str.replace(r"\s+", "", regex=True)
    if percent:
        text = text.str.removesuffix("%")
    dot_groups = text.str.fullmatch(_DOT_GROUPS)
    comma_groups = text.str.fullmatch(_COMMA_GROUPS)
    text = text.mask(dot_groups.fillna(False), text.str.replace(".", "").str.replace(",", "."))
    text = text.mask(comma_groups.fillna(False), text.str.replace(",", ""))
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def parse_number(text: str, percent: bool = False) -> float:
    """Read one number as :func:`parse_numbers` reads a cell; NaN when it is not one.

    >>> parse_number("12,5"), parse_number("1.234.567"), parse_number("45 %", percent=True)
    (12.5, 1234567.0, 45.0)
    """
    number = _finite(text)
    if math.isnan(number):
        written = re.sub(r"\s+", "", text)
        if percent:
            written = written.removesuffix("%")
        if re.fullmatch(_DOT_GROUPS, written):
            written = written.replace(".", "").replace(",", ".")
        elif re.fullmatch(_COMMA_GROUPS, written):
            written = written.replace(",", "")
        number = _finite(written.replace(",", "."))
    return number


def _finite(text: str) -> float:
    """Return ``text`` as a finite float if it is a plain decimal, else NaN."""
    number = float(text) if _DECIMAL.fullmatch(text) else math.nan
    return number if math.isfinite(number) else math.nan


# --- dates -----------------------------------------------------------------------------------


def parse_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd dates.

    Returns
    -------
    tuple of numpy.ndarray
        The dates (``datetime.date`` or None), the cells that are not written as a date, and
        the cells written as a date that is not in the calendar (31/02/2025).

    >>> dates, bad, unreal = parse_dates(pd.Series(["5/3/2025", "2025-03-05", "31/02/2025"]))
    >>> [str(d) for d in dates], bad.tolist(), unreal.tolist()
    (['2025-03-05', '2025-03-05', 'None'], [False, False, False], [False, False, True])
    """
    return _per_unique(values, _remembered_dates)


#: Each distinct cell's reading (date, not written as a date, not in the calendar), kept across
#: the chunks of a file: a date column repeats the same few hundred days on every chunk.
_READ_DATES: dict[str, tuple[dt.date | None, bool, bool]] = {}
_READ_DATES_MAX = 20_000


def _remembered_dates(distinct: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return `_parse_distinct_dates` of distinct cells, each new one read once and kept.

    Each cell's reading depends on that cell alone, so reading only the cells not met before
    gives the same arrays.
    """
    cells = distinct.to_numpy(dtype=object, na_value=None).tolist()
    found = {c: _READ_DATES.get(c) for c in cells}
    found[None] = (None, False, False)
    new = [c for c, reading in found.items() if reading is None]
    if new:
        dates, not_date, unreal = _parse_distinct_dates(pd.Series(new, dtype="string"))
        readings = dict(zip(new, zip(dates.tolist(), not_date.tolist(), unreal.tolist(),
                                     strict=True), strict=True))  # fmt: skip
        found.update(readings)
        if len(_READ_DATES) > _READ_DATES_MAX:
            _READ_DATES.clear()
        _READ_DATES.update(readings)
    rows = [found[c] for c in cells]
    dates = np.full(len(rows), None, dtype=object)
    dates[:] = [r[0] for r in rows]
    return (dates, np.array([r[1] for r in rows], dtype=bool),
            np.array([r[2] for r in rows], dtype=bool))  # fmt: skip


def _parse_distinct_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = values.str.extract(_DMY).combine_first(values.str.extract(_YMD))
    written = parts["y"].notna().to_numpy()
    numbers = parts.fillna({"y": "2000", "m": "1", "d": "1"}).astype(int)
    stamps = pd.to_datetime(
        pd.DataFrame({"year": numbers["y"], "month": numbers["m"], "day": numbers["d"]}),
        errors="coerce",
    )
    real = written & stamps.notna().to_numpy()
    dates = np.full(len(values), None, dtype=object)
    dates[real] = stamps[real].dt.date.to_numpy()
    present = values.notna().to_numpy()
    return dates, present & ~written, written & ~real


def parse_date(text: str) -> dt.date | None:
    """Read one date as :func:`parse_dates` reads a cell; None when it is not a real date.

    >>> parse_date("5/3/2025"), parse_date("31/02/2025")
    (datetime.date(2025, 3, 5), None)
    """
    found = re.search(_DMY, text) or re.search(_YMD, text)
    if found is None:
        return None
    try:
        return dt.date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError:
        return None


# --- keys: yes/no, choices, statuses, communes -----------------------------------------------


def parse_bools(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Read có/không, yes/no, x, 1/0, true/false; return values and a bad mask.

    >>> flags, bad = parse_bools(pd.Series(["Có", "không", "x", "maybe", None]))
    >>> flags.tolist(), bad.tolist()
    ([True, False, True, None, None], [False, False, False, True, False])
    """
    return parse_keys(values, TRUTH)


def parse_keys(values: pd.Series, lookup: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """Map each cell to an id through ``lookup`` (keyed by :func:`column_key`).

    >>> lookup = {"cuakhau": "gate", "gate": "gate"}
    >>> ids, bad = parse_keys(pd.Series(["Cửa khẩu", "GATE", "?"]), lookup)
    >>> ids.tolist(), bad.tolist()
    (['gate', 'gate', None], [False, False, True])
    """

    def read(distinct: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        found = [None if pd.isna(v) else lookup.get(column_key(v)) for v in distinct]
        ids = np.array(found + [None], dtype=object)[:-1]
        return ids, distinct.notna().to_numpy() & pd.isna(ids)

    return _per_unique(values, read)


def parse_bool(value: object) -> bool | None:
    """Read one yes or no as :func:`parse_bools` reads a cell; None when it is neither.

    >>> parse_bool("Có"), parse_bool(0), parse_bool("maybe")
    (True, False, None)
    """
    return TRUTH.get(column_key(value))
