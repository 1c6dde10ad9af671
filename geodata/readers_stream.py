"""CSV and XLSX read once into compact rows, then handed out as tables of a few thousand rows.

:func:`read_table_chunks` gives the same tables as :func:`geodata.readers.read_table`, cut
into chunks of rows, without ever holding a whole sheet as Python cells: each non-blank row is
kept as one UTF-8 ``bytes`` (its cells joined by a separator), about a seventh of a list of
``str``. The header, the title rows above it and the group, subtotal and signature rows are
found on these rows by :func:`geodata.sheet_layout.office_layout`, exactly as for a whole sheet.

A file that needs more than that (a legacy font to repair, a text encoding other than UTF-8, a
cell holding the separator, a GIS format) is read whole by :func:`read_table` and cut after.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
import warnings
import zipfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

import pyproj

from geodata.archives import DEFAULT_MAX_UNPACKED, check_archive
from geodata.rawtable import _SAFE_SYMBOLS, VIETNAMESE_LETTERS, RawTable, format_value
from geodata.readers import read_table, source_format_of
from geodata.readers_sheets import (
    _FIELD_LIMIT,
    _check_unique,
    _has_formulas,
    _pick_sheet,
    _sniff_delimiter,
    refuse_uncomputed,
)
from geodata.sheet_layout import OfficeLayout, office_layout

#: Rows per chunk: enough for vectorised checks, little enough to keep memory flat.
CHUNK_ROWS = 5000
_SEP = "\x1f"  # the unit separator: never typed in a cell (a cell holding it is read whole)
_ROW = "\x1e"  # the record separator, between the rows of a block
_BLOCK = 1000  # rows per compressed block
# A character a legacy-font repair would look at (`rawtable.needs_repair`): not ASCII, not a
# Vietnamese letter, not a harmless symbol. A file without any needs no repair at all.
_SUSPICIOUS = re.compile(
    "[^\x00-\x7f" + re.escape("".join(sorted(VIETNAMESE_LETTERS | _SAFE_SYMBOLS))) + "]"
)


class _ReadWhole(Exception):  # noqa: N818 - a signal, not an error
    """The compact reading cannot give the same table: read the file whole."""


@dataclass(frozen=True)
class TableChunks:
    """A file read as tables of at most ``size`` rows (:class:`RawTable` each).

    ``notes`` (what the reader converted or skipped) travel with the first chunk only, as
    they are about the whole file; ``rows`` counts every record row.
    """

    source_format: str
    rows: int
    size: int
    _chunks: Iterator[RawTable]

    def __iter__(self) -> Iterator[RawTable]:
        return self._chunks


def read_table_chunks(
    path: str | Path, *, sheet: str | None = None, crs: pyproj.CRS | str | None = None,
    max_unpacked: int = DEFAULT_MAX_UNPACKED, size: int = CHUNK_ROWS,
) -> TableChunks:  # fmt: skip
    """Read a file as :func:`geodata.readers.read_table` does, handed out in chunks of rows.

    Every reading problem (a damaged file, a missing header, undecidable legacy text) is raised
    here, before the first chunk is handed out.
    """
    path = Path(path)
    source_format = source_format_of(path)
    try:
        if path.is_file() and path.stat().st_size and source_format in ("csv", "xlsx"):
            return _compact(path, source_format, sheet, max_unpacked, size)
    except _ReadWhole:
        pass
    table = read_table(path, sheet=sheet, crs=crs, max_unpacked=max_unpacked)
    return TableChunks(source_format, len(table.frame), size, _slices(table, size))


def _slices(table: RawTable, size: int) -> Iterator[RawTable]:
    """Cut a whole table into chunks (notes on the first)."""
    for start in range(0, max(len(table.frame), 1), size):
        stop = start + size
        geometry = None if table.geometry is None else table.geometry.iloc[start:stop]
        yield replace(
            table, frame=table.frame.iloc[start:stop].reset_index(drop=True),
            geometry=None if geometry is None else geometry.reset_index(drop=True),
            row_numbers=table.row_numbers[start:stop], notes=table.notes if start == 0 else (),
        )  # fmt: skip


class CompactRows(Sequence):
    """Non-blank rows as ``(row number, cells)``, kept as zlib blocks of UTF-8 text.

    A row costs about 30 bytes instead of a list of ``str`` (about 700 bytes for nine cells);
    rows are read back mostly in order, so one block is unpacked at a time.
    """

    def __init__(self) -> None:
        self.numbers = array("q")
        self.width = 0
        self._blocks: list[bytes] = []
        self._pending: list[str] = []
        self._cached: tuple[int, list[str]] = (-1, [])

    def add(self, number: int, cells: list[str]) -> None:
        """Keep a row unless it is blank (its cells in NFC once its block is full or closed)."""
        joined = _SEP.join(cells)
        if joined.count(_SEP) != len(cells) - 1:
            raise _ReadWhole
        if not joined.strip():  # the separator is whitespace to str.strip
            return
        self.numbers.append(number)
        self._pending.append(joined)
        if len(cells) > self.width:
            self.width = len(cells)
        if len(self._pending) == _BLOCK:
            self._pack()

    def close(self) -> None:
        """Pack the last rows added: every row is then checked and in NFC."""
        if self._pending:
            self._pack()

    def _pack(self) -> None:
        """Check a block's rows (a repair or a separator inside a cell: read whole), pack it."""
        text = _ROW.join(self._pending)
        if text.count(_ROW) != len(self._pending) - 1 or _SUSPICIOUS.search(text):
            raise _ReadWhole
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        self._blocks.append(zlib.compress(text.encode("utf-8"), 1))
        self._pending = []

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        if isinstance(index, slice):
            return _View(self, range(len(self))[index])
        index = range(len(self))[index]
        return self.numbers[index], self._block(index // _BLOCK)[index % _BLOCK].split(_SEP)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        numbers = iter(self.numbers)
        for block in range(len(self._blocks) + 1):
            for text in self._block(block):
                yield next(numbers), text.split(_SEP)

    def _block(self, block: int) -> list[str]:
        """Return the rows of one block as text (the block being filled, or one unpacked)."""
        if block == len(self._blocks):
            return self._pending
        if self._cached[0] != block:
            unpacked = zlib.decompress(self._blocks[block]).decode("utf-8").split(_ROW)
            self._cached = (block, unpacked)
        return self._cached[1]

    def text_blocks(self, first: int = 0) -> Iterator[tuple[int, list[str]]]:
        """Yield the rows from position ``first`` on as ``(position, texts)``, block by block.

        A row's text is its cells joined by the separator, as kept (`office_layout` reads them
        so, a block at a time).
        """
        for block in range(first // _BLOCK, len(self._blocks) + 1):
            start = max(first, block * _BLOCK)
            texts = self._block(block)[start - block * _BLOCK :]
            if texts:
                yield start, texts

    def texts(self, positions: Sequence[int]) -> list[str]:
        """Return the rows at ``positions`` as kept: their cells joined by the separator."""
        return [self._block(p // _BLOCK)[p % _BLOCK] for p in positions]


@dataclass(frozen=True)
class _View(Sequence):
    rows: CompactRows
    span: range

    def __len__(self) -> int:
        return len(self.span)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        if isinstance(index, slice):
            return _View(self.rows, self.span[index])
        return self.rows[self.span[index]]


def _compact(
    path: Path, source_format: str, sheet: str | None, max_unpacked: int, size: int
) -> TableChunks:
    """Read a CSV or XLSX file into compact rows and cut its records into tables."""
    if source_format == "csv":
        rows, encoding, title, member = _csv_rows(path), _csv_encoding(path), None, None
    else:
        rows, title, member = _xlsx_rows(path, sheet, max_unpacked)
        encoding = "utf-8"
    if not len(rows):
        raise _ReadWhole  # the whole reader says why the file holds nothing
    layout = office_layout(rows)
    header, keep, notes = _columns(rows, layout)
    _check_unique([header[i] for i in keep], layout.header_row, path)
    if member is not None:
        _check_formulas(path, member, rows, layout.positions)
    names = [header[i] for i in keep]
    base = RawTable(frame=pd.DataFrame(), geometry=None, crs=None, row_numbers=[],
                    source_format=source_format, encoding=encoding, sheet=title,
                    notes=tuple(layout.notes + notes))  # fmt: skip
    chunks = _chunks(rows, layout.positions, keep, names, base, size)
    return TableChunks(source_format, len(layout.positions), size, chunks)


def _chunks(
    rows: CompactRows, positions: Sequence[int], keep: list[int], names: list[str], base: RawTable,
    size: int,
) -> Iterator[RawTable]:  # fmt: skip
    """Hand out the records as tables of ``size`` rows (one empty table for a sheet without)."""
    for start in range(0, max(len(positions), 1), size):
        part = positions[start : start + size]
        yield replace(base, frame=_frame_of(rows.texts(part), keep, names),
                      row_numbers=[rows.numbers[p] for p in part],
                      notes=base.notes if start == 0 else ())  # fmt: skip


def _frame_of(texts: list[str], keep: list[int], names: list[str]) -> pd.DataFrame:
    """Return :func:`_frame` of rows kept as text; rows all as wide are cut in one pass."""
    widths = set(map(str.count, texts, repeat(_SEP)))
    if len(widths) == 1 and (width := widths.pop() + 1) > max(keep, default=-1):
        cells = _SEP.join(texts).split(_SEP)  # row after row, ``width`` cells each
        data = {names[k]: cells[i::width] for k, i in enumerate(keep)}
        return pd.DataFrame(data, columns=names, dtype=object)
    return _frame([text.split(_SEP) for text in texts], keep, names)


def _frame(cells: list[list[str]], keep: list[int], names: list[str]) -> pd.DataFrame:
    """Return the kept columns of rows of cells as a frame of text (an absent cell is "")."""
    if cells and min(map(len, cells)) > max(keep, default=-1):  # every row has every cell
        by_column = list(zip(*cells, strict=False))
        data = {names[k]: list(by_column[i]) for k, i in enumerate(keep)}
    else:
        data = {names[k]: [c[i] if i < len(c) else "" for c in cells]
                for k, i in enumerate(keep)}  # fmt: skip
    return pd.DataFrame(data, columns=names, dtype=object)


def _columns(rows: CompactRows, layout: OfficeLayout) -> tuple[list[str], list[int], list[str]]:
    """Return the header names, the columns kept and notes (as `readers_sheets.table_from_grid`)."""
    width = max(rows.width, len(layout.header))
    header = layout.header + [""] * (width - len(layout.header))
    unnamed = [i for i, name in enumerate(header) if not name]
    filled: set[int] = set()
    if unnamed:
        for p in layout.positions:
            cells = rows[p][1]
            filled |= {i for i in unnamed if i < len(cells) and cells[i].strip()}
    keep, notes = [], []
    for index, name in enumerate(header):
        if name:
            keep.append(index)
        elif index in filled:
            header[index] = f"column_{index + 1}"
            notes.append(f"column {index + 1} has values but no header; named {header[index]}")
            keep.append(index)
    return header, keep, notes


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        return "utf-8-sig" if handle.read(3) == codecs.BOM_UTF8 else "utf-8"


def _csv_rows(path: Path) -> CompactRows:
    """Read a UTF-8 CSV row by row; any other encoding is left to the whole reader."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _ReadWhole
    encoding = _csv_encoding(path)
    rows = CompactRows()
    try:
        with path.open(encoding=encoding, newline="") as handle:
            head = handle.read(1 << 16)
            lines = head.splitlines()
            first = next((i for i, line in enumerate(lines) if line.strip()), None)
            if first is None or first + 1 >= len(lines):  # the header line must be complete
                raise _ReadWhole
            delimiter = _sniff_delimiter(head)
            handle.seek(0)
            csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
            reader = csv.reader(handle, delimiter=delimiter)
            for number, record in enumerate(reader, start=1):
                rows.add(number, record)
            rows.close()
    except (UnicodeDecodeError, csv.Error):
        raise _ReadWhole from None  # the whole reader decodes it otherwise, or says where
    return rows


def _xlsx_rows(path: Path, sheet: str | None, max_unpacked: int) -> tuple[CompactRows, str, str]:
    """Stream one worksheet's rows (openpyxl read-only: never the whole workbook in memory)."""
    try:
        check_archive(path, max_unpacked)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _ReadWhole from None  # the whole reader says what is wrong
    rows = CompactRows()
    try:
        worksheet = _pick_sheet(workbook, sheet, path)
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            rows.add(number, [format_value(v) for v in values])
        rows.close()
        title, member = worksheet.title, worksheet._worksheet_path
    finally:
        workbook.close()
    return rows, title, member


def _check_formulas(path: Path, member: str, rows: CompactRows, positions: Sequence[int]) -> None:
    """Refuse record rows holding formulas Excel never computed (`readers_sheets`' check)."""
    if not _has_formulas(path):
        return
    empty = set()
    for p in positions:
        number, cells = rows[p]
        empty |= {(number, c + 1) for c, v in enumerate(cells) if v == ""}
    if not empty:
        return
    refuse_uncomputed(path, member, empty)


__all__ = ["CHUNK_ROWS", "TableChunks", "read_table_chunks"]
