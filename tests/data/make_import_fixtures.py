"""Regenerate the importer's fixtures: ``python tests/data/make_import_fixtures.py``.

Each file holds one defect named in its file name (or none, for ``good_*``), so a test can
assert the row, the column and the message. Everything here is made up for the tests (CC0):
village names, households and progress figures are invented. Positions are deep inside the
named 2025 commune of the approximate boundaries (at least 2.5 km from its edge).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

# An interior point of some 2025 communes, (longitude, latitude).
BAC_SON = (106.3119, 21.9147)
MAU_SON = (107.0686, 21.7562)
TRANG_DINH = (106.4418, 22.2077)
LOC_BINH = (106.9165, 21.7699)
CHI_LANG = (106.5106, 21.5608)
HUU_LIEN = (106.3688, 21.6519)
HUU_LUNG = (106.3959, 21.4894)
DINH_LAP = (107.0639, 21.5767)
NA_DUONG = (106.9253, 21.6843)
TAM_THANH = (106.7468, 21.8943)
DONG_KINH = (106.7598, 21.7739)
KY_LUA = (106.8256, 21.815)
DONG_DANG = (106.6954, 21.9247)
HANOI = (105.8522, 21.0287)  # Hoàn Kiếm, far outside the province


def _write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(name: str, header: list[str], rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Du lieu"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    save_workbook(book, HERE / name)


def save_workbook(book: Workbook, path: Path) -> None:
    """Save ``book`` with fixed stamps, so the bytes are the same from one run to the next.

    openpyxl stamps the save time into docProps/core.xml and the zip entries.
    """
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-11-30T00:00:00Z", data)
            info = zipfile.ZipInfo(item.filename, (2025, 11, 30, 0, 0, 0))
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def _write_geojson(name: str, features: list[tuple[dict, dict]]) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geometry}
            for props, geometry in features
        ],
    }
    text = json.dumps(collection, ensure_ascii=False, indent=1)
    (HERE / name).write_text(text + "\n", encoding="utf-8")


def _point(lonlat: tuple[float, float]) -> dict:
    return {"type": "Point", "coordinates": list(lonlat)}


def _square(lonlat: tuple[float, float], half: float = 0.004, close: bool = True) -> dict:
    x, y = lonlat
    ring = [[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half]]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]] if close else ring]}


def _wkt_point(lonlat: tuple[float, float]) -> str:
    return f"POINT ({lonlat[0]} {lonlat[1]})"


SIGNAL_HEADER = ["Mã", "Thôn, bản", "Xã", "Kinh độ", "Vĩ độ", "Trạng thái", "Ngày cập nhật"]


def signal_files() -> None:
    """Write the signal-layer CSVs (villages without mobile signal)."""
    _write_csv("swapped_latlon.csv", SIGNAL_HEADER, [
        ["LS-001", "Thôn Nà Pàn", "Xã Bắc Sơn", *BAC_SON, "Trong danh sách lõm sóng", "15/03/2025"],
        ["LS-002", "Bản Khuổi Phầy", "Xã Mẫu Sơn", MAU_SON[1], MAU_SON[0],
         "Trong danh sách lõm sóng", "15/03/2025"],
        ["LS-003", "Thôn Pác Cáp", "Xã Tràng Định", *TRANG_DINH, "Đã phát sóng", "20/06/2025"],
    ])  # fmt: skip
    header = ["ma", "thon_ban", "xa", "kinh_do", "vi_do", "trang_thai"]
    _write_csv("metres_in_degree_columns.csv", header, [
        ["LS-101", "Thôn Nà Lừa", "Xã Bắc Sơn", *BAC_SON, "Trong danh sách lõm sóng"],
        ["LS-102", "Bản Lạn", "Xã Lộc Bình", "451234.5", "2418765.2", "Trong danh sách lõm sóng"],
        ["LS-103", "Thôn Khòn Nà", "Xã Chi Lăng", *CHI_LANG, "Đã thống nhất vị trí trạm"],
    ])  # fmt: skip
    _write_csv("point_in_wrong_commune.csv", header, [
        ["LS-201", "Thôn Nà Pàn", "Xã Bắc Sơn", *BAC_SON, "Trong danh sách lõm sóng"],
        ["LS-202", "Bản Pò Mã", "Xã Bắc Sơn", *LOC_BINH, "Trong danh sách lõm sóng"],
        ["LS-203", "Thôn Bản Chắt", "06529", *LOC_BINH, "Đã có điện cho trạm"],
        ["LS-204", "Thôn Đồng Mỏ", "chi lang", *CHI_LANG, "Đã phát sóng"],
    ])  # fmt: skip
    _write_csv(
        "good_signal_villages.csv",
        ["Mã", "Tên", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Vướng mắc",
         "Ngày phát sóng", "Kinh độ", "Vĩ độ", "Trạng thái", "Tiến độ", "Ngày cập nhật"],
        [
            ["LS-301", "Thôn Nà Pàn (Bắc Sơn)", "Thôn Nà Pàn", "Xã Bắc Sơn", "42", "Viettel",
             "Chưa có điện lưới", "", *BAC_SON, "Trong danh sách lõm sóng", "", "15/03/2025"],
            ["LS-302", "", "Bản Khuổi Phầy", "Mẫu Sơn", "18", "VNPT (VinaPhone)", "terrain",
             "", *MAU_SON, "Đã thống nhất vị trí trạm", "", "2025-04-02"],
            ["LS-303", "", "Thôn Pác Cáp", "06046", "27", "mobifone", "Không vướng mắc",
             "30/6/2025", *TRANG_DINH, "Đã phát sóng", "", "1/7/2025"],
            ["LS-304", "", "Bản Lạn", "xa huu lien", "1.234", "viettel", "",
             "", *HUU_LIEN, "trong danh sach lom song", "", ""],
            ["LS-305", "", "Thôn Khòn Nà", "Xã Chi Lăng", "", "", "",
             "12/08/2025", "106,5106", "21,5608", "On air", "", "15/08/2025"],
        ],
    )  # fmt: skip


def industry_files() -> None:
    """Write the industry-layer files."""
    header = ["Mã dự án", "Tên dự án", "Loại dự án", "Mục tiêu kế hoạch 2025", "Kinh độ",
              "Vĩ độ", "Trạng thái", "Tiến độ (%)", "Ngày cập nhật"]  # fmt: skip
    day = dt.datetime(2025, 10, 31)
    _write_xlsx("progress_out_of_range.xlsx", header, [
        ["CCN-HS1", "Cụm công nghiệp Hồ Sơn 1", "Cụm công nghiệp", "Hoàn thành trong năm 2025",
         *HUU_LUNG, "Đang thi công", "45%", day],
        ["CCN-DL", "Cụm công nghiệp Đình Lập", "Cụm công nghiệp", "finish_2025",
         *DINH_LAP, "Đang thi công", 120, day],
        ["CCN-ND1", "Cụm công nghiệp Na Dương 1", "cluster", "Đẩy nhanh tiến độ",
         *NA_DUONG, None, -5, day],
        ["NMND-2", "Nhà máy nhiệt điện Na Dương 2", "Nhà máy nhiệt điện", "speed_up",
         NA_DUONG[0] + 0.01, NA_DUONG[1], None, 100, day],
    ])  # fmt: skip
    missing = [h for h in header if h != "Mục tiêu kế hoạch 2025"]
    _write_csv("missing_required_column.csv", missing, [
        ["CCN-HS1", "Cụm công nghiệp Hồ Sơn 1", "Cụm công nghiệp", *HUU_LUNG, "Đang thi công",
         "45", "31/10/2025"],
        ["CCN-DL", "Cụm công nghiệp Đình Lập", "Cụm công nghiệp", *DINH_LAP, "Đang thi công",
         "60", "31/10/2025"],
    ])  # fmt: skip
    # The second polygon's ring stops one point short of its start (GeoJSON needs it closed).
    _write_geojson("unclosed_ring.geojson", [
        ({"ma": "KCN-01", "ten": "Khu công nghiệp Đồng Đăng (thử)", "kind": "park",
          "plan_goal": "finish_2025"}, _square(DONG_DANG)),
        ({"ma": "KCN-02", "ten": "Cụm công nghiệp Kỳ Lừa (thử)", "kind": "cluster",
          "plan_goal": "speed_up"}, _square(KY_LUA, close=False)),
    ])  # fmt: skip


def geopark_files() -> None:
    """Write the geopark-layer files."""
    header = ["Mã", "Tên điểm", "Loại điểm", "Kinh độ", "Vĩ độ", "Trạng thái"]
    _write_xlsx("duplicate_ids.xlsx", header, [
        ["GP-01", "Động Tam Thanh", "Điểm di sản địa chất", *TAM_THANH, "Đón khách"],
        ["GP-02", "Đỉnh Mẫu Sơn", "Điểm ngắm cảnh", *MAU_SON, "Đón khách"],
        ["GP-01", "Chùa Tiên", "Điểm văn hóa, lịch sử", *DONG_KINH, "Đã khảo sát"],
        ["GP-03", "Làng du lịch Hữu Liên", "Du lịch cộng đồng", *HUU_LIEN, "Đạt tiêu chuẩn ASEAN"],
        ["GP-02", "Thác Bản Chắt", "geosite", *TRANG_DINH, "Đã khảo sát"],
    ])  # fmt: skip
    _write_csv("unknown_status.csv", header, [
        ["GP-11", "Động Tam Thanh", "Điểm di sản địa chất", *TAM_THANH, "Đón khách"],
        ["GP-12", "Đỉnh Mẫu Sơn", "Điểm ngắm cảnh", *MAU_SON, "Đang sửa chữa"],
        ["GP-13", "Chùa Tiên", "Điểm văn hóa, lịch sử", *DONG_KINH, "Tạm dừng"],
        ["GP-14", "Làng du lịch Hữu Liên", "Du lịch cộng đồng", *HUU_LIEN, "open to visitors"],
        ["GP-15", "Thác Bản Chắt", "Điểm di sản địa chất", *TRANG_DINH, "hoan thanh"],
    ])  # fmt: skip
    _write_geojson("outside_province.geojson", [
        ({"ma": "GP-21", "ten": "Động Tam Thanh", "loai_diem": "geosite"}, _point(TAM_THANH)),
        ({"ma": "GP-22", "ten": "Hồ Gươm", "loai_diem": "cultural"}, _point(HANOI)),
        ({"ma": "GP-23", "ten": "Khu Mẫu Sơn", "loai_diem": "viewpoint"}, _square(MAU_SON)),
    ])  # fmt: skip


def date_file() -> None:
    """Write the file whose dates are not in the calendar (2025 is not a leap year)."""
    header = ["Mã", "Thôn, bản", "Kinh độ", "Vĩ độ", "Trạng thái", "Ngày cập nhật",
              "Ngày phát sóng"]  # fmt: skip
    _write_xlsx("date_31_february.xlsx", header, [
        ["LS-401", "Thôn Nà Pàn", *BAC_SON, "Trong danh sách lõm sóng", dt.datetime(2025, 2, 28),
         None],
        ["LS-402", "Bản Khuổi Phầy", *MAU_SON, "Đã có điện cho trạm", "31/02/2025", None],
        ["LS-403", "Thôn Pác Cáp", *TRANG_DINH, "Đã phát sóng", "01/03/2025", "29/02/2025"],
    ])  # fmt: skip


# One row per layer: the fields each layer requires, the others left empty.
MULTI_HEADER = ["loai", "ma", "ten", "wkt", "trang_thai", "tien_do", "ngay_cap_nhat", "kind",
                "plan_goal", "gate_type", "site_type", "village", "beneficiary", "category",
                "work", "road"]  # fmt: skip
ROAD = "LINESTRING (106.6954 21.9247, 106.7468 21.8943, 106.7598 21.7739, 106.5106 21.5608)"


def _multi_row(layer: str, record_id: str, name: str, wkt: str, status: str,
               progress: object = None, **fields: str) -> list[object]:  # fmt: skip
    row: list[object] = [layer, record_id, name, wkt, status, progress, "30/09/2025"]
    return row + [fields.get(column) for column in MULTI_HEADER[7:]]


def multi_layer_files() -> None:
    """Write the files whose ``loai`` column names each row's layer."""
    _write_xlsx("good_multi_layer.xlsx", MULTI_HEADER, [
        _multi_row("industry", "KCN-VSIP", "Khu công nghiệp VSIP Lạng Sơn (thử)",
                   _wkt_point(DONG_DANG), "Đang thi công", 62.5, kind="park",
                   plan_goal="finish_2025"),
        _multi_row("Cửa khẩu và kinh tế biên giới", "CK-HN", "Cửa khẩu Hữu Nghị (thử)",
                   _wkt_point(DONG_DANG), "Đang hoạt động", kind="gate",
                   gate_type="international"),
        _multi_row("Geopark and tourism", "GP-31", "Động Tam Thanh", _wkt_point(TAM_THANH),
                   "Đón khách", site_type="geosite"),
        _multi_row("signal", "LS-501", "Thôn Nà Pàn", _wkt_point(BAC_SON), "", 0,
                   village="Thôn Nà Pàn"),
        _multi_row("housing", "NT-0001", "Hồ sơ xóa nhà tạm 0001", _wkt_point(LOC_BINH),
                   "Đang xây dựng, sửa chữa", beneficiary="Người nhận thử nghiệm",
                   category="Hộ nghèo", work="Xây mới"),
        _multi_row("transport", "CT-HNCL", "Cao tốc Hữu Nghị – Chi Lăng (thử)", ROAD,
                   "", 100, kind="expressway", road="Hữu Nghị – Chi Lăng"),
    ])  # fmt: skip
    rows = []
    words = ["Chưa triển khai", "Đang triển khai", "Tạm dừng", "Hoàn thành"]
    layers = {
        "industry": (_wkt_point(NA_DUONG), {"kind": "cluster", "plan_goal": "speed_up"}),
        "border": (_wkt_point(DONG_DANG), {"kind": "gate"}),
        "geopark": (_wkt_point(TAM_THANH), {"site_type": "viewpoint"}),
        "signal": (_wkt_point(BAC_SON), {"village": "Thôn thử"}),
        "housing": (_wkt_point(LOC_BINH), {"beneficiary": "Người nhận thử nghiệm",
                                           "category": "poor", "work": "repair"}),
        "transport": (ROAD, {"kind": "national_road", "road": "Quốc lộ thử"}),
    }  # fmt: skip
    for layer, (wkt, fields) in layers.items():
        has_paused = layer in ("industry", "border")
        for i, word in enumerate(words):
            if word == "Tạm dừng" and not has_paused:
                continue
            rows.append(_multi_row(layer, f"{layer}-{i}", f"{layer} {word}", wkt, word, **fields))
    with (HERE / "generic_statuses.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(MULTI_HEADER)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def main() -> None:
    """Write every importer fixture."""
    signal_files()
    industry_files()
    geopark_files()
    date_file()
    multi_layer_files()


if __name__ == "__main__":
    main()
