"""CSV and XLSX readers: every value as text, rows numbered as the spreadsheet shows them."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Hashable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.exceptions import InvalidFileException

from geodata.archives import DEFAULT_MAX_UNPACKED, check_archive
from geodata.errors import GeodataError
from geodata.problems import Problem
from geodata.rawtable import (
    RawTable,
    describe_repairs,
    format_value,
    problem_notes,
    raise_problems,
    repair_legacy_text,
    share_of_vietnamese,
    user_error,
)
from geodata.sheet_layout import split_office_sheet

logger = logging.getLogger(__name__)

_DELIMITERS = (",", ";", "\t")
# A file that is not UTF-8 is read as cp1258 when nearly every non-ASCII character it gives is
# a Vietnamese letter; TCVN3/VNI/VISCII bytes seen through cp1258 give symbols like ¹ ¬ ÷.
_CP1258_SHARE = 0.9
# WKT of a commune polygon easily passes the csv module's default 128 KiB per field.
_FIELD_LIMIT = 64 * 1024 * 1024

Grid = list[list[str]]
# The problem code of a formula cell saved without its value.
UNCOMPUTED_FORMULA = "uncomputed_formula"


def read_csv_table(path: Path) -> RawTable:
    """Read a CSV file (UTF-8, UTF-16, cp1258 or legacy TCVN3/VNI/VISCII) as text."""
    raw = path.read_bytes()
    if not raw.strip():
        raise _empty_file(path)
    text, encoding, raw_encoding = _decode(raw, path)
    delimiter = _sniff_delimiter(text)
    grid = _parse_csv(text, delimiter, path)
    found: dict[Hashable, str] = {}
    left: list[str] = []
    if raw_encoding is not None:
        grid, found, left = _repair_grid(grid, raw_encoding)
    if encoding == "latin-1" and not found:
        # No legacy font found: Windows Vietnamese is then the likeliest code page.
        try:
            grid, encoding = _parse_csv(raw.decode("cp1258"), delimiter, path), "cp1258"
        except UnicodeDecodeError:
            pass
    return _grid_table(grid, path, found, left, source_format="csv", encoding=encoding, sheet=None)


def read_xlsx_table(
    path: Path, sheet: str | None, max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> RawTable:
    """Read one worksheet of an XLSX workbook as text, keeping Excel's row numbers.

    The workbook is a zip: its members' real sizes and compression are checked first
    (`geodata.archives.check_archive`, ``max_unpacked`` bytes in all), so a workbook bomb is
    refused before openpyxl parses a byte of it.
    """
    try:
        check_archive(path, max_unpacked)
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it skips (data validation, slicers...);
            # none of them change cell values.
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        logger.warning("cannot open %s as XLSX: %r", path, exc)
        raise user_error(
            GeodataError,
            f"{path.name} is not an Excel workbook (.xlsx) or is damaged; "
            "save it again from Excel as .xlsx.",
            f"{path.name} không phải sổ tính Excel (.xlsx) hoặc bị hỏng; "
            "hãy lưu lại từ Excel dưới dạng .xlsx.",
        ) from None
    try:
        worksheet = _pick_sheet(workbook, sheet, path)
        # Some writers store a wrong sheet size; read every row that is really there.
        worksheet.reset_dimensions()
        grid = [[format_value(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
        title, member = worksheet.title, worksheet._worksheet_path
    finally:
        workbook.close()
    grid, found, left = _repair_grid(grid, "cp1252")
    table = _grid_table(grid, path, found, left, source_format="xlsx", encoding="utf-8",
                        sheet=title)  # fmt: skip
    _check_formulas(path, member, grid, table)
    return table


def _check_formulas(path: Path, member: str, grid: Grid, table: RawTable) -> None:
    """Refuse a record row holding a formula that Excel never computed (no cached value).

    Formulas are read as the values Excel saved with them (``data_only``); a workbook written
    by a program other than Excel may have none, and an empty cell would silently stand in.
    The workbook is parsed once: when a record row has empty cells and the sheets hold
    formulas at all, the sheet's XML (``member``) is scanned for formula cells with no value.
    """
    rows = set(table.row_numbers)
    empty = {
        (r, c + 1) for r in rows if r <= len(grid) for c, v in enumerate(grid[r - 1]) if v == ""
    }
    if not empty or not _has_formulas(path):
        return
    refuse_uncomputed(path, member, empty)


def refuse_uncomputed(path: Path, member: str, empty: set[tuple[int, int]]) -> None:
    """Refuse the sheet when an ``empty`` (row, column) cell holds a formula never computed."""
    cells = [cell for cell in _uncomputed_cells(path, member) if coordinate_to_tuple(cell) in empty]
    if not cells:
        return
    problems = [
        Problem(
            int(re.sub(r"[A-Z]+", "", cell)), cell, None,
            f"Cell {cell} holds a formula with no computed value: open the file in Excel "
            "and save it again",
            f"Ô {cell} chứa công thức nhưng chưa có giá trị: hãy mở tệp bằng Excel rồi lưu lại",
            UNCOMPUTED_FORMULA,
        )
        for cell in cells
    ]  # fmt: skip
    raise GeodataError.from_problem(problems[0], problems)


def _uncomputed_cells(path: Path, member: str) -> list[str]:
    """Return the references of a sheet's cells that hold a formula and no value (streamed)."""
    found = []
    with zipfile.ZipFile(path) as bundle, bundle.open(member.lstrip("/")) as sheet:
        for _event, element in ElementTree.iterparse(sheet):
            if element.tag.rsplit("}", 1)[-1] != "c":
                continue
            parts = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            value = parts.get("v")
            if "f" in parts and (value is None or not (value.text or "").strip()):
                found.append(element.get("r", ""))
            element.clear()
    return [cell for cell in found if cell]


def _has_formulas(path: Path) -> bool:
    """Tell whether any worksheet of the workbook holds a formula (an ``<f>`` element).

    A byte scan of the sheets' XML, so that the common workbook without formulas is not
    parsed a second time.
    """
    with zipfile.ZipFile(path) as bundle:
        for name in bundle.namelist():
            if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                continue
            with bundle.open(name) as sheet:
                tail = b""
                while chunk := sheet.read(1 << 20):
                    if re.search(rb"<(?:\w+:)?f[ >/]", tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _grid_table(
    grid: Grid,
    path: Path,
    found: dict[Hashable, str],
    left: list[str],
    *,
    source_format: str,
    encoding: str,
    sheet: str | None,
) -> RawTable:
    """Build the table of a repaired grid; a legacy font found names the encoding."""
    header, frame, row_numbers, notes = table_from_grid(grid, path)
    legacy, repair_notes = describe_repairs(found, dict(enumerate(header)))
    return RawTable(
        frame=frame,
        geometry=None,
        crs=None,
        row_numbers=row_numbers,
        source_format=source_format,
        encoding=legacy or encoding,
        sheet=sheet,
        notes=tuple(repair_notes + left + notes),
    )


def _pick_sheet(workbook: Any, sheet: str | None, path: Path) -> Any:
    names = [ws.title for ws in workbook.worksheets]
    if not names:
        raise user_error(
            GeodataError,
            f"{path.name} has no worksheet.",
            f"{path.name} không có trang tính nào.",
        )
    if sheet is None:
        return workbook.worksheets[0]
    wanted = unicodedata.normalize("NFC", sheet)
    for worksheet in workbook.worksheets:
        if unicodedata.normalize("NFC", worksheet.title) == wanted:
            return worksheet
    listed = ", ".join(names)
    raise user_error(
        GeodataError,
        f"{path.name} has no sheet named {sheet!r}; its sheets are: {listed}.",
        f"{path.name} không có trang tính tên {sheet!r}; các trang tính: {listed}.",
        field=sheet,
    )


def _decode(raw: bytes, path: Path) -> tuple[str, str, str | None]:
    """Return the text, the encoding used and the raw encoding to check for legacy fonts."""
    if raw.startswith(codecs.BOM_UTF8):
        return _decode_strict(raw[len(codecs.BOM_UTF8):], "utf-8", path), "utf-8-sig", "cp1252"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_strict(raw, "utf-16", path), "utf-16", "cp1252"
    try:
        # Text typed with a legacy font and saved as UTF-8 still needs the legacy check.
        return raw.decode("utf-8"), "utf-8", "cp1252"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and share_of_vietnamese(text) >= _CP1258_SHARE:
        return text, "cp1258", None
    return raw.decode("latin-1"), "latin-1", "latin-1"


def _decode_strict(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        logger.warning("%s: byte order mark says %s but %r", path, encoding, exc)
        raise user_error(
            GeodataError,
            f"{path.name} starts with a {encoding.upper()} mark but its text is not "
            f"{encoding.upper()}; save it again as CSV UTF-8.",
            f"{path.name} có dấu {encoding.upper()} ở đầu tệp nhưng nội dung không phải "
            f"{encoding.upper()}; hãy lưu lại dưới dạng CSV UTF-8.",
        ) from None


def _sniff_delimiter(text: str) -> str:
    r"""Pick the delimiter that splits the header line most.

    Only the header is used: values may hold decimal commas (``21,85``) under ``;``.

    >>> _sniff_delimiter("ten;lat;lon\nA;21,8;106,7"), _sniff_delimiter('"a,b"\tc\n')
    (';', '\t')
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def _parse_csv(text: str, delimiter: str, path: Path) -> Grid:
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(record) for record in reader]
    except csv.Error as exc:
        logger.warning("%s: CSV error near line %s: %r", path, reader.line_num, exc)
        raise user_error(
            GeodataError,
            f"{path.name} is not valid CSV near line {reader.line_num} "
            "(check quotes and delimiters).",
            f"{path.name} không đúng định dạng CSV gần dòng {reader.line_num} "
            "(kiểm tra dấu ngoặc kép và dấu phân cách).",
            row=reader.line_num,
        ) from None


def _repair_grid(grid: Grid, raw_encoding: str) -> tuple[Grid, dict[Hashable, str], list[str]]:
    """Repair legacy-font columns of the whole grid, header included (row 1 is index 0).

    Undecided values of bytes that are no valid text (``latin-1``) stop the import; in text
    that is valid Unicode already they are left as typed and noted.
    """
    width = max((len(r) for r in grid), default=0)
    if not width or all(c.isascii() for r in grid for c in r):
        return grid, {}, []
    padded = pd.DataFrame([r + [""] * (width - len(r)) for r in grid], dtype=object)
    repair = repair_legacy_text(padded, raw_encoding, row_offset=1)
    repaired = [list(r) for r in repair.frame.itertuples(index=False)] if repair.found else grid
    header = next((r for r in repaired if any(c.strip() for c in r)), [])
    names = {i: c.strip() for i, c in enumerate(header) if c.strip()}
    if raw_encoding == "latin-1":
        raise_problems(repair.problems, names)
    return repaired, repair.found, problem_notes(repair.problems, names)


def table_from_grid(grid: Grid, path: Path) -> tuple[list[str], pd.DataFrame, list[int], list[str]]:
    """Split a grid of cells into header, frame and the rows' spreadsheet numbers.

    The header is the first row with a few text cells (title, motto and agency rows above it
    are skipped, a two-level header is read as one; see :mod:`geodata.sheet_layout`), group,
    subtotal and signature rows below it are left out with a note; fully empty rows are skipped
    but keep their numbers. Columns with no header and no value are dropped; a header-less
    column with values is named ``column_N`` (N counts from 1) and noted.

    Returns
    -------
    tuple
        Header names per grid column, the frame, the row numbers and notes.
    """
    rows = [
        (number, [unicodedata.normalize("NFC", c) for c in cells])
        for number, cells in enumerate(grid, start=1)
        if any(c.strip() for c in cells)
    ]
    if not rows:
        raise user_error(
            GeodataError,
            f"{path.name} has no header row: the file holds no values.",
            f"{path.name} không có dòng tiêu đề: tệp không có dữ liệu.",
        )
    sheet = split_office_sheet(rows)
    header_row, data = sheet.header_row, sheet.data
    width = max(len(cells) for _, cells in rows)
    width = max(width, len(sheet.header))
    header = sheet.header + [""] * (width - len(sheet.header))
    notes: list[str] = list(sheet.notes)
    keep: list[int] = []
    for index, name in enumerate(header):
        if name:
            keep.append(index)
        elif any(index < len(cells) and cells[index].strip() for _, cells in data):
            header[index] = f"column_{index + 1}"
            notes.append(f"column {index + 1} has values but no header; named {header[index]}")
            keep.append(index)
    _check_unique([header[i] for i in keep], header_row, path)
    records = {
        header[i]: [cells[i] if i < len(cells) else "" for _, cells in data] for i in keep
    }
    frame = pd.DataFrame(records, columns=[header[i] for i in keep], dtype=object)
    return header, frame, [number for number, _ in data], notes


def _check_unique(names: list[str], header_row: int, path: Path) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise user_error(
                GeodataError,
                f"{path.name}: column {name!r} appears twice in the header (row {header_row}).",
                f"{path.name}: cột {name!r} xuất hiện hai lần ở dòng tiêu đề "
                f"(dòng {header_row}).",
                row=header_row,
                field=name,
            )
        seen.add(name)


def _empty_file(path: Path) -> GeodataError:
    return user_error(
        GeodataError,
        f"{path.name} is empty.",
        f"Tệp {path.name} trống.",
    )
