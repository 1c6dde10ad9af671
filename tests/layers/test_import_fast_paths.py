"""The faster readings of a large import give exactly what the cell-by-cell readings gave.

Text columns are put in NFC and their spaces collapsed over the whole column at once, dates
already read in an earlier chunk are not read again, and attributes are encoded by a JSON
encoder made once: each is held here to the slower way on cells as provincial offices write
them (decomposed Vietnamese as legacy converters leave it, non-breaking spaces and tabs from
Word, blank cells, dd/mm/yyyy and d/m/yyyy dates, impossible days, Excel's ISO dates).
"""

import datetime as dt
import json
import unicodedata

import numpy as np
import pandas as pd

from geodata.encodings import decode_legacy, encode_legacy
from layers import get_layer, parsing
from layers.values import _collapsed_nfc, read_column
from portal.store.bulk_insert import _iso_default, dump_attributes

# "Thôn Khuổi Phầy" and "Bản Nà Lạn" in TCVN3 (ABC), as a form typed in .VnTime holds them.
_TCVN3_NAMES = [encode_legacy(name, "tcvn3") for name in ("Thôn Khuổi Phầy", "Bản Nà Lạn")]


def _office_names() -> list[str | None]:
    decomposed = [unicodedata.normalize("NFD", "Bản Nà Pàn"), "Xã\u00a0Hữu  Kiên",
                  "Thôn\tPò Mã", "  Đồng Đăng  ", "Na\u0300 Sa\u0300m", "Cộng", None, "",
                  "Ngõ 3, khối 7 – TT Cao Lộc", "Khuổi Phầy\r\n(tổ 2)"]  # fmt: skip
    legacy = [decode_legacy(raw, "tcvn3") for raw in _TCVN3_NAMES]
    unrepaired = [raw.decode("cp1252", errors="replace") for raw in _TCVN3_NAMES]
    return decomposed + legacy + unrepaired + [None] * 3


def _cell_by_cell(values: pd.Series) -> np.ndarray:
    text = values.str.normalize("NFC").str.replace(r"\s+", " ", regex=True)
    return text.to_numpy(dtype=object, na_value=None)


def test_a_text_column_reads_as_cell_by_cell():
    names = _office_names()
    values = pd.Series([n if n is None else n.strip() or None for n in names], dtype="string")
    fast = _collapsed_nfc(values)
    assert fast is not None
    assert fast.tolist() == _cell_by_cell(values).tolist()
    raw = pd.Series(names, dtype="string")  # not stripped: the same too
    assert _collapsed_nfc(raw).tolist() == _cell_by_cell(raw).tolist()
    spec = next(f for f in get_layer("signal").fields if f.type == "str" and not f.multiline)
    typed, faults = read_column(spec, values)
    assert typed.tolist() == _cell_by_cell(values).tolist() and faults == []


def test_a_cell_holding_the_joining_character_is_read_cell_by_cell():
    values = pd.Series(["Bản\x1fNà", "Pò  Mã", None], dtype="string")
    assert _collapsed_nfc(values) is None
    spec = next(f for f in get_layer("signal").fields if f.type == "str" and not f.multiline)
    assert read_column(spec, values)[0].tolist() == ["Bản Nà", "Pò Mã", None]


def test_an_empty_or_blank_column_reads_as_cell_by_cell():
    for cells in ([], [None, None], [""]):
        values = pd.Series(cells, dtype="string")
        assert _collapsed_nfc(values).tolist() == _cell_by_cell(values).tolist()


_DATES = ["01/11/2025", "1/11/2025", "5.3.2025", "05-03-2025", "2025-03-01",
          "2025-03-01 00:00:00", "31/02/2025", "29/02/2024", "29/02/2025", "00/01/2025",
          "12/13/2025", "01/01/1500", "01/01/3000", "Tháng 11/2025", "", None, "quý IV",
          "15/10/2025 ", "2025-3-1T00:00"]  # fmt: skip


def _fresh(values: pd.Series):
    parsing._READ_DATES.clear()
    return parsing._per_unique(values, parsing._parse_distinct_dates)


def test_dates_read_again_in_a_later_chunk_read_as_the_first_time():
    first = pd.Series(_DATES[:10] + [None], dtype="string")
    later = pd.Series(list(reversed(_DATES)) * 3, dtype="string")
    expected_first, expected_later = _fresh(first), _fresh(later)
    parsing._READ_DATES.clear()
    for values, expected in ((first, expected_first), (later, expected_later),
                             (first, expected_first)):  # fmt: skip
        got = parsing.parse_dates(values)
        assert [a.tolist() for a in got] == [b.tolist() for b in expected]
        assert got[1].dtype == bool and got[2].dtype == bool


def test_remembered_dates_are_forgotten_past_their_limit(monkeypatch):
    monkeypatch.setattr(parsing, "_READ_DATES_MAX", 3)
    parsing._READ_DATES.clear()
    days = pd.Series([f"{d:02d}/10/2025" for d in range(1, 9)], dtype="string")
    parsing.parse_dates(days)
    parsing.parse_dates(pd.Series(["01/11/2025"], dtype="string"))
    assert len(parsing._READ_DATES) <= 9
    dates, _, _ = parsing.parse_dates(days)
    assert dates.tolist() == [dt.date(2025, 10, d) for d in range(1, 9)]


_ATTRIBUTES = [
    {"village": "Bản Nà Pàn", "households": 34, "operator": "Viettel", "on_air": None},
    {"village": decode_legacy(_TCVN3_NAMES[0], "tcvn3"), "updated": dt.date(2025, 11, 1),
     "area_ha": 12.5, "done": True, "notes": ["cột 1", "cột 2"], "incomplete": ["operator"]},
    {"name": "Đồng Đăng \"cửa khẩu\" \\ tab\t", "x": 106.7349812, "big": 10**20, "neg": -0.0},
    {},
]


def _slow(attributes):
    return json.JSONEncoder(default=_iso_default, allow_nan=False).encode(attributes)


def test_attributes_encode_as_the_json_encoder_writes_them():
    for attributes in _ATTRIBUTES:
        assert dump_attributes(attributes) == _slow(attributes)
    nan = {"households": float("nan"), "village": "Bản Nà Lạn"}
    assert dump_attributes(nan) == '{"households": null, "village": "B\\u1ea3n N\\u00e0 L\\u1ea1n"}'
