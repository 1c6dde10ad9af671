import doctest
import struct
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest

import pyproj

import geodata.rawtable
import geodata.readers
import geodata.readers_sheets
from geodata.crs import to_wgs84
from geodata.errors import GeodataError, InvalidCRS, LegacyEncoding
from geodata.readers import read_table

DATA = Path(__file__).resolve().parents[1] / "data"
NAMES = ["Thành phố Lạng Sơn", "Hữu Lũng", "Đình Lập"]
LON_LAT = [(106.7613, 21.8537), (106.3431, 21.5034), (107.0950, 21.5442)]


def assert_bilingual(error):
    assert error.user_msg
    assert error.user_msg_vi
    assert error.user_msg != error.user_msg_vi


def assert_nfc(frame):
    for column in frame.columns:
        for value in frame[column]:
            assert isinstance(value, str)
            assert unicodedata.is_normalized("NFC", value)


# --- CSV ----------------------------------------------------------------------------------------


def test_utf8_bom_csv_reads_vietnamese_and_keeps_no_bom_in_the_first_header():
    table = read_table(DATA / "points_utf8_bom.csv")
    assert table.source_format == "csv"
    assert table.encoding == "utf-8-sig"
    assert list(table.frame.columns) == ["ma", "ten", "lon", "lat", "ghi_chu"]
    assert list(table.frame["ten"]) == NAMES
    assert table.row_numbers == [2, 3, 4]
    assert table.geometry is None and table.crs is None and table.sheet is None
    assert_nfc(table.frame)


def test_csv_values_stay_text_exactly_as_typed_and_empty_cells_are_empty_strings():
    table = read_table(DATA / "points_utf8_bom.csv")
    assert list(table.frame["lon"]) == ["106.7613", "106.3431", "107.095"]
    assert list(table.frame["ghi_chu"]) == ["", "Khu du lịch Hữu Liên", ""]


def test_cp1258_csv_with_combining_tone_marks_comes_out_in_nfc():
    raw = (DATA / "points_cp1258.csv").read_bytes().decode("cp1258")
    assert "\u0323" in raw  # the fixture really uses cp1258's combining dot below
    table = read_table(DATA / "points_cp1258.csv")
    assert table.encoding == "cp1258"
    assert list(table.frame["ten"]) == NAMES
    assert table.frame["ghi_chu"][1] == "Khu du lịch Hữu Liên"
    assert_nfc(table.frame)


def test_cp1258_csv_delimiter_semicolon_is_sniffed_and_decimal_commas_are_kept():
    table = read_table(DATA / "points_cp1258.csv")
    assert list(table.frame.columns) == ["ma", "ten", "lon", "lat", "ghi_chu"]
    assert table.frame["lon"][0] == "106,7613"


def test_tcvn3_csv_with_tabs_is_converted_and_noted():
    table = read_table(DATA / "points_tcvn3_tab.csv")
    assert table.encoding == "tcvn3"
    assert list(table.frame["ten"]) == NAMES
    assert any("ten" in note and "TCVN3" in note for note in table.notes)
    assert_nfc(table.frame)


def test_csv_rows_are_numbered_as_the_spreadsheet_shows_them_across_blank_rows():
    table = read_table(DATA / "points_blank_lines.csv")
    # Two blank lines, the header on row 3, an empty row 5 between the data rows.
    assert table.row_numbers == [4, 6, 7]
    assert list(table.frame["ma"]) == ["LS01", "LS02", "LS03"]


def test_empty_csv_is_refused_with_a_message_in_both_languages():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "empty.csv")
    assert "empty" in caught.value.user_msg
    assert_bilingual(caught.value)


def test_csv_with_only_blank_cells_is_refused_for_having_no_header():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "no_header.csv")
    assert "header" in caught.value.user_msg
    assert_bilingual(caught.value)


def test_csv_with_a_repeated_header_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "repeated_header.csv"
    path.write_text("ma,ten,ten\r\nLS01,a,b\r\n", encoding="utf-8")
    with pytest.raises(GeodataError) as caught:
        read_table(path)
    assert caught.value.field == "ten"
    assert caught.value.row == 1


def test_csv_column_without_header_but_with_values_is_named_and_noted(tmp_path):
    path = tmp_path / "missing_header_cell.csv"
    path.write_text("ma,,\r\nLS01,x,\r\n", encoding="utf-8")
    table = read_table(path)
    assert list(table.frame.columns) == ["ma", "column_2"]
    assert any("column_2" in note for note in table.notes)


def test_csv_with_undecidable_legacy_text_reports_row_and_field(tmp_path):
    path = tmp_path / "villages_unknown_encoding.csv"
    path.write_bytes(b"ma,ten\r\nA,Lang Son\r\n\r\nB,\xa4\xa5\xa6\xa7 \xb0\xb1\xb2\r\n")
    with pytest.raises(LegacyEncoding) as caught:
        read_table(path)
    assert caught.value.row == 4
    assert caught.value.field == "ten"
    assert_bilingual(caught.value)


def test_utf8_csv_with_degree_and_square_signs_is_left_as_typed(tmp_path):
    path = tmp_path / "symbols_utf8.csv"
    rows = ["ten,ghi_chu", "Mẫu Sơn,Nhiệt độ 2°C", "Hồ Khuổi Khe,Diện tích 3 m² ± 0.5"]
    path.write_text("\r\n".join(rows), encoding="utf-8")
    table = read_table(path)
    assert list(table.frame["ghi_chu"]) == ["Nhiệt độ 2°C", "Diện tích 3 m² ± 0.5"]
    assert table.notes == ()


def test_tcvn3_typed_text_saved_as_utf8_is_converted(tmp_path):
    path = tmp_path / "tcvn3_font_saved_as_utf8.csv"
    legacy = (DATA / "points_tcvn3_tab.csv").read_bytes().decode("latin-1")
    path.write_text(legacy, encoding="utf-8")
    table = read_table(path)
    assert list(table.frame["ten"]) == NAMES
    assert table.encoding == "tcvn3"


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_reads_the_first_sheet_with_excel_row_numbers():
    table = read_table(DATA / "two_sheets.xlsx")
    assert table.source_format == "xlsx"
    assert table.sheet == "Dự án"
    # Header on row 3, row 5 empty.
    assert table.row_numbers == [4, 6, 7]
    assert list(table.frame["ma"]) == ["DA01", "DA02", "DA03"]
    assert_nfc(table.frame)


def test_xlsx_cells_become_the_text_a_user_sees():
    frame = read_table(DATA / "two_sheets.xlsx").frame
    assert list(frame["ngay_khoi_cong"]) == ["2025-03-15", "2025-06-01", ""]
    assert list(frame["von_ty_dong"]) == ["1234.5", "7", "0.25"]
    # Row 6 holds the formula =E4*2; its cached value is read.
    assert list(frame["so_ho"]) == ["12", "24", ""]


def test_xlsx_sheet_is_chosen_by_name_and_leading_zeros_survive():
    table = read_table(DATA / "two_sheets.xlsx", sheet="Xã")
    assert table.sheet == "Xã"
    assert table.row_numbers == [2]
    assert table.frame.to_dict("records") == [{"ma_xa": "06004", "ten_xa": "Phường Lương Văn Tri"}]


def test_unknown_xlsx_sheet_is_refused_listing_the_sheets():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "two_sheets.xlsx", sheet="Sheet9")
    assert "Dự án" in caught.value.user_msg and "Xã" in caught.value.user_msg
    assert "Dự án" in caught.value.user_msg_vi
    assert caught.value.field == "Sheet9"


def test_xlsx_typed_in_a_tcvn3_font_is_converted_and_noted(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["ma", "ten"])
    legacy = (DATA / "points_tcvn3_tab.csv").read_bytes().decode("cp1252").splitlines()[1:]
    for line in legacy:
        workbook.active.append(line.split("\t")[:2])
    workbook.save(tmp_path / "vntime_font.xlsx")
    table = read_table(tmp_path / "vntime_font.xlsx")
    assert list(table.frame["ten"]) == NAMES
    assert any("TCVN3" in note for note in table.notes)


def test_csv_text_named_xlsx_is_refused_without_library_wording():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "not_an_xlsx.xlsx")
    assert ".xlsx" in caught.value.user_msg
    assert "zip" not in caught.value.user_msg.lower()
    assert_bilingual(caught.value)


# --- GeoJSON, GeoPackage, KML -------------------------------------------------------------------


def assert_points(table):
    assert list(table.frame["ten"]) == NAMES
    assert table.row_numbers == [1, 2, 3]
    assert table.geometry.crs == table.crs
    for point, (lon, lat) in zip(table.geometry, LON_LAT, strict=True):
        assert point.x == pytest.approx(lon) and point.y == pytest.approx(lat)


def test_geojson_is_read_in_wgs84_with_feature_numbers():
    table = read_table(DATA / "points.geojson")
    assert table.source_format == "geojson"
    assert table.crs.to_epsg() == 4326
    assert_points(table)
    assert list(table.frame["so_ho"]) == ["12", "7", "30"]
    assert_nfc(table.frame)


def test_invalid_and_missing_geometries_are_kept_as_they_are():
    table = read_table(DATA / "polygon_self_intersecting_and_null.geojson")
    assert table.row_numbers == [1, 2]
    assert not table.geometry[0].is_valid
    assert table.geometry[1] is None
    assert list(table.frame["ten"]) == ["Hình nơ tự cắt", "Không có hình"]


def test_truncated_geojson_is_refused_without_the_parser_message():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "broken.geojson")
    assert "broken.geojson" in caught.value.user_msg
    assert "Unterminated" not in caught.value.user_msg
    assert_bilingual(caught.value)


def test_geopackage_with_one_layer_is_read_without_naming_it():
    table = read_table(DATA / "points.gpkg")
    assert table.source_format == "gpkg"
    assert table.crs.to_epsg() == 4326
    assert_points(table)


def test_geopackage_with_several_layers_needs_a_layer_and_lists_them():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "two_layers.gpkg")
    assert "diem" in caught.value.user_msg and "tuyen" in caught.value.user_msg
    line = read_table(DATA / "two_layers.gpkg", layer="tuyen")
    assert line.frame["ten"][0] == "Cao tốc Hữu Nghị - Chi Lăng"
    assert line.geometry[0].geom_type == "LineString"


def test_unknown_geopackage_layer_is_refused_listing_the_layers():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "points.gpkg", layer="khong_co")
    assert "diem" in caught.value.user_msg
    assert caught.value.field == "khong_co"


def test_kml_names_and_extended_data_are_read_without_libkml_defaults():
    table = read_table(DATA / "points.kml")
    assert table.source_format == "kml"
    assert table.crs.to_epsg() == 4326
    assert_points(table)
    assert list(table.frame["Name"]) == NAMES
    assert "tessellate" not in table.frame.columns
    assert "id" not in table.frame.columns


# --- Shapefile ----------------------------------------------------------------------------------


def test_vn2000_shapefile_written_by_ogr2ogr_comes_back_within_a_metre_in_wgs84():
    table = read_table(DATA / "points_vn2000_langson.zip")
    assert table.source_format == "shapefile"
    assert table.crs.is_projected
    assert table.geometry.total_bounds[0] > 100_000  # metres, not degrees
    assert list(table.frame["ten"]) == NAMES
    assert table.crs.source_crs.to_epsg() == 9215  # VN-2000 / TM-3 107-15, bound to WGS 84
    lons, lats = to_wgs84(table.geometry.x, table.geometry.y, table.crs)
    geod = pyproj.Geod(ellps="WGS84")
    # ogr2ogr got the common +towgs84 whose rotations have EPSG:6960's coordinate-frame signs;
    # the reader applies EPSG:6960 itself, so the two differ by the ~0.77 m that slip costs.
    for lon, lat, (lon0, lat0) in zip(lons, lats, LON_LAT, strict=True):
        assert geod.inv(lon, lat, lon0, lat0)[2] < 1.0


def test_shapefile_without_prj_and_no_crs_asks_for_crs_naming_the_file():
    with pytest.raises(InvalidCRS) as caught:
        read_table(DATA / "shapefile_without_prj.zip")
    assert "shapefile_without_prj.zip" in caught.value.user_msg
    assert "--crs" in caught.value.user_msg
    assert "--crs" in caught.value.user_msg_vi
    assert_bilingual(caught.value)


def test_shapefile_without_prj_reads_with_a_given_crs():
    table = read_table(DATA / "shapefile_without_prj.zip", crs=pyproj.CRS.from_epsg(4326))
    assert table.crs.to_epsg() == 4326
    assert_points(table)


def test_given_crs_overrides_the_prj_without_moving_coordinates():
    table = read_table(DATA / "points_vn2000_langson.zip", crs=pyproj.CRS.from_epsg(3405))
    assert table.crs.to_epsg() == 3405
    assert table.geometry.crs.to_epsg() == 3405
    assert table.geometry.total_bounds[0] > 100_000
    assert any("replaced" in note for note in table.notes)


def test_crs_may_be_given_as_text():
    table = read_table(DATA / "shapefile_without_prj.zip", crs="EPSG:4326")
    assert table.crs.to_epsg() == 4326


def test_unreadable_prj_is_refused_naming_the_file(tmp_path):
    with zipfile.ZipFile(DATA / "shapefile_without_prj.zip") as bundle:
        bundle.extractall(tmp_path)
    (tmp_path / "diem.prj").write_text("not a coordinate system", encoding="ascii")
    with pytest.raises(InvalidCRS) as caught:
        read_table(tmp_path / "diem.shp")
    assert "diem.shp" in caught.value.user_msg and "--crs" in caught.value.user_msg
    assert_bilingual(caught.value)
    assert read_table(tmp_path / "diem.shp", crs="EPSG:4326").row_numbers == [1, 2, 3]


def test_tcvn3_names_without_cpg_are_converted_and_noted():
    table = read_table(DATA / "tcvn3_names_without_cpg.zip")
    assert list(table.frame["ten"]) == NAMES
    assert table.encoding == "tcvn3"
    assert any("ten" in note and "TCVN3" in note for note in table.notes)
    assert_nfc(table.frame)


def test_cpg_that_says_utf8_over_tcvn3_bytes_is_ignored_and_noted():
    table = read_table(DATA / "cpg_says_utf8_but_tcvn3.zip")
    assert list(table.frame["ten"]) == NAMES
    assert any(".cpg" in note for note in table.notes)
    assert any("TCVN3" in note for note in table.notes)


def test_zip_with_two_shapefiles_is_refused_listing_them():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "two_shapefiles.zip")
    assert "diem.shp" in caught.value.user_msg and "xa.shp" in caught.value.user_msg


def test_text_file_named_zip_is_refused_with_a_clear_message():
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "not_a_zip.zip")
    assert "zip" in caught.value.user_msg
    assert_bilingual(caught.value)


def test_cp1258_names_with_cpg_are_decoded_to_nfc():
    table = read_table(DATA / "cp1258_names_with_cpg.zip")
    assert table.encoding == "cp1258"
    assert list(table.frame["ten"]) == NAMES
    assert_nfc(table.frame)


def test_unpacked_shapefile_is_read_from_its_shp(tmp_path):
    with zipfile.ZipFile(DATA / "tcvn3_names_without_cpg.zip") as bundle:
        bundle.extractall(tmp_path)
    table = read_table(tmp_path / "xa.shp")
    assert list(table.frame["ten"]) == NAMES
    assert table.crs.to_epsg() == 4326


# --- files in general ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("diem.xls", ".xlsx"), ("diem.dwg", ".geojson"), ("khong_co.csv", "not found")],
)
def test_unsupported_or_missing_files_are_refused_with_a_hint(name, expected):
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / name)
    assert expected in caught.value.user_msg
    assert_bilingual(caught.value)


@pytest.mark.parametrize("module", [geodata.rawtable, geodata.readers, geodata.readers_sheets])
def test_reader_doctests_pass(module):
    failures, tested = doctest.testmod(module)
    assert tested > 0
    assert failures == 0


def _rezip(tmp_path, name, replace=None):
    """The districts Shapefile zipped again, members optionally replaced by other bytes."""
    out = tmp_path / name
    with zipfile.ZipFile(DATA / "districts_2019.zip") as source, zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED
    ) as target:
        for info in source.infolist():
            data = (replace or {}).get(Path(info.filename).suffix, source.read(info))
            target.writestr(info.filename, data)
    return out


def _lie_about_size(path, member_suffix, declared):
    """Rewrite the uncompressed size that both zip headers give for one member."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as bundle:
        info = next(i for i in bundle.infolist() if i.filename.endswith(member_suffix))
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, declared)  # local file header
    central = data.index(b"PK\x01\x02")
    while not data[central + 46:].startswith(info.filename.encode()):
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)  # central directory entry
    path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    with zipfile.ZipFile(DATA / "districts_2019.zip") as bundle:
        original = bundle.read("ranh_gioi_huyen.dbf")
    bomb = _rezip(tmp_path, "ranh_gioi_bom.zip", {".dbf": original + b" " * 60_000_000})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(GeodataError) as caught:
        read_table(bomb)
    assert caught.value.user_msg == (
        "ranh_gioi_bom.zip: ranh_gioi_huyen.dbf is compressed more than 200 times; "
        "such archives are refused (a zip bomb)."
    )
    assert_bilingual(caught.value)


@pytest.mark.parametrize("declared", [1000, 40_000])
def test_a_zip_whose_headers_lie_about_a_members_size_is_refused_as_damaged(tmp_path, declared):
    lying = _lie_about_size(_rezip(tmp_path, "ranh_gioi_sai.zip"), ".shp", declared)
    with pytest.raises(GeodataError) as caught:
        read_table(lying)
    assert caught.value.user_msg == (
        "ranh_gioi_sai.zip is damaged: its contents do not match what its headers say."
    )
    assert_bilingual(caught.value)


def test_a_zip_that_unpacks_to_more_than_the_callers_cap_is_refused(tmp_path):
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "districts_2019.zip", max_unpacked=10 * 1024)
    assert caught.value.user_msg == "districts_2019.zip unpacks to more than 10 KB."
    assert read_table(DATA / "districts_2019.zip", max_unpacked=100_000).frame.shape[0] == 11


def _workbook_bomb(path: Path, repeats: int) -> Path:
    """Write a valid minimal project workbook whose sheet ends in a huge run of equal rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ma", "loai", "ten", "kinh_do", "vi_do", "trang_thai"])
    sheet.append(["CN-01", "industry", "Cụm công nghiệp Hợp Thành", 106.9253, 21.6843, "Tạm dừng"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    run = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>' * repeats
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED
    ) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", run + b"</sheetData>")
            target.writestr(info.filename, data)
    return path


def test_an_xlsx_bomb_is_refused_before_the_workbook_is_parsed(tmp_path):
    bomb = _workbook_bomb(tmp_path / "du_an_bom.xlsx", 1_000_000)
    assert bomb.stat().st_size < 500_000  # about 50 MB of sheet XML
    with pytest.raises(GeodataError) as caught:
        read_table(bomb)
    assert caught.value.user_msg == (
        "du_an_bom.xlsx: xl/worksheets/sheet1.xml is compressed more than 200 times; "
        "such archives are refused (a zip bomb)."
    )
    assert_bilingual(caught.value)


def test_an_xlsx_larger_unpacked_than_the_callers_cap_is_refused(tmp_path):
    with pytest.raises(GeodataError) as caught:
        read_table(DATA / "office_minimal_projects.xlsx", max_unpacked=4 * 1024)
    assert caught.value.user_msg == "office_minimal_projects.xlsx unpacks to more than 4 KB."
    assert read_table(DATA / "office_minimal_projects.xlsx", max_unpacked=10**6).frame.shape[0]


def test_an_xlsx_whose_headers_lie_about_a_sheets_size_is_refused_as_damaged(tmp_path):
    workbook = _workbook_bomb(tmp_path / "du_an_sai.xlsx", 10)
    lying = _lie_about_size(workbook, "sheet1.xml", 200)
    with pytest.raises(GeodataError) as caught:
        read_table(lying)
    assert caught.value.user_msg == (
        "du_an_sai.xlsx is damaged: its contents do not match what its headers say."
    )
