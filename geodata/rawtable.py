"""The one table shape every reader returns, and the helpers the readers share.

:class:`RawTable` is what :func:`geodata.readers.read_table` gives the importer: every attribute
value as NFC text (the importer parses types and reports the raw value), the user's own row
numbers, the file's geometry and CRS, and notes on what was converted on the way.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj

from geodata.encodings import ENCODING_NAMES, repair_text_columns
from geodata.errors import GeodataError, LegacyEncoding
from geodata.problems import Problem

logger = logging.getLogger(__name__)

_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_VOWELS = "aăâeêioôơuưy"
# Every precomposed Vietnamese letter in both cases: text of these and ASCII needs no repair.
VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for vowel in _VOWELS
    for base in (vowel, vowel.upper())
    for tone in _TONES
) | frozenset("đĐ")
# Punctuation that Windows code pages put in 0x80-0x9F, the no-break space and ° ± ² ³: harmless
# in text; TCVN3/VNI/VISCII use none of them for letters (TCVN3's rare loose tone marks aside).
_SAFE_SYMBOLS = frozenset(
    "\u00a0\u00b0\u00b1\u00b2\u00b3\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
    "\u2039\u0152\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u203a\u0153"
)


@dataclass(frozen=True)
class RawTable:
    """A file's records before validation: text values, the file's geometry and where rows are.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per record; original column names; every value a ``str`` in NFC ("" if empty).
    geometry : geopandas.GeoSeries or None
        The file's own geometry in ``crs``, aligned with ``frame``; ``None`` for CSV and XLSX.
    crs : pyproj.CRS or None
        From the ``.prj``, the GeoPackage, GeoJSON/KML (WGS 84) or the caller; ``None`` if unknown.
    row_numbers : list of int
        The row the user sees: spreadsheet row (header = 1) or 1-based feature number.
    source_format : str
        ``csv``, ``xlsx``, ``geojson``, ``gpkg``, ``shapefile`` or ``kml``.
    encoding : str
        Text encoding used or detected, e.g. ``utf-8-sig``, ``cp1258``, ``tcvn3``.
    sheet : str or None
        The worksheet read, for XLSX.
    notes : tuple of str
        What was converted on the way, e.g. "column ten_xa converted from TCVN3".
    """

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    row_numbers: list[int]
    source_format: str
    encoding: str
    sheet: str | None
    notes: tuple[str, ...]


def user_error(
    cls: type[GeodataError],
    message: str,
    message_vi: str,
    *,
    row: int | None = None,
    field: str | None = None,
) -> GeodataError:
    """Build ``cls`` with an English ``user_msg`` and a Vietnamese ``user_msg_vi``."""
    error = cls(message, row=row, field=field)
    error.user_msg_vi = message_vi  # type: ignore[attr-defined]
    return error


def format_value(value: Any) -> str:
    """Return ``value`` as the text a user would type for it.

    Integers lose a trailing ``.0``, floats keep 15 significant digits as Excel shows them,
    dates become ISO ``YYYY-MM-DD`` (with ``THH:MM:SS`` only when there is a time of day).

    >>> [format_value(v) for v in (None, 12.0, 0.1 + 0.2, True, "La\u0323ng")]
    ['', '12', '0.3', 'TRUE', 'Lạng']
    >>> format_value(dt.datetime(2025, 3, 1)), format_value(dt.datetime(2025, 3, 1, 10, 30))
    ('2025-03-01', '2025-03-01T10:30:00')
    """
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _format_float(float(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value))


def _format_float(number: float) -> str:
    if math.isnan(number):
        return ""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def frame_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every value turned into text by :func:`format_value`."""
    return pd.DataFrame(
        {column: [format_value(v) for v in frame[column]] for column in frame.columns},
        index=frame.index,
        dtype=object,
    )


def needs_repair(values: Sequence[str], raw_encoding: str) -> bool:
    """Tell whether ``values`` may be legacy Vietnamese text read as ``raw_encoding``.

    Text decoded from unknown bytes (Latin-1) needs a look as soon as it is not ASCII. Text that
    is Unicode already (cp1252: typed on Windows with a legacy font) needs one only when every
    value could be such bytes and some character is neither ASCII nor a Vietnamese letter
    (TCVN3's "L¹ng S¬n" for "Lạng Sơn").

    >>> needs_repair(["L\u00b9ng S\u00acn"], "cp1252"), needs_repair(["Lạng Sơn"], "cp1252")
    (True, False)
    """
    suspicious = False
    for value in values:
        try:
            value.encode(raw_encoding)
        except UnicodeEncodeError:
            return False
        if raw_encoding == "latin-1":
            suspicious = suspicious or not value.isascii()
        else:
            suspicious = suspicious or any(
                ord(ch) > 127 and ch not in VIETNAMESE_LETTERS and ch not in _SAFE_SYMBOLS
                for ch in value
            )
    return suspicious


def share_of_vietnamese(text: str) -> float:
    """Share of non-ASCII characters in NFC ``text`` that are Vietnamese letters or safe symbols.

    >>> share_of_vietnamese("Lạng Sơn"), share_of_vietnamese("L\u00b9ng S\u00acn")
    (1.0, 0.0)
    """
    others = [ch for ch in unicodedata.normalize("NFC", text) if ord(ch) > 127]
    if not others:
        return 1.0
    good = sum(ch in VIETNAMESE_LETTERS or ch in _SAFE_SYMBOLS for ch in others)
    return good / len(others)


@dataclass(frozen=True)
class Repair:
    """Outcome of :func:`repair_legacy_text`."""

    frame: pd.DataFrame
    found: dict[Hashable, str]
    problems: list[Problem]


def repair_legacy_text(frame: pd.DataFrame, raw_encoding: str, row_offset: int) -> Repair:
    """Convert the TCVN3/VNI/VISCII (or double-encoded UTF-8) columns of ``frame`` to NFC.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text values as decoded with ``raw_encoding`` (Latin-1 for raw bytes, cp1252 for text
        typed on Windows with a legacy font and saved as Unicode).
    raw_encoding : str
        How the legacy bytes became the text in ``frame``.
    row_offset : int
        The user's row number of ``frame``'s first row.

    Returns
    -------
    Repair
        The frame with converted columns, the encoding of each column whose text changed, and
        the values that could not be decided (left as read), for :func:`raise_problems`.
    """
    columns = [c for c in frame.columns if needs_repair(_texts(frame[c]), raw_encoding)]
    if not columns:
        return Repair(frame, {}, [])
    report = repair_text_columns(frame, columns, raw_encoding=raw_encoding, row_offset=row_offset)
    found = {
        column: str(encoding)
        for column, encoding in report.encodings.items()
        if encoding not in (None, "ascii") and not report.frame[column].equals(frame[column])
    }
    repaired = report.frame.map(
        lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
    )
    return Repair(repaired, found, list(report.problems))


def _texts(values: pd.Series) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def raise_problems(problems: Sequence[Problem], names: Mapping[Hashable, str]) -> None:
    """Raise the first undecided value as :class:`LegacyEncoding`, if there is one.

    ``names`` gives the column name for each frame column (a header may need repair itself).
    The error's ``problems`` holds every undecided value, its column named, for the import report.
    """
    if not problems:
        return
    named = [
        replace(problem, field=names.get(problem.field, str(problem.field)))
        for problem in problems
    ]
    for problem in named:
        logger.info("legacy text not decided: row %s field %s", problem.row, problem.field)
    raise LegacyEncoding.from_problem(named[0], named)


def problem_notes(problems: Sequence[Problem], names: Mapping[Hashable, str]) -> list[str]:
    """One note per column whose odd-looking values were left as typed.

    >>> problem_notes([], {})
    []
    """
    counts: dict[str, int] = {}
    for problem in problems:
        name = names.get(problem.field, str(problem.field))
        counts[name] = counts.get(name, 0) + 1
    return [
        f"column {name}: {count} value(s) look like an old Vietnamese font encoding but could "
        "not be converted; left as typed"
        for name, count in counts.items()
    ]


def describe_repairs(
    found: Mapping[Hashable, str], labels: Mapping[Hashable, str]
) -> tuple[str | None, list[str]]:
    """Return the main legacy encoding found and one note per converted column.

    >>> describe_repairs({0: "tcvn3"}, {0: "ten_xa"})
    ('tcvn3', ['column ten_xa converted from TCVN3 (ABC)'])
    """
    notes = [
        f"column {labels.get(column, column)} converted from {ENCODING_NAMES.get(enc, enc)}"
        for column, enc in found.items()
    ]
    encodings = list(found.values())
    main = max(dict.fromkeys(encodings), key=encodings.count) if encodings else None
    return main, notes
