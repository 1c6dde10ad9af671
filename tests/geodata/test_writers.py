import datetime as dt
import doctest
import json
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import geopandas as gpd
import pyproj
import shapely

import geodata.writers
import geodata.writers_office
from geodata.crs import resolve_crs, to_wgs84
from geodata.errors import GeodataError, InvalidCRS
from geodata.readers import read_table
from geodata.writers import (
    EXPORT_FORMATS,
    safe_cell,
    write_table,
    write_table_csv,
    write_table_xlsx,
)

NAMES = ["Thành phố Lạng Sơn", "Hữu Lũng", "Đình Lập"]
LON_LAT = [(106.76131234567, 21.85371234567), (106.3431, 21.5034), (107.095, 21.5442)]
LABELS = {"commune_code": "Mã xã", "commune_name": "Tên xã", "ten": "Tên"}
VN2000_LANGSON = resolve_crs("vn2000-langson")
FILE_SUFFIX = {"shapefile": "zip"}


@pytest.fixture
def frame():
    return gpd.GeoDataFrame(
        {
            "ten": NAMES,
            "commune_code": ["06004", "06253", "06313"],
            "commune_name": ["Lương Văn Tri", "Hữu Lũng", "Đình Lập"],
            "commune_name_2025": ["Lương Văn Tri", "Hữu Lũng", "Đình Lập"],
            "so_ho": [12, 7, 30],
            "ty_le": [0.5, 0.25, 1.0],
            "ngay": pd.to_datetime(["2025-03-15", "2025-06-01", "2025-11-30"]),
            "ghi_chu": ["=1+1", "@SUM(A1)", "bình thường"],
        },
        geometry=[shapely.Point(p) for p in LON_LAT],
        crs="EPSG:4326",
    )


def export(frame, fmt, tmp_path, **options):
    content, mime, name = write_table(frame, fmt, layer_name="diem_du_an", **options)
    assert name == f"diem_du_an.{FILE_SUFFIX.get(fmt, fmt)}"
    assert mime
    path = tmp_path / name
    path.write_bytes(content)
    return path


def gdal_path(path, tmp_path):
    """The path ogrinfo opens: the .shp of an unpacked Shapefile export, else the file."""
    if path.suffix != ".zip":
        return path
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as bundle:
        bundle.extractall(folder)
    return next(folder.glob("*.shp"))


def ogrinfo(*args):
    result = subprocess.run(["ogrinfo", "-ro", *map(str, args)], capture_output=True, text=True,
                            check=True, encoding="utf-8")
    return result.stdout


# --- opened by GDAL's own ogrinfo ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shapefile", "kml"])
def test_gis_export_opens_in_ogrinfo_with_layer_count_crs_and_vietnamese_text(
    frame, fmt, tmp_path
):
    path = gdal_path(export(frame, fmt, tmp_path), tmp_path)
    summary = ogrinfo("-so", "-al", path)
    assert "Layer name: diem_du_an" in summary
    assert "Feature Count: 3" in summary
    assert re.search(r'ID\["EPSG",4326\]', summary) or 'GEOGCRS["WGS 84"' in summary
    assert "Lạng Sơn" in ogrinfo("-al", path)


def test_csv_export_opens_in_ogrinfo_as_points_from_lon_lat(frame, tmp_path):
    path = export(frame, "csv", tmp_path)
    options = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat"]
    summary = ogrinfo("-so", "-al", *options, path)
    assert "Layer name: diem_du_an" in summary
    assert "Geometry: Point" in summary
    assert "Feature Count: 3" in summary
    assert "Lạng Sơn" in ogrinfo("-al", path)


def test_xlsx_export_opens_in_ogrinfo_with_typed_columns(frame, tmp_path):
    path = export(frame, "xlsx", tmp_path)
    summary = ogrinfo("-so", "-al", path)
    assert "Layer name: diem_du_an" in summary
    assert "Feature Count: 3" in summary
    assert "so_ho: Integer" in summary and "lon: Real" in summary
    assert "commune_code: String" in summary
    assert "Lạng Sơn" in ogrinfo("-al", path)


def test_shapefile_export_in_vn2000_opens_in_ogrinfo_as_tm3_on_107_15(frame, tmp_path):
    vn2000 = VN2000_LANGSON
    path = gdal_path(export(frame, "shapefile", tmp_path, crs=vn2000), tmp_path)
    summary = ogrinfo("-so", "-al", path)
    assert "Feature Count: 3" in summary
    assert "Transverse Mercator" in summary
    assert re.search(r'"Longitude of natural origin",107\.25', summary)
    assert re.search(r'"Scale factor at natural origin",0\.9999', summary)
    assert re.search(r'"False easting",500000', summary)
    assert "Lạng Sơn" in ogrinfo("-al", path)


# --- round trips through read_table -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shapefile", "kml"])
def test_gis_export_reads_back_with_the_same_names_and_positions(frame, fmt, tmp_path):
    table = read_table(export(frame, fmt, tmp_path))
    assert list(table.frame["ten"]) == NAMES
    assert table.crs.to_epsg() == 4326
    assert table.row_numbers == [1, 2, 3]
    for point, (lon, lat) in zip(table.geometry, LON_LAT, strict=True):
        assert point.x == pytest.approx(lon, abs=1e-7)
        assert point.y == pytest.approx(lat, abs=1e-7)
    assert list(table.frame["commune_name_2025"]) == list(frame["commune_name_2025"])
    assert list(table.frame["commune_code"]) == ["06004", "06253", "06313"]
    assert list(table.frame["ngay"]) == ["2025-03-15", "2025-06-01", "2025-11-30"]
    assert list(table.frame["so_ho"]) == ["12", "7", "30"]
    assert "id" not in table.frame.columns


@pytest.mark.parametrize("fmt", ["gpkg", "shapefile"])
def test_vn2000_export_reads_back_in_vn2000_within_a_centimetre(frame, fmt, tmp_path):
    table = read_table(export(frame, fmt, tmp_path, crs="vn2000-langson"))
    assert table.crs.source_crs.to_epsg() == 9215
    lons, lats = to_wgs84(table.geometry.x, table.geometry.y, table.crs)
    geod = pyproj.Geod(ellps="WGS84")
    for lon, lat, (lon0, lat0) in zip(lons, lats, LON_LAT, strict=True):
        assert geod.inv(lon, lat, lon0, lat0)[2] < 0.01


def test_csv_export_in_vn2000_has_x_y_columns_in_metres(frame, tmp_path):
    table = read_table(export(frame, "csv", tmp_path, crs=VN2000_LANGSON))
    assert list(table.frame.columns)[-2:] == ["x", "y"]
    assert 400_000 < float(table.frame["x"][0]) < 500_000
    assert 2_400_000 < float(table.frame["y"][0]) < 2_500_000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_export_reads_back_with_lon_lat_columns(frame, fmt, tmp_path):
    table = read_table(export(frame, fmt, tmp_path))
    assert list(table.frame["ten"]) == NAMES
    assert list(table.frame["lon"]) == ["106.7613123", "106.3431", "107.095"]
    assert list(table.frame["lat"]) == ["21.8537123", "21.5034", "21.5442"]
    assert list(table.frame["ngay"]) == ["2025-03-15", "2025-06-01", "2025-11-30"]
    assert list(table.frame["so_ho"]) == ["12", "7", "30"]
    assert table.frame["ghi_chu"][0] == "'=1+1"
    assert table.row_numbers == [2, 3, 4]


def test_every_export_format_is_covered():
    assert set(EXPORT_FORMATS) == {"geojson", "csv", "xlsx", "gpkg", "shapefile", "kml"}


def test_polygons_go_to_spreadsheets_as_wkt(tmp_path):
    square = shapely.box(106.7, 21.8, 106.8, 21.9)
    polygons = gpd.GeoDataFrame({"ten": ["Ô vuông"]}, geometry=[square], crs="EPSG:4326")
    table = read_table(export(polygons, "csv", tmp_path))
    assert list(table.frame.columns) == ["ten", "wkt"]
    assert shapely.from_wkt(table.frame["wkt"][0]).equals(square)


# --- format details -----------------------------------------------------------------------------


def test_geojson_export_is_rfc7946_with_coordinates_rounded_to_seven_decimals(frame, tmp_path):
    document = json.loads(export(frame, "geojson", tmp_path).read_text(encoding="utf-8"))
    assert "crs" not in document
    assert document["features"][0]["geometry"]["coordinates"] == [106.7613123, 21.8537123]
    assert document["features"][0]["properties"]["ten"] == "Thành phố Lạng Sơn"


def test_geojson_export_is_reprojected_to_wgs84(frame, tmp_path):
    projected = frame.to_crs(VN2000_LANGSON)
    document = json.loads(export(projected, "geojson", tmp_path).read_text(encoding="utf-8"))
    lon, lat = document["features"][1]["geometry"]["coordinates"]
    assert lon == pytest.approx(106.3431, abs=1e-6) and lat == pytest.approx(21.5034, abs=1e-6)


def test_csv_export_starts_with_the_utf8_bom_and_guards_formulas(frame, tmp_path):
    content = export(frame, "csv", tmp_path).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "ten,commune_code,commune_name,commune_name_2025,so_ho,ty_le,ngay,ghi_chu,lon,lat"
    )
    assert ",'=1+1," in text and ",'@SUM(A1)," in text


def test_xlsx_export_has_a_bold_frozen_header_typed_cells_and_no_formula(frame, tmp_path):
    workbook = openpyxl.load_workbook(export(frame, "xlsx", tmp_path, field_labels=LABELS))
    sheet = workbook["diem_du_an"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["so_ho"] == 12 and row["ty_le"] == 0.5
    assert row["ngay"] == dt.datetime(2025, 3, 15)
    assert sheet.cell(2, header.index("ngay") + 1).number_format == "yyyy-mm-dd"
    assert row["ghi_chu"] == "'=1+1"
    assert row["commune_code"] == "06004"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
    assert sheet.column_dimensions["A"].width >= len("Thành phố Lạng Sơn")
    labels = {r[0]: r[1] for r in workbook["fields"].iter_rows(min_row=2, values_only=True)}
    assert labels["commune_code"] == "Mã xã"


def test_shapefile_export_zip_has_utf8_cpg_prj_and_a_field_name_map(frame, tmp_path):
    with zipfile.ZipFile(export(frame, "shapefile", tmp_path, field_labels=LABELS)) as bundle:
        names = set(bundle.namelist())
        assert {"diem_du_an.shp", "diem_du_an.shx", "diem_du_an.dbf", "diem_du_an.prj",
                "diem_du_an.cpg", "fields.csv", "README.txt"} <= names
        assert bundle.read("diem_du_an.cpg").decode().strip() == "UTF-8"
        fields = bundle.read("fields.csv").decode("utf-8-sig").splitlines()
    assert "commune_co,commune_code,Mã xã" in fields
    assert "commune_na,commune_name,Tên xã" in fields
    assert "commune__1,commune_name_2025," in fields
    assert all(len(line.split(",")[0]) <= 10 for line in fields)


def test_shapefile_export_cuts_text_past_254_bytes_at_a_letter_and_says_so(tmp_path):
    long_text = "Lạng Sơn " * 40
    layer = gpd.GeoDataFrame({"mo_ta": [long_text]}, geometry=[shapely.Point(106.7, 21.8)],
                             crs="EPSG:4326")
    path = export(layer, "shapefile", tmp_path)
    with zipfile.ZipFile(path) as bundle:
        assert "mo_ta" in bundle.read("README.txt").decode("utf-8")
    value = read_table(path).frame["mo_ta"][0]
    assert long_text.startswith(value.rstrip())
    assert len(value.encode()) <= 254


def test_kml_export_puts_names_in_placemark_name(frame, tmp_path):
    text = export(frame, "kml", tmp_path).read_text(encoding="utf-8")
    assert "<name>Thành phố Lạng Sơn</name>" in text


# --- refusals -----------------------------------------------------------------------------------


def test_unknown_export_format_is_refused_listing_the_formats(frame):
    with pytest.raises(GeodataError) as caught:
        write_table(frame, "dwg", layer_name="x")
    assert "geojson" in caught.value.user_msg
    assert caught.value.user_msg_vi


def test_frame_without_crs_is_refused(frame):
    with pytest.raises(InvalidCRS):
        write_table(frame.set_crs(None, allow_override=True), "gpkg", layer_name="x")


def test_geojson_in_a_projected_crs_is_refused(frame):
    with pytest.raises(InvalidCRS):
        write_table(frame, "geojson", layer_name="x", crs=VN2000_LANGSON)


def test_shapefile_with_points_and_polygons_is_refused(tmp_path):
    mixed = gpd.GeoDataFrame(
        {"ten": ["a", "b"]},
        geometry=[shapely.Point(106.7, 21.8), shapely.box(106.7, 21.8, 106.8, 21.9)],
        crs="EPSG:4326",
    )
    with pytest.raises(GeodataError) as caught:
        write_table(mixed, "shapefile", layer_name="x")
    assert "GeoPackage" in caught.value.user_msg


# --- plain tables and the formula guard ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84 912", "'+84 912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Lạng Sơn", "Lạng Sơn"),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_safe_cell_prefixes_formula_starts_with_an_apostrophe(value, expected):
    assert safe_cell(value) == expected


def test_plain_rows_export_to_xlsx_and_csv_for_per_area_progress(tmp_path):
    rows = [
        {"code": "06004", "name": "Lương Văn Tri", "percent": 62.5, "lagging": False},
        {"code": "06253", "name": "=HYPERLINK(\"x\")", "percent": None, "lagging": True},
    ]
    path = tmp_path / "progress.xlsx"
    path.write_bytes(write_table_xlsx(rows, "Tiến độ"))
    sheet = openpyxl.load_workbook(path)["Tiến độ"]
    assert [c.value for c in sheet[1]] == ["code", "name", "percent", "lagging"]
    assert [c.value for c in sheet[2]] == ["06004", "Lương Văn Tri", 62.5, False]
    assert sheet["B3"].value == "'=HYPERLINK(\"x\")" and sheet["B3"].data_type == "s"
    csv_path = tmp_path / "progress.csv"
    csv_path.write_bytes(write_table_csv(rows))
    table = read_table(csv_path)
    assert table.frame.to_dict("records")[0] == {
        "code": "06004", "name": "Lương Văn Tri", "percent": "62.5", "lagging": "FALSE"
    }
    assert table.frame["percent"][1] == ""


@pytest.mark.parametrize("module", [geodata.writers, geodata.writers_office])
def test_writer_doctests_pass(module):
    failures, tested = doctest.testmod(module)
    assert tested > 0
    assert failures == 0


def test_exports_leave_no_files_behind(frame, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    for fmt in EXPORT_FORMATS:
        write_table(frame, fmt, layer_name="x")
    assert list(Path(tmp_path).iterdir()) == []
