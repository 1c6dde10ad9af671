"""The office layout found a block at a time classifies every row as the row-by-row way does.

`geodata.sheet_layout.office_layout` looks one by one only at the rows
`geodata.sheet_blocks.maybe_not_records` names when the rows are kept compact
(`geodata.readers_stream.CompactRows`); on a plain list it looks at every row. Both must give
the same header, records and notes on reports shaped as the provincial offices send them.
"""

import csv

import pytest
from openpyxl import Workbook

from geodata.readers import read_table
from geodata.readers_stream import CompactRows, read_table_chunks
from geodata.sheet_blocks import maybe_not_records
from geodata.sheet_layout import office_layout

STATUSES = ["Trong danh sách lõm sóng", "Đã thống nhất vị trí trạm", "Đã phát sóng"]
SIGNATURES = [
    [None, None, None, "Lạng Sơn, ngày 05 tháng 12 năm 2025"],
    [None, "Người lập biểu", None, "KT. GIÁM ĐỐC"],
    [None, "(Ký, ghi rõ họ tên)", None, "PHÓ GIÁM ĐỐC"],
    [None, "Hoàng Thị Mai", None, "Nông Văn Bình"],
]


def _village(i: int) -> list:
    return [f"B-{i:05d}", f"Bản Nà Lạn {i}", "05983", str(10 + i % 50), "Viettel",
            f"{106.3 + i * 1e-5:.6f}", "21.85", STATUSES[i % 3], "01/11/2025"]  # fmt: skip


def _title_rows() -> list[list]:
    return [
        ["UBND TỈNH LẠNG SƠN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["SỞ KHOA HỌC VÀ CÔNG NGHỆ", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        ["DANH SÁCH THÔN, BẢN LÕM SÓNG NĂM 2025"],
        ["Đơn vị tính: thôn"],
        ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp", "Vị trí", None, "Trạng thái",
         "Ngày cập nhật"],
        [None, None, None, None, None, "Kinh độ", "Vĩ độ", None, None],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
    ]  # fmt: skip


def _report(records: int, subtotal_at: tuple[int, ...]) -> list[list]:
    """A district's report: title rows, a two-level header, numbered columns, group rows,
    a subtotal after the records at ``subtotal_at``, a grand total and the signatures."""
    rows = [*_title_rows(), ["I", "Huyện Bình Gia"]]
    for i in range(records):
        rows.append(_village(i))
        if i in subtotal_at:
            rows.append([None, "Cộng", None, str(40 * i)])
            rows.append(["II", "Huyện Văn Quan"])
    rows.append([None, "Tổng cộng", None, str(40 * records), None, None, None, None, None])
    return rows + SIGNATURES


def _traps() -> list[list]:
    """Rows that look like others: records that must stay records, and the other way round."""
    rows = [*_title_rows(), ["I", "Huyện Cao Lộc"]]
    for i in range(40):
        rows.append(_village(i))
    rows += [
        ["B-90001", "Bản Tổng Hợp", "05983", "12", "VNPT", "106.5", "21.8", "Tổng hợp", ""],
        ["B-90002", "Bản Cốc Cộng", "05983", "12", "VNPT", "106.5", "21.8", "Cộng đồng", ""],
        ["II", "Bản Giám Đốc", "05983", "30", "VNPT", "106.4", "21.7", STATUSES[0], ""],
        ["B-90003", "Giám đốc HTX Nà Pàn", "05983", "8", "", "", "", "", ""],  # short, a record
        ["B-90004", "Bản Pò Tổng", "05983"],  # three cells: short, and a record
        [None, "  Tổng cộng (I) ", "12", "\t", "34", "56", None, None, None],  # long total
        [None, "TỔNG SỐ:", None, "\t", "  ", None, None, None, None],
        ["B-90005", "Người lập biểu", "05983", "9"],  # a signature word, records follow
        ["B-90006", "Bản Khuổi  Cộng", "\t", " ", "\t", "106.4", "21.7", "", ""],
        ["III", "Thành phố Lạng Sơn", "", "", " "],
        ["B-90007", "Bản Tổng\tCộng", "05983", "15", "Mobifone", "106.4", "21.7", "", ""],
        ["Cộng:", None, None, None],
    ]
    for i in range(100, 110):
        rows.append(_village(i))
    rows.append([None, "Tổng  cộng", None, "400"])
    return rows + SIGNATURES[:2]


def _compact(rows: list[list]) -> CompactRows:
    kept = CompactRows()
    for number, cells in enumerate(rows, start=1):
        kept.add(number, ["" if c is None else str(c) for c in cells] or [""])
    kept.close()
    return kept


def _layout(layout):
    return layout.header_row, layout.header, list(layout.positions), layout.notes


SHAPES = {
    "report_over_three_blocks": _report(2500, subtotal_at=(989, 1990)),
    "report_subtotal_on_a_block_edge": _report(1200, subtotal_at=(990, 991, 992)),
    "report_without_subtotals": _report(30, subtotal_at=()),
    "traps": _traps(),
    "bare_table": [_village(i)[:3] for i in range(5)],
    "signature_only_below_header": [*_title_rows(), *SIGNATURES],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_block_way_classifies_every_row_as_the_row_by_row_way(shape):
    rows = _compact(SHAPES[shape])
    assert _layout(office_layout(rows)) == _layout(office_layout(list(rows)))


def test_the_report_keeps_its_villages_and_names_each_row_left_out():
    rows = _compact(_report(2500, subtotal_at=(989, 1990)))
    layout = office_layout(rows)
    kept = [rows[p][1][0] for p in layout.positions]
    assert kept == [f"B-{i:05d}" for i in range(2500)]
    assert layout.header_row == 6 and layout.header[5:7] == ["Vị trí / Kinh độ", "Vị trí / Vĩ độ"]
    # File rows: title 1-5 (row 3 blank, not kept), header 6-7, numbering 8, group 9, villages
    # from 10; "Cộng" and a group after villages 989 (row 999) and 1990 (row 2002); the grand
    # total after the last village (row 2513); the signatures.
    assert layout.notes[1:] == [
        "Bỏ qua các dòng phía trên dòng tiêu đề (tên cơ quan, quốc hiệu, tên biểu, đơn vị tính): "
        "dòng 1–2, 4–5 / Skipped row(s) above the header (agency, national motto, title, unit): "
        "row(s) 1–2, 4–5",
        "Bỏ qua dòng đánh số cột: dòng 8 / Skipped column numbering row(s): row(s) 8",
        "Bỏ qua dòng tên nhóm (đánh số La Mã): dòng 9, 1001, 2004 / Skipped group row(s) "
        "(Roman numerals): row(s) 9, 1001, 2004",
        "Bỏ qua dòng Cộng, Tổng cộng (không tính là bản ghi): dòng 1000, 2003, 2514 / Skipped "
        "subtotal row(s) (Cộng, Tổng cộng; not records): row(s) 1000, 2003, 2514",
        "Bỏ qua phần ký tên cuối biểu: dòng 2515–2518 / Skipped the signature block below the "
        "table: row(s) 2515–2518",
    ]


def test_the_traps_keep_their_records_and_leave_out_their_totals():
    rows = _compact(_traps())
    layout = office_layout(rows)
    kept = [rows[p][1][0] for p in layout.positions]
    traps = ["B-90001", "B-90002", "II", "B-90003", "B-90004", "B-90005", "B-90006", "B-90007"]
    assert kept[40:] == traps + [f"B-{i:05d}" for i in range(100, 110)]
    assert "dòng 9, 59 /" in layout.notes[3]  # groups: "I" and "III"
    assert "dòng 55–56, 61, 72 /" in layout.notes[4]  # the totals, "Cộng:" alone too


def test_only_short_rows_and_rows_reading_tong_or_cong_are_looked_at():
    texts = ["\x1f".join(_village(i)) for i in range(1000)]
    assert maybe_not_records(texts) == []
    texts[10] = "\x1f".join(["", "Tổng cộng", "", "", "", "", "", "", ""])
    texts[20] = "\x1f".join(["B-1", "Bản Nà", "05983", " ", "\t", "", "", "", ""])
    texts[30] = "\x1f".join(["B-2", "Bản Nà", "05983", "7", "", "", "", "", ""])  # four: long
    texts[999] = "I"
    assert maybe_not_records(texts) == [10, 20, 999]


def _write(path, rows):
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([["" if c is None else c for c in r] for r in rows])
        return path
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Báo cáo")
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("name", ["bao_cao.csv", "bao_cao.xlsx", "bay.csv"])
def test_a_report_file_reads_the_same_in_chunks_as_whole(tmp_path, name):
    rows = _traps() if name == "bay.csv" else _report(1200, subtotal_at=(500, 999))
    path = _write(tmp_path / name, rows)
    whole = read_table(path)
    chunks = list(read_table_chunks(path, size=400))
    assert [n for c in chunks for n in c.row_numbers] == list(whole.row_numbers)
    assert chunks[0].notes == whole.notes
    assert sum(len(c.frame) for c in chunks) == len(whole.frame)
