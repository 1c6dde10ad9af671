"""Files read in chunks of rows: the same table as a whole reading, cut into pieces (issue 11)."""

import csv
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from geodata.errors import GeodataError, LegacyEncoding
from geodata.readers import read_table
from geodata.readers_stream import read_table_chunks
from geodata.text import fold

DATA = Path(__file__).resolve().parents[1] / "data"
SHEETS = sorted(p.name for p in DATA.iterdir() if p.suffix in (".csv", ".xlsx"))


def _whole_or_error(path: Path):
    try:
        return read_table(path)
    except GeodataError as exc:
        return exc


def _joined(path: Path, size: int):
    chunks = list(read_table_chunks(path, size=size))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    numbers = [n for c in chunks for n in c.row_numbers]
    return chunks, frame, numbers


@pytest.mark.parametrize("name", SHEETS)
def test_every_office_sheet_reads_the_same_in_chunks_as_whole(name):
    path = DATA / name
    whole = _whole_or_error(path)
    if isinstance(whole, GeodataError):  # the same refusal, in both languages
        with pytest.raises(type(whole)) as caught:
            list(read_table_chunks(path, size=3))
        assert str(caught.value) == str(whole)
        assert caught.value.user_msg_vi == whole.user_msg_vi
        return
    chunks, frame, numbers = _joined(path, size=3)
    assert frame.equals(whole.frame.reset_index(drop=True))
    assert list(frame.columns) == list(whole.frame.columns)
    assert numbers == list(whole.row_numbers)
    assert chunks[0].notes == whole.notes
    assert all(not c.notes for c in chunks[1:])
    assert {(c.encoding, c.sheet, c.source_format) for c in chunks} == {
        (whole.encoding, whole.sheet, whole.source_format)
    }
    assert all(len(c.frame) <= 3 for c in chunks)


def _office_book(path: Path, rows: int) -> None:
    """An XLSX report: agency and motto, a title, a two-level header, numbered columns,
    group rows, one subtotal row in the middle, a grand total and the signatures."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Báo cáo")
    sheet.append(["UBND TỈNH LẠNG SƠN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append([None, None, None, "Độc lập - Tự do - Hạnh phúc"])
    sheet.append(["DANH SÁCH THÔN, BẢN LÕM SÓNG NĂM 2025"])
    sheet.append([])
    sheet.append(["Mã", "Thôn, bản", "Vị trí", None, "Trạng thái"])
    sheet.append([None, None, "Kinh độ", "Vĩ độ", None])
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)"])
    sheet.append(["I", "Huyện Bình Gia"])
    for i in range(rows):
        if i == rows // 2:
            sheet.append([None, "Cộng", None, None, None])
        sheet.append([f"B-{i:05d}", f"Bản Nà Lạn {i}", 106.3 + i * 1e-6, 21.9,
                      "Trong danh sách lõm sóng"])
    sheet.append([None, "Tổng cộng", None, None, None])
    sheet.append([None, "Người lập biểu", None, "Giám đốc"])
    book.save(path)


def test_a_long_xlsx_report_is_streamed_with_its_title_rows_left_out(tmp_path):
    path = tmp_path / "bao_cao.xlsx"
    _office_book(path, 12_000)
    whole = read_table(path)
    chunks, frame, numbers = _joined(path, size=5000)
    assert [len(c.frame) for c in chunks] == [5000, 5000, 2000]
    assert frame.equals(whole.frame)
    assert numbers == list(whole.row_numbers)
    assert list(frame.columns) == ["Mã", "Thôn, bản", "Vị trí / Kinh độ", "Vị trí / Vĩ độ",
                                   "Trạng thái"]  # fmt: skip
    # Row 9 is the first record; the subtotal in the middle (row 6009) keeps its number out.
    assert numbers[:2] == [9, 10]
    assert 6009 not in numbers and numbers[6000] == 6010
    assert frame["Mã"].iloc[6000] == "B-06000"
    assert chunks[0].notes == whole.notes
    assert any("Skipped subtotal row(s)" in note and "6009" in note for note in chunks[0].notes)
    assert any("Skipped the signature block" in note for note in chunks[0].notes)


def test_a_legacy_font_csv_is_read_whole_and_repaired_before_it_is_cut(tmp_path):
    chunks, frame, numbers = _joined(DATA / "villages_tcvn3.csv", size=2)
    whole = read_table(DATA / "villages_tcvn3.csv")
    assert whole.encoding == "tcvn3" and chunks[0].encoding == "tcvn3"
    assert frame.equals(whole.frame)
    assert frame["ten_thon"].iloc[0] == "Thôn Nà Pàn"


def test_undecidable_legacy_text_is_refused_before_any_chunk(tmp_path):
    with pytest.raises(LegacyEncoding):
        read_table_chunks(DATA / "names_undecidable.csv")


def test_a_csv_with_decomposed_accents_reads_as_the_whole_reader_does(tmp_path):
    path = tmp_path / "nfd.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ma", "ten", "kinh_do", "vi_do"])
        for i in range(7):
            writer.writerow([f"A{i}", unicodedata.normalize("NFD", f"Bản Nà Lạn {i}"), "106.5",
                             "21.8"])  # fmt: skip
    chunks, frame, _ = _joined(path, size=3)
    assert frame.equals(read_table(path).frame)
    assert frame["ten"].iloc[0] == "Bản Nà Lạn 0"


def test_fold_keeps_its_meaning_on_every_character_it_may_meet():
    def reference(text):
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return " ".join(kept.lower().split())

    samples = [chr(c) for c in range(0x20, 0x2000)] + ["Lạng Sơn", "Đồng  Đăng", "a\u034fb",
                                                        "Ủy ban\u00a0nhân dân", "TỔNG CỘNG"]
    assert [fold(s) for s in samples] == [reference(s) for s in samples]
