"""Which rows of a block may not be records: a cheap test over a thousand rows at a time.

:func:`geodata.sheet_layout.office_layout` asks of every row below the header whether it is a
group, subtotal or signature row (``sheet_layout._kind``). Only two kinds of row can be any of
these: a short one (at most three cells filled) and one with a cell that reads "Cộng" or
"Tổng" once folded. :func:`maybe_not_records` finds both over a whole block of rows with a few
passes at C speed (one fold of the block's text, one search for blank cells), so that only
those rows are looked at one by one; every other row is a record.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import repeat

import numpy as np

_SEP = "\x1f"  # between the cells of a row
_ROW = "\x1e"  # between the rows of a block
# A blank cell (whitespace only, as ``str.strip`` sees it) after the separator it starts at.
_BLANK_CELL = re.compile("[\x1e\x1f][^\\S\x1e\x1f]*(?=[\x1e\x1f]|\\Z)")
# A row fills more cells than this, or it is short (``sheet_layout._SHORT_ROW``).
SHORT_ROW = 3


def ascii_letters(text: str) -> str:
    """Return the ASCII characters of ``text`` in NFD, lower-case: the letters `fold` keeps.

    Where :func:`geodata.text.fold` gives "tong", this gives it too: fold keeps the ASCII
    letters of the decomposed text, drops its combining marks (never ASCII) and lowers the
    case, and no other character lowers to one of these letters. Characters dropped here
    but kept by fold (đ, other letters) only bring letters together; separators are kept.

    >>> ascii_letters("Tổng  cộng, Đã phát sóng")
    'tong  cong, a phat song'
    """
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii").lower()


def maybe_not_records(texts: list[str]) -> list[int]:
    r"""Return the indexes of the rows that may be group, subtotal or signature rows.

    ``texts`` are rows as their cells joined by ``\x1f``. A row is returned when it fills at
    most three cells, or when a cell of it folds to a text holding "tong" or "cong" (a cell
    that reads "Cộng", "Tổng cộng"… folds to one starting so). The others are records.

    >>> maybe_not_records(["B-1\x1fBản Nà\x1f21.9\x1fĐã phát sóng", "\x1fCộng\x1f\x1f",
    ...                    "B-2\x1fBản Cốc\x1f21.8\x1fTổng hợp", "I\x1fHuyện Bình Gia"])
    [1, 2, 3]
    """
    if not texts:
        return []
    joined = _ROW.join(texts)
    folded = ascii_letters(joined).split(_ROW)
    if len(folded) != len(texts):  # a cell holds the row separator: every row is looked at
        return list(range(len(texts)))
    totals = [i for i, text in enumerate(folded) if "tong" in text or "cong" in text]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    starts = np.cumsum(lengths) - lengths  # of each row in the joined text
    # A blank cell starts one past its separator; the text's first cell has one put before it.
    blank_at = np.fromiter((m.start() for m in _BLANK_CELL.finditer(_ROW + joined)),
                           dtype=np.int64)  # fmt: skip
    rows_of_blanks = np.searchsorted(starts, blank_at, side="right") - 1
    blanks = np.bincount(rows_of_blanks, minlength=len(texts))
    cells = np.fromiter(map(str.count, texts, repeat(_SEP)), dtype=np.int64, count=len(texts))
    short = np.flatnonzero(cells + 1 - blanks <= SHORT_ROW).tolist()
    return sorted(set(totals).union(short))
