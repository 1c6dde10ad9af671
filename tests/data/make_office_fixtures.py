"""Regenerate the office-shaped import fixtures: ``python tests/data/make_office_fixtures.py``.

Files the way provincial offices hand them over (issue 9): a plain eight-column project list
covering five layers in one sheet, with everyday statuses; and a village report laid out as a
provincial report (agency and national motto rows, a title, an "Đơn vị tính" line, a merged
two-level header, Roman-numeral group rows, "Cộng"/"Tổng cộng" subtotals, a signature block,
no id column, some villages given by commune only), as XLSX, as CSV and as next month's XLSX.
Everything here is made up for the tests (CC0). Positions are inside the named 2025 commune of
the approximate boundaries (the interior points of ``make_import_fixtures.py``, moved by at
most 0.004°).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent


def _sibling(name: str):
    """Load a generator beside this one by path (run as a script or collected by pytest)."""
    spec = importlib.util.spec_from_file_location(f"_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


save_workbook = _sibling("make_import_fixtures").save_workbook

BAC_SON = (106.3119, 21.9147)
MAU_SON = (107.0686, 21.7562)
TRANG_DINH = (106.4418, 22.2077)
LOC_BINH = (106.9165, 21.7699)
CHI_LANG = (106.5106, 21.5608)
DINH_LAP = (107.0639, 21.5767)
NA_DUONG = (106.9253, 21.6843)
TAM_THANH = (106.7468, 21.8943)
KY_LUA = (106.8256, 21.815)
DONG_DANG = (106.6954, 21.9247)

MINIMAL_HEADER = [
    "ma", "loai", "ten", "kinh_do", "vi_do", "trang_thai", "tien_do", "ngay_cap_nhat",
]  # fmt: skip
# Five layers, named by id or by their Vietnamese or English name; everyday statuses.
MINIMAL_ROWS = [
    ["CN-01", "industry", "Cụm công nghiệp Na Dương", *NA_DUONG, "Đang triển khai", 40,
     "31/10/2025"],
    ["CN-02", "Khu, cụm công nghiệp và năng lượng", "Cụm công nghiệp Đình Lập", *DINH_LAP,
     "Tạm dừng", 10, "31/10/2025"],
    ["CN-03", "industry", "Nhà máy điện sinh khối Chi Lăng", *CHI_LANG, "Chưa triển khai", 0,
     "31/10/2025"],
    ["CK-01", "border", "Cửa khẩu Đồng Đăng", *DONG_DANG, "Hoàn thành", 100, "31/10/2025"],
    ["CK-02", "border", "Lối mở Mẫu Sơn", *MAU_SON, "Tạm dừng", "", "31/10/2025"],
    ["DL-01", "geopark", "Động Tam Thanh", *TAM_THANH, "Hoàn thành", 100, "31/10/2025"],
    ["DL-02", "Geopark and tourism", "Điểm ngắm cảnh Bắc Sơn", *BAC_SON, "Tạm dừng", 30,
     "31/10/2025"],
    ["DL-03", "geopark", "Điểm Mẫu Sơn", MAU_SON[0] + 0.003, MAU_SON[1], "Đã hủy", "",
     "31/10/2025"],
    ["SG-01", "signal", "Bản Khuổi Pục", *TRANG_DINH, "Đang triển khai", 50, "31/10/2025"],
    ["SG-02", "signal", "Bản Nà Pàn", *LOC_BINH, "Tạm dừng", "", "31/10/2025"],
    ["SG-03", "Thôn, bản lõm sóng di động", "Thôn Khòn Quắc", *KY_LUA, "done", 100,
     "31/10/2025"],
    ["NO-01", "housing", "Nhà ông Hoàng Văn A", *LOC_BINH, "in progress", 60, "31/10/2025"],
    ["NO-02", "housing", "Nhà bà Lường Thị B", *CHI_LANG, "planned", "", "31/10/2025"],
]  # fmt: skip

REPORT_TITLE = [
    ["ỦY BAN NHÂN DÂN", "", "", "", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["TỈNH LẠNG SƠN", "", "", "", "", "Độc lập - Tự do - Hạnh phúc"],
    [],
    ["DANH SÁCH THÔN, BẢN CHƯA CÓ SÓNG ĐIỆN THOẠI DI ĐỘNG"],
    ["(Kèm theo Báo cáo số 123/BC-UBND ngày 30/11/2025)"],
    ["", "", "", "", "", "", "Đơn vị tính: thôn, bản"],
]
REPORT_HEADER = ["STT", "Tên thôn bản", "Xã", "Vị trí", "", "Trạng thái", "Ngày cập nhật",
                 "Ghi chú"]  # fmt: skip
REPORT_SUBHEADER = ["", "", "", "Kinh độ", "Vĩ độ", "", "", ""]
REPORT_NUMBERING = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"]


def _village(number, name, commune, point, status, day="30/11/2025", note=""):
    lon, lat = point if point else ("", "")
    return [number, name, commune, lon, lat, status, day, note]


def report_rows(month: int) -> list[list[object]]:
    """Return the report's rows below its header; month 12 moves some villages on."""
    day = f"{'30/11' if month == 11 else '31/12'}/2025"
    later = month == 12
    return [
        ["I", "Khu vực phía Bắc"],
        _village(1, "Bản Khuổi Pục", "Xã Tràng Định", TRANG_DINH,
                 "Hoàn thành" if later else "Đang triển khai", day),
        _village(2, "Bản Nà Lạn", "Xã Bắc Sơn", BAC_SON, "Chưa triển khai", day),
        _village(3, "Thôn Lũng Vài", "Xã Bắc Sơn", None, "Tạm dừng", day,
                 "Chưa xác định tọa độ"),
        ["", "Cộng", "", "", "", "", "", 3],
        ["II", "Khu vực phía Nam"],
        _village(1, "Bản Pò Mạ", "Xã Lộc Bình", LOC_BINH, "Đang triển khai", day),
        _village(2, "Thôn Khòn Quắc", "Xã Đình Lập", DINH_LAP,
                 "Hoàn thành" if later else "Chưa triển khai", day),
        _village(3, "Bản Nà Phai", "Xã Chi Lăng", None, "Chưa triển khai", day),
        _village(4, "Bản Khau Ràng", "Xã Mẫu Sơn", MAU_SON, "Đã hủy", day),
        ["", "Cộng", "", "", "", "", "", 4],
        ["", "Tổng cộng", "", "", "", "", "", 7],
        [],
        ["", "", "", "", "", "Lạng Sơn, ngày 30 tháng 11 năm 2025"],
        ["", "NGƯỜI LẬP BIỂU", "", "", "", "TM. ỦY BAN NHÂN DÂN"],
        ["", "(Ký, ghi rõ họ tên)", "", "", "", "KT. CHỦ TỊCH"],
        [],
        ["", "Nông Văn Lập", "", "", "", "Hoàng Văn Chủ"],
    ]  # fmt: skip


def _save(book: Workbook, name: str) -> None:
    save_workbook(book, HERE / name)


def write_minimal() -> None:
    """The eight-column, five-layer project list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sach"
    sheet.append(MINIMAL_HEADER)
    for row in MINIMAL_ROWS:
        sheet.append(row)
    _save(book, "office_minimal_projects.xlsx")


def write_report_xlsx(name: str, month: int) -> None:
    """The village report, formatted and merged as an office sends it."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bieu 01"
    for row in REPORT_TITLE:
        sheet.append(row)
    sheet.append(REPORT_HEADER)
    sheet.append(REPORT_SUBHEADER)
    sheet.append(REPORT_NUMBERING)
    for row in report_rows(month):
        sheet.append(row)
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("F1:H1")
    sheet.merge_cells("A4:H4")
    sheet.merge_cells("D7:E7")  # "Vị trí" over "Kinh độ" and "Vĩ độ"
    for column in "ABCFGH":
        sheet.merge_cells(f"{column}7:{column}8")
    for cell in sheet[7]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["A4"].font = Font(bold=True, size=14)
    _save(book, name)


def write_report_csv() -> None:
    """The same report saved from Excel as CSV UTF-8: merges gone, their cells empty."""
    with (HERE / "office_report_villages.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        for row in [*REPORT_TITLE, REPORT_HEADER, REPORT_SUBHEADER, REPORT_NUMBERING,
                    *report_rows(11)]:  # fmt: skip
            writer.writerow([*row, *[""] * (8 - len(row))])


def write_duplicate_csv() -> None:
    """A report without ids that lists one village twice in one commune (rows 9 and 11)."""
    rows = [
        _village(1, "Bản Nà Lạn", "Xã Bắc Sơn", BAC_SON, "Chưa triển khai"),
        _village(2, "Bản Pò Mạ", "Xã Lộc Bình", LOC_BINH, "Đang triển khai"),
        _village(3, "Bản  Nà  Lạn", "Xã Bắc Sơn", (BAC_SON[0] + 0.002, BAC_SON[1]),
                 "Tạm dừng"),
    ]  # fmt: skip
    with (HERE / "office_villages_same_name_twice.csv").open(
        "w", encoding="utf-8", newline=""
    ) as f:
        writer = csv.writer(f)
        for row in [*REPORT_TITLE, REPORT_HEADER, REPORT_SUBHEADER, *rows]:
            writer.writerow([*row, *[""] * (8 - len(row))])


if __name__ == "__main__":
    write_minimal()
    write_report_xlsx("office_report_villages.xlsx", 11)
    write_report_xlsx("office_report_villages_next_month.xlsx", 12)
    write_report_csv()
    write_duplicate_csv()
