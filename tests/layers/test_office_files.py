"""Files as provincial offices hold them (issue 9): minimal lists and formatted reports."""

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

import shapely

from geodata.errors import GeodataError
from geodata.readers import read_table
from layers import get_layer
from layers.importing import ImportContext, parse_records

DATA = Path(__file__).parents[1] / "data"
TODAY = dt.date(2025, 12, 31)
VILLAGE_ROWS = [11, 12, 13, 16, 17, 18, 19]
REPORT_NOTES = [
    "Dòng tiêu đề gồm hai tầng (dòng 7–8), đã ghép thành một / Two-level header on rows 7–8 "
    "read as one",
    "Bỏ qua các dòng phía trên dòng tiêu đề (tên cơ quan, quốc hiệu, tên biểu, đơn vị tính): "
    "dòng 1–2, 4–6 / "
    "Skipped row(s) above the header (agency, national motto, title, unit): row(s) 1–2, 4–6",
    "Bỏ qua dòng đánh số cột: dòng 9 / Skipped column numbering row(s): row(s) 9",
    "Bỏ qua dòng tên nhóm (đánh số La Mã): dòng 10, 15 / Skipped group row(s) (Roman numerals): "
    "row(s) 10, 15",
    "Bỏ qua dòng Cộng, Tổng cộng (không tính là bản ghi): dòng 14, 20–21 / Skipped subtotal "
    "row(s) (Cộng, Tổng cộng; not records): row(s) 14, 20–21",
    "Bỏ qua phần ký tên cuối biểu: dòng 23–25, 27 / Skipped the signature block below the "
    "table: row(s) 23–25, 27",
]


@pytest.fixture(scope="module")
def context(boundaries) -> ImportContext:
    """The 2025 communes of the approximate boundaries."""
    communes = boundaries.communes[["code", "name", "geometry"]]
    province = shapely.union_all(communes.geometry.to_numpy())
    legacy = boundaries.legacy_communes[["code", "name", "geometry"]]
    return ImportContext(province=province, communes=communes, crs=None, today=TODAY,
                         legacy_communes=legacy)  # fmt: skip


def test_the_minimal_five_layer_sheet_imports_every_row_with_everyday_statuses(context):
    records, report = parse_records(
        read_table(DATA / "office_minimal_projects.xlsx"), None, context
    )
    assert report.ok, report.problems
    assert Counter(r.layer_id for r in records) == {
        "industry": 3, "border": 2, "geopark": 3, "signal": 3, "housing": 2,
    }  # fmt: skip
    statuses = {r.record_id: r.state.status for r in records}
    assert statuses == {
        "CN-01": "construction", "CN-02": "paused", "CN-03": "planning",
        "CK-01": "operating", "CK-02": "suspended",
        "DL-01": "open_to_visitors", "DL-02": "paused", "DL-03": "cancelled",
        "SG-01": "site_agreed", "SG-02": "paused", "SG-03": "on_air",
        "NO-01": "under_construction", "NO-02": "registered",
    }  # fmt: skip


def test_a_minimal_record_names_the_layer_fields_it_lacks(context):
    records, _ = parse_records(read_table(DATA / "office_minimal_projects.xlsx"), None, context)
    incomplete = {r.record_id: r.attributes.get("incomplete") for r in records}
    assert incomplete["CN-01"] == ["kind", "plan_goal"]
    assert incomplete["CK-01"] == ["kind"]
    assert incomplete["DL-01"] == ["site_type"]
    assert incomplete["NO-01"] == ["beneficiary", "category", "work"]
    # The name column is the village: a signal record with a name lacks nothing.
    assert incomplete["SG-01"] is None
    assert records[8].attributes["village"] == "Bản Khuổi Pục"


@pytest.mark.parametrize("name", ["office_report_villages.xlsx", "office_report_villages.csv"])
def test_the_office_report_finds_its_header_and_keeps_only_the_villages(name):
    table = read_table(DATA / name)
    assert list(table.frame.columns) == [
        "STT", "Tên thôn bản", "Xã", "Vị trí / Kinh độ", "Vị trí / Vĩ độ", "Trạng thái",
        "Ngày cập nhật", "Ghi chú",
    ]  # fmt: skip
    assert table.row_numbers == VILLAGE_ROWS
    assert list(table.notes) == REPORT_NOTES
    assert "Cộng" not in set(table.frame["Tên thôn bản"])


@pytest.mark.parametrize("name", ["office_report_villages.xlsx", "office_report_villages.csv"])
def test_the_office_report_imports_seven_villages_and_no_subtotal(context, name):
    records, report = parse_records(read_table(DATA / name), get_layer("signal"), context)
    assert report.ok, report.problems
    assert [r.row for r in records] == VILLAGE_ROWS
    assert report.columns["Vị trí / Kinh độ"] == "lon"
    assert report.columns["Vị trí / Vĩ độ"] == "lat"
    assert [r.record_id for r in records] == [
        "06046-ban-khuoi-puc", "06325-ban-na-lan", "06325-thon-lung-vai", "06529-ban-po-ma",
        "06613-thon-khon-quac", "06463-ban-na-phai", "06541-ban-khau-rang",
    ]  # fmt: skip
    assert [r.state.status for r in records] == [
        "site_agreed", "listed", "paused", "site_agreed", "listed", "listed", "cancelled",
    ]  # fmt: skip


def test_villages_given_by_commune_only_sit_in_their_commune_marked_approximate(context):
    records, report = parse_records(
        read_table(DATA / "office_report_villages.xlsx"), get_layer("signal"), context
    )
    approximate = [r for r in records if r.attributes.get("position_approximate")]
    assert [(r.row, r.commune_code) for r in approximate] == [(13, "06325"), (18, "06463")]
    communes = context.communes.set_index("code").geometry
    for record in approximate:
        assert communes[record.commune_code].contains(record.geometry)
    assert (
        "2 row(s) give only a commune and were placed at its centre (approximate position): "
        "rows 13, 18"
    ) in report.notes[-3]


def test_a_village_given_by_its_pre_2025_commune_sits_in_that_old_commune(context, tmp_path):
    path = tmp_path / "thon_ban_xa_cu.csv"
    path.write_text(
        "Tên thôn bản,Xã,Kinh độ,Vĩ độ,Trạng thái\n"
        "Thôn Pác Mòng,Xã Mai Pha,,,Chưa triển khai\n"
        "Bản Nà Lạn,Xã Bắc Sơn,,,Tạm dừng\n",
        encoding="utf-8",
    )
    records, report = parse_records(read_table(path), get_layer("signal"), context)
    assert report.ok, report.problems
    old = context.legacy_communes.set_index("name").geometry["Xã Mai Pha"]
    assert old.contains(records[0].geometry)
    assert records[0].attributes["position_approximate"] is True
    assert records[0].record_id == f"{records[0].commune_code}-thon-pac-mong"
    assert (
        "Dòng 2 ghi tên xã cũ (trước 1/7/2025), đã đặt tại trung tâm xã cũ / Rows 2 name a "
        "commune as it was "
        "before 1 July 2025 and were placed at its centre"
    ) in report.notes


def test_next_months_report_keeps_the_ids_of_this_months(context):
    this, _ = parse_records(
        read_table(DATA / "office_report_villages.xlsx"), get_layer("signal"), context
    )
    later, report = parse_records(
        read_table(DATA / "office_report_villages_next_month.xlsx"), get_layer("signal"), context
    )
    assert report.ok, report.problems
    assert [r.record_id for r in later] == [r.record_id for r in this]
    assert [r.state.date for r in later] == [dt.date(2025, 12, 31)] * 7


def test_one_village_twice_in_a_commune_is_a_row_problem_naming_both_rows(context):
    records, report = parse_records(
        read_table(DATA / "office_villages_same_name_twice.csv"), get_layer("signal"), context
    )
    assert len(report.problems) == 1, [(p.row, p.field, p.code, p.message_en)
                                       for p in report.problems]  # fmt: skip
    [problem] = report.problems
    assert (problem.row, problem.field, problem.value) == (11, "Tên thôn bản", "Bản  Nà  Lạn")
    assert problem.message_en == (
        "Same layer, commune and name as row 9 ('Bản  Nà  Lạn'): with no id column, each "
        "record is told apart by these; give the rows an id column or tell them apart"
    )
    assert problem.message_vi.startswith("Trùng lớp, xã và tên với dòng 9 («Bản  Nà  Lạn»)")


def _sheet_with_formula(tmp_path: Path, cached: bool, *more_rows: list) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["ma", "ten", "kinh_do", "vi_do", "tien_do"])
    sheet.append(["A", "Bản A", 106.3119, 21.9147, "=20+25"])
    for row in more_rows:
        sheet.append(row)
    path = tmp_path / "formula.xlsx"
    book.save(path)
    if cached:
        # Excel keeps the value it last computed beside the formula.
        buffer = io.BytesIO()
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    # openpyxl writes the empty value as <v /> (ElementTree) or <v></v> (lxml).
                    data = re.sub(rb"<f>20\+25</f><v ?/>|<f>20\+25</f><v></v>",
                                  b"<f>20+25</f><v>45</v>", data)
                target.writestr(item, data)
        path.write_bytes(buffer.getvalue())
    return path


def test_a_formula_cell_is_read_as_its_cached_value(tmp_path):
    table = read_table(_sheet_with_formula(tmp_path, cached=True))
    assert table.frame["tien_do"].tolist() == ["45"]


def test_a_formula_without_a_cached_value_is_refused_naming_its_cell(tmp_path):
    with pytest.raises(GeodataError) as caught:
        read_table(_sheet_with_formula(tmp_path, cached=False))
    assert caught.value.row == 2
    assert "E2" in str(caught.value)
    assert "E2" in caught.value.user_msg_vi


@pytest.mark.parametrize("cached", [True, False])
def test_a_workbook_with_formulas_and_empty_cells_is_parsed_once(tmp_path, monkeypatch, cached):
    import geodata.readers_sheets as sheets

    # Row 3 leaves its progress empty: the check for uncomputed formulas has work to do.
    path = _sheet_with_formula(tmp_path, cached, ["B", "Bản B", 106.3120, 21.9150, None])
    with zipfile.ZipFile(path) as source:
        assert (b"<v>45</v>" in source.read("xl/worksheets/sheet1.xml")) is cached
    opened = []
    real = sheets.load_workbook
    monkeypatch.setattr(sheets, "load_workbook", lambda *a, **k: opened.append(k) or real(*a, **k))
    if cached:
        assert read_table(path).frame["tien_do"].tolist() == ["45", ""]
    else:
        with pytest.raises(GeodataError) as caught:
            read_table(path)
        assert [p.field for p in caught.value.problems] == ["E2"]
    assert len(opened) == 1


def test_a_record_that_mentions_a_director_or_starts_with_a_numeral_stays_a_record(tmp_path):
    path = tmp_path / "ghi_chu.csv"
    path.write_text(
        "ma,ten,kinh_do,vi_do,trang_thai,ghi_chu\n"
        "I,Bản I,106.3119,21.9147,Hoàn thành,Giám đốc Sở đã kiểm tra ngày 3 tháng 5 năm 2025\n"
        "B,Bản B,106.9165,21.7699,Tạm dừng,\n"
        ",,,,,\n"
        ",NGƯỜI LẬP BIỂU,,,,KT. GIÁM ĐỐC\n",
        encoding="utf-8",
    )
    table = read_table(path)
    assert table.row_numbers == [2, 3]
    assert table.notes == (
        "Bỏ qua phần ký tên cuối biểu: dòng 5 / Skipped the signature block below the table: "
        "row(s) 5",
    )


MINIMAL_CSV_WITH_A_NAMELESS_ROW = (
    "ma,loai,ten,kinh_do,vi_do,trang_thai,tien_do,ngay_cap_nhat\r\n"
    "CN-01,industry,Cụm công nghiệp Hợp Thành,106.9253,21.6843,Đang triển khai,40,30/09/2025\r\n"
    "CN-02,industry,,106.9301,21.6870,Tạm dừng,10,30/09/2025\r\n"
    "DS-01,geopark,Hang Gió,106.9253,21.6843,Hoàn thành,100,30/09/2025\r\n"
)


def test_a_row_with_an_id_but_no_name_is_a_row_problem(context, tmp_path):
    path = tmp_path / "danh_sach_du_an.csv"
    path.write_bytes(MINIMAL_CSV_WITH_A_NAMELESS_ROW.encode("utf-8-sig"))
    records, report = parse_records(read_table(path), None, context)
    assert not report.ok
    assert [(p.row, p.field, p.code) for p in report.problems] == [(3, "ten", "missing_name")]
    assert len(report.problems) == 1, [(p.row, p.field, p.code, p.message_en)
                                       for p in report.problems]  # fmt: skip
    [problem] = report.problems
    assert problem.message_vi == "Dòng 3 có mã (CN-02) nhưng chưa có tên: cần điền cột «ten»"
    assert problem.message_en == "Row 3 has an id (CN-02) but no name: fill in column 'ten'"
    assert [r.record_id for r in records] == ["CN-01", "DS-01"]  # nothing is named "… – CN-02"
    assert all("–" not in r.name for r in records)


def test_a_sheet_with_ids_and_no_name_column_lacks_a_required_column(context, tmp_path):
    path = tmp_path / "danh_sach_khong_ten.csv"
    path.write_text("ma,loai,kinh_do,vi_do,trang_thai\r\n"
                    "CN-01,industry,106.9253,21.6843,Tạm dừng\r\n", encoding="utf-8")  # fmt: skip
    records, report = parse_records(read_table(path), None, context)
    assert records == []
    assert len(report.problems) == 1, [(p.row, p.field, p.code, p.message_en)
                                       for p in report.problems]  # fmt: skip
    [problem] = report.problems
    assert (problem.row, problem.field, problem.code) == (None, "ten", "missing_column")
    assert problem.message_vi.startswith("Thiếu cột bắt buộc «ten» (tên bản ghi) của lớp industry")


# "Xã Hồng Thái" was a commune of Bình Gia (06115) and one of Văn Lãng (06175) before 2025;
# no 2025 commune bears the name.
SHARED_OLD_NAME_CSV = (
    "STT,Tên thôn bản,Xã,Huyện,Trạng thái\r\n"
    "1,Thôn Khòn Pá,Xã Hồng Thái,Huyện Văn Lãng,Chưa triển khai\r\n"
    "2,Thôn Nà Lệnh,Xã Hồng Thái,,Chưa triển khai\r\n"
    "3,Bản Pò Mò,Hồng Thái,Bình Gia,Đang triển khai\r\n"
)


def test_a_pre_2025_name_of_two_districts_is_placed_by_its_district_column(context, tmp_path):
    path = tmp_path / "thon_lom_song.csv"
    path.write_text(SHARED_OLD_NAME_CSV, encoding="utf-8")
    records, report = parse_records(read_table(path), get_layer("signal"), context)
    legacy = context.legacy_communes.set_index("code").geometry
    placed = {r.row: r for r in records}
    assert sorted(placed) == [2, 4]
    assert legacy["06175"].contains(placed[2].geometry)  # Hồng Thái of Văn Lãng
    assert legacy["06115"].contains(placed[4].geometry)  # Hồng Thái of Bình Gia
    assert all(r.attributes["position_approximate"] for r in records)
    assert len(report.problems) == 1, [(p.row, p.field, p.code, p.message_en)
                                       for p in report.problems]  # fmt: skip
    [problem] = report.problems
    assert (problem.row, problem.field, problem.value, problem.code) == (
        3, "Xã", "Xã Hồng Thái", "ambiguous_commune")
    assert problem.message_vi == (
        "Dòng 3: trước 1/7/2025 có nhiều xã tên «Xã Hồng Thái»: Xã Hồng Thái (Huyện Bình Gia); "
        "Xã Hồng Thái (Huyện Văn Lãng); hãy thêm cột huyện hoặc ghi tọa độ"
    )
    assert problem.message_en.startswith(
        "Row 3: before 1 July 2025 several communes were named 'Xã Hồng Thái': "
        "Xã Hồng Thái (Huyện Bình Gia); Xã Hồng Thái (Huyện Văn Lãng)"
    )
