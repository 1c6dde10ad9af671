"""Spreadsheet exports (CSV, XLSX) of plain tables, guarded against formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from geodata.rawtable import format_value

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
# ref: OWASP "CSV Injection": cells starting with these are run as formulas by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def safe_cell(value: Any) -> Any:
    """Return ``value`` made safe to open in a spreadsheet.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
    apostrophe, as OWASP's "CSV Injection" page recommends, so Excel and LibreOffice show it as
    text instead of running it (``=HYPERLINK(...)``, ``=cmd|...``). Numbers are never changed;
    only text is, so a negative number stays a number. Reading the file back gives the text with
    its apostrophe: the export favours the safety of whoever opens it over a byte-exact round trip.

    >>> safe_cell("=1+1"), safe_cell("-5"), safe_cell(-5), safe_cell("Lạng Sơn")
    ("'=1+1", "'-5", -5, 'Lạng Sơn')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def plain_value(value: Any) -> Any:
    """Return a Python value for a cell: numpy scalars unwrapped, missing values ``None``.

    >>> plain_value(np.int64(3)), plain_value(float("nan")), plain_value(pd.NaT)
    (3, None, None)
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def table_columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    """Return ``columns`` or every key of ``rows`` in the order first seen."""
    if columns is not None:
        return list(columns)
    return list(dict.fromkeys(key for row in rows for key in row))


def write_table_csv(
    rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str] | None = None
) -> bytes:
    """Return ``rows`` as CSV in UTF-8 with a BOM, so Excel shows Vietnamese letters.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row, column name to value.
    columns : sequence of str, optional
        Column order; every key of ``rows`` in the order first seen if not given.
    """
    names = table_columns(rows, columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(unicodedata.normalize("NFC", n)) for n in names])
    for row in rows:
        writer.writerow([format_value(safe_cell(plain_value(row.get(n)))) for n in names])
    return buffer.getvalue().encode("utf-8-sig")


def write_table_xlsx(
    rows: Sequence[Mapping[str, Any]],
    sheet: str,
    *,
    columns: Sequence[str] | None = None,
    field_labels: Mapping[str, str] | None = None,
) -> bytes:
    r"""Return ``rows`` as an XLSX workbook: bold frozen header, sized columns, typed cells.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row, column name to value. Numbers stay numbers, dates become Excel
        dates, text is guarded by :func:`safe_cell`; no cell is ever a formula.
    sheet : str
        Worksheet name (cut to Excel's 31 characters, without ``[]:*?/\``).
    columns : sequence of str, optional
        Column order; every key of ``rows`` in the order first seen if not given.
    field_labels : mapping, optional
        Column name to a human label, listed on a second sheet ``fields``.
    """
    names = table_columns(rows, columns)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = _sheet_title(sheet)
    _fill_sheet(worksheet, names, ([row.get(n) for n in names] for row in rows))
    if field_labels:
        fields = workbook.create_sheet("fields")
        pairs = ([n, field_labels.get(n, "")] for n in names)
        _fill_sheet(fields, ["field", "label"], pairs)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_sheet(worksheet: Any, names: list[str], rows: Iterable[list[Any]]) -> None:
    bold = Font(bold=True)
    widths = [len(n) for n in names]
    worksheet.append([_xlsx_value(n) for n in names])
    for cell in worksheet[1]:
        cell.font = bold
    for values in rows:
        cells = [_xlsx_value(v) for v in values]
        worksheet.append(cells)
        for index, value in enumerate(cells):
            widths[index] = max(widths[index], len(format_value(value)))
    for row in worksheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime) and cell.value.time() != dt.time(0):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    worksheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)


def _xlsx_value(value: Any) -> Any:
    value = plain_value(value)
    if value is None or isinstance(value, bool | dt.date | dt.time):
        return value
    if isinstance(value, numbers.Real):
        return value
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else str(value))
    # openpyxl refuses control characters that XML 1.0 cannot hold; they carry no meaning here.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", text))


def _sheet_title(name: str) -> str:
    """Return ``name`` as a valid worksheet title.

    >>> _sheet_title("progress/2025: [x]")
    'progress_2025_ _x_'
    """
    title = _SHEET_FORBIDDEN.sub("_", unicodedata.normalize("NFC", name)).strip("'")[:31]
    return title or "data"
