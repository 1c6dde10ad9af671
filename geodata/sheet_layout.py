"""Spreadsheets laid out as provincial offices lay out their reports.

Above the table: the agency and the national motto ("ỦY BAN NHÂN DÂN…", "CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"), a title and an "Đơn vị tính" line. Then a
header, often on two levels ("Vị trí" merged over "Kinh độ" and "Vĩ độ"), sometimes a row
numbering the columns ("(1)", "(2)", …). In the table: group rows headed by a Roman numeral
(I, II, …) and subtotal rows ("Cộng", "Tổng cộng"). Below it: the place and date, and the
signatures. :func:`split_office_sheet` finds the header and keeps only the records, saying
which rows it left out and why.
"""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from geodata.sheet_blocks import SHORT_ROW, maybe_not_records
from geodata.text import fold

# (row number, cells)
Row = tuple[int, list[str]]

_ROMAN = re.compile(r"^[ivxlc]+\s*[.)]?$")
_SUBTOTAL = re.compile(r"^(tong cong|tong so|cong|tong)\b\s*[:.]?\s*(\(?[ivxlc0-9]+\)?)?$")
_GRAND_TOTAL = re.compile(r"^tong cong\b")
_NUMBERING = re.compile(r"^\(?\d+\)?$")
_SIGNATURE = re.compile(
    r"nguoi lap|lap bieu|ky ten|ky, ghi ro|ky ghi ro|noi nhan|thu truong|"
    r"\b(tm|kt|tl|tuq)\.\s|chu tich|giam doc|ngay\s*\S*\s*thang\s*\S*\s*nam"
)
# A header has at least this many filled cells (fewer in a table narrower than this).
_HEADER_CELLS = 3
# Signature and group rows fill at most this many cells.
_SHORT_ROW = SHORT_ROW


@dataclass
class OfficeSheet:
    """A sheet's header and records, and what was left out around them."""

    header_row: int
    header: list[str]
    data: list[Row]
    notes: list[str] = field(default_factory=list)


def _filled(cells: list[str]) -> list[int]:
    return [i for i, c in enumerate(cells) if c.strip()]


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+([.,]\d+)?", text.strip()))


def _header_index(rows: Sequence[Row]) -> int:
    """Return the index of the header: the first row with a few cells, not all numbers.

    A table narrower than that has its header in its first row.
    """
    for index, (_, cells) in enumerate(rows):
        filled = _filled(cells)
        if len(filled) >= _HEADER_CELLS and not all(_is_number(cells[i]) for i in filled):
            return index
    return 0


def _sub_header(header: list[str], cells: list[str]) -> bool:
    """Tell whether ``cells`` is the lower level of a two-level header.

    It fills a column whose upper cell is empty (merged across) and holds no number.
    """
    filled = _filled(cells)
    if len(_filled(header)) < _HEADER_CELLS or not filled:
        return False
    if any(_is_number(cells[i]) for i in filled):
        return False
    return any(i >= len(header) or not header[i].strip() for i in filled)


def _join_levels(header: list[str], lower: list[str]) -> list[str]:
    """Name each column "upper / lower" where both levels are given, else by the one given.

    >>> _join_levels(["STT", "Vị trí", "", "Ghi chú"], ["", "Kinh độ", "Vĩ độ", ""])
    ['STT', 'Vị trí / Kinh độ', 'Vị trí / Vĩ độ', 'Ghi chú']
    """
    width = max(len(header), len(lower))
    upper = [c.strip() for c in header] + [""] * (width - len(header))
    below = [c.strip() for c in lower] + [""] * (width - len(lower))
    names, parent = [], ""
    for top, bottom in zip(upper, below, strict=True):
        parent = top or parent
        if bottom:
            names.append(f"{parent} / {bottom}" if parent else bottom)
        else:
            names.append(top)
    return names


def _numbering(cells: list[str]) -> bool:
    """Tell whether a row numbers the columns: "(1)", "(2)", "(3)"… or 1, 2, 3….

    >>> _numbering(["(1)", "(2)", "(3)"]), _numbering(["1", "20", "3"])
    (True, False)
    """
    filled = [cells[i].strip() for i in _filled(cells)]
    if len(filled) < _HEADER_CELLS or not all(_NUMBERING.match(c) for c in filled):
        return False
    values = [int(c.strip("()")) for c in filled]
    return all(b == a + 1 for a, b in zip(values, values[1:], strict=False))


def _kind(cells: list[str]) -> str | None:
    """Return why a row below the header is not a record, or None for a record.

    Signature and group rows are short (a few cells); a longer row naming a director or a
    Roman numeral is a record and stays one.
    """
    if sum(map(bool, map(str.strip, cells))) > _SHORT_ROW:  # only a subtotal row may be long
        return "subtotal" if any(map(_is_total, _total_candidates(cells))) else None
    filled = _filled(cells)
    texts = [fold(cells[i]).strip() for i in filled]
    if any(_SIGNATURE.search(text) for text in texts):
        return "signature"
    if any(_SUBTOTAL.match(text) or _GRAND_TOTAL.match(text) for text in texts):
        return "subtotal"
    if texts and _ROMAN.match(texts[0]) and filled[0] == 0:
        return "group"
    return None


_CELL_SEP = "\x1f"
# A cell that may read "Cộng"/"Tổng": its first character past any space is t, T, c, C or not
# ASCII (what `_is_total` looks at first). ``\x1f`` separates the cells; it is space to ``\s``.
_MAY_BE_TOTAL = re.compile("(?:^|\x1f)([^\\S\x1f]*[tTcC\u0080-\U0010ffff][^\x1f]*)")


def _total_candidates(cells: list[str]) -> list[str]:
    """Return the cells `_is_total` needs to look at: the others cannot read "Cộng", "Tổng".

    >>> _total_candidates(["12", "Bản Nà Lạn", " Tổng cộng", "Đã phát sóng", "cộng"])
    [' Tổng cộng', 'Đã phát sóng', 'cộng']
    """
    joined = _CELL_SEP.join(cells)
    if joined.count(_CELL_SEP) != len(cells) - 1:  # a cell holds the separator: all of them
        return cells
    return _MAY_BE_TOTAL.findall(joined)


@functools.lru_cache(maxsize=4096)  # a status column repeats a few words on every row
def _is_total(cell: str) -> bool:
    """Tell whether a cell reads "Cộng", "Tổng cộng"…; folded only if it may start so.

    >>> _is_total(" Tổng cộng (I)"), _is_total("Cộng:"), _is_total("Bản Nà Lạn")
    (True, True, False)
    """
    head = cell.lstrip()[:1]
    if head.isascii() and head not in ("t", "T", "c", "C"):
        return False
    start = fold(cell.lstrip()[:12])  # a prefix of the folded cell: "Trong danh sách" is not
    if len(start) >= 4 and not start.startswith(("tong", "cong")):
        return False
    text = fold(cell).strip()
    return bool(_SUBTOTAL.match(text) or _GRAND_TOTAL.match(text))


def _classify(rows: Sequence[Row], position: int, skipped: dict[str, list[int]],
              positions: array) -> bool:
    """Keep the row at ``position`` as a record or note why it is left out; True at the end.

    The end is the signature block: short rows from there to the last row.
    """
    number, cells = rows[position]
    kind = _kind(cells)
    if kind == "signature" and not _short_to_the_end(rows[position:]):
        kind = None  # a record follows: this row is one too, checked like any other
    if kind == "signature":
        skipped["signature"] = [n for n, _ in rows[position:]]
        return True
    if kind is None:
        positions.append(position)
    else:
        skipped.setdefault(kind, []).append(number)
    return False


def _record_positions(rows: Sequence[Row], first: int, skipped: dict[str, list[int]]) -> array:
    """Return the positions of the records from ``first`` on, each row classified by `_kind`."""
    positions = array("q")  # 8 bytes a record
    for position in range(first, len(rows)):
        if _classify(rows, position, skipped, positions):
            break
    return positions


def record_positions_by_block(
    rows: Sequence[Row], blocks: Iterable[tuple[int, list[str]]], skipped: dict[str, list[int]]
) -> array:
    r"""Return the positions of the records, as `_record_positions` does, a block at a time.

    ``blocks`` are the rows from the first below the header on, as ``(position of the first,
    texts)``: each row's cells joined by ``\x1f``. Only the rows `maybe_not_records` names are
    classified one by one (`_classify`); the others are records.
    """
    positions = array("q")
    for start, texts in blocks:
        done = 0
        for index in maybe_not_records(texts):
            positions.extend(range(start + done, start + index))
            if _classify(rows, start + index, skipped, positions):
                return positions
            done = index + 1
        positions.extend(range(start + done, start + len(texts)))
    return positions


def _short_to_the_end(rest: Sequence[Row]) -> bool:
    """Tell whether no row of ``rest`` is longer than a signature row."""
    return all(len(_filled(cells)) <= _SHORT_ROW for _, cells in rest)


def _ranges(numbers: list[int]) -> str:
    """Write row numbers as ranges.

    >>> _ranges([1, 2, 3, 5, 8, 9])
    '1–3, 5, 8–9'
    """
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if number is not None:
            start = prev = number
    return ", ".join(parts)


_WHY = {
    "above": ("các dòng phía trên dòng tiêu đề (tên cơ quan, quốc hiệu, tên biểu, đơn vị tính)",
              "row(s) above the header (agency, national motto, title, unit)"),
    "numbering": ("dòng đánh số cột", "column numbering row(s)"),
    "group": ("dòng tên nhóm (đánh số La Mã)", "group row(s) (Roman numerals)"),
    "subtotal": ("dòng Cộng, Tổng cộng (không tính là bản ghi)",
                 "subtotal row(s) (Cộng, Tổng cộng; not records)"),
    "signature": ("phần ký tên cuối biểu", "the signature block below the table"),
}  # fmt: skip


def _note(kind: str, numbers: list[int]) -> str:
    vi, en = _WHY[kind]
    shown = _ranges(numbers)
    return f"Bỏ qua {vi}: dòng {shown} / Skipped {en}: row(s) {shown}"


def split_office_sheet(rows: Sequence[Row]) -> OfficeSheet:
    """Find the header in the non-blank ``rows`` and keep only the records below it."""
    layout = office_layout(rows)
    return OfficeSheet(layout.header_row, layout.header, [rows[p] for p in layout.positions],
                       layout.notes)  # fmt: skip


@dataclass
class OfficeLayout:
    """A sheet's header and the positions (in the non-blank rows) of its records."""

    header_row: int
    header: list[str]
    positions: Sequence[int]
    notes: list[str] = field(default_factory=list)


def office_layout(rows: Sequence[Row]) -> OfficeLayout:
    """Find the header in the non-blank ``rows`` and the positions of the records below it.

    ``rows`` may be any sequence (a lazy one decoding each row when asked): only the header,
    the rows around it and signature candidates are looked at twice. A sequence with a
    ``text_blocks(first)`` method (`geodata.readers_stream.CompactRows`) is read a block at a
    time (`record_positions_by_block`), with the same result.
    """
    start = _header_index(rows)
    header_row, header = rows[start]
    header = [c.strip() for c in header]
    skipped: dict[str, list[int]] = {"above": [number for number, _ in rows[:start]]}
    first = start + 1
    notes: list[str] = []
    if first < len(rows) and _sub_header(header, rows[first][1]):
        levels = (header_row, rows[first][0])
        header = _join_levels(header, rows[first][1])
        first += 1
        notes.append(
            f"Dòng tiêu đề gồm hai tầng (dòng {levels[0]}–{levels[1]}), đã ghép thành một / "
            f"Two-level header on rows {levels[0]}–{levels[1]} read as one"
        )
    if first < len(rows) and _numbering(rows[first][1]):
        skipped["numbering"] = [rows[first][0]]
        first += 1
    blocks = getattr(rows, "text_blocks", None)
    if blocks is None:
        positions = _record_positions(rows, first, skipped)
    else:
        positions = record_positions_by_block(rows, blocks(first), skipped)
    for kind in ("above", "numbering", "group", "subtotal", "signature"):
        if skipped.get(kind):
            notes.append(_note(kind, skipped[kind]))
    return OfficeLayout(header_row, header, positions, notes)
