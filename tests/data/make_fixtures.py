"""Regenerate the encoding and .prj fixtures of tests/data/: ``python tests/data/make_fixtures.py``.

Everything written here is made up for the tests (CC0). The legacy bytes come from
geodata.encodings.encode_legacy, whose tables the tests check letter by letter.

The reader/writer fixtures (``points_*``, ``two_sheets.xlsx``, the zipped Shapefiles, ...) are
made by :func:`write_reader_fixtures` from a few Lạng Sơn unit names and rounded positions. Their
TCVN3 and cp1258 bytes come from small tables written out below, independently of geodata/; the
VN-2000 Shapefile is made by GDAL's own ``ogr2ogr`` (Debian gdal-bin), not by our code.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import openpyxl

import geopandas as gpd
import pyogrio
import shapely

from geodata.encodings import encode_legacy

HERE = Path(__file__).parent
HEADER = "ma_thon,ten_thon,xa,dan_so,ghi_chu"
VILLAGES = [
    ("T01", "Thôn Nà Pàn", "Xã Hữu Liên", "412", "gan suoi"),
    ("T02", "Bản Khuổi Phầy", "Xã Tân Thành", "268", ""),
    ("T03", "Thôn Đồng Đăng", "Thị trấn Đồng Đăng", "1730", "cua khau"),
    ("T04", "Phố Kỳ Lừa", "Phường Hoàng Văn Thụ", "2105", ""),
    ("T05", "Thôn Pác Cáp", "Xã Bình Gia", "197", ""),
    ("T06", "Bản Lạn", "Xã Chi Lăng", "330", ""),
    ("T07", "THÔN NÀ SLA", "Xã Hồng Phong", "154", "ten viet hoa"),
    ("T08", "Thôn Quốc Việt", "Xã Lộc Bình", "603", ""),
]
# Each is a valid name in TCVN3 and, read as VISCII, another valid-looking one ("Xở An Sển").
UNDECIDABLE = ["Xã An Sơn", "Xã Cao Minh", "Xã Chi Lăng"]
UNREADABLE = b"\x80\x81\x82"
# As ArcGIS writes it: ESRI WKT naming the datum, no TOWGS84.
PRJ_ARCGIS = (
    'PROJCS["VN_2000_TM3_107_15",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",107.25],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
# OGC WKT1 with the all-zero TOWGS84 some converters write for "unknown": ~220 m wrong for VN-2000.
PRJ_ZERO_TOWGS84 = (
    'PROJCS["VN-2000 / TM-3 Lang Son",GEOGCS["VN-2000",DATUM["Vietnam_2000",'
    'SPHEROID["WGS 84",6378137,298.257223563],TOWGS84[0,0,0,0,0,0,0]],PRIMEM["Greenwich",0],'
    'UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",107.25],'
    'PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],'
    'PARAMETER["false_northing",0],UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)


def _csv(rows: list[tuple[str, ...]], encode) -> bytes:
    lines = [HEADER.encode("ascii")] + [b",".join(encode(v) for v in row) for row in rows]
    return b"\n".join(lines) + b"\n"


def _as_cp1252(data: bytes) -> str:
    """Decode like Windows does: the five bytes cp1252 leaves undefined become C1 controls."""
    return "".join(bytes([b]).decode("cp1252") if b not in b"\x81\x8d\x8f\x90\x9d" else chr(b)
                   for b in data)


def main() -> None:
    """Write every fixture file."""
    for encoding in ("tcvn3", "vni", "viscii"):
        data = _csv(VILLAGES, lambda v, e=encoding: encode_legacy(v, e))
        (HERE / f"villages_{encoding}.csv").write_bytes(data)
    # One VNI name in a TCVN3 file: the 4th data row, i.e. spreadsheet row 5.
    mixed = _csv(VILLAGES, lambda v: encode_legacy(v, "tcvn3")).split(b"\n")
    mixed[4] = b",".join(encode_legacy(v, "vni") for v in VILLAGES[3])
    (HERE / "villages_mixed_tcvn3_vni.csv").write_bytes(b"\n".join(mixed))
    # UTF-8 that some tool read as Windows-1252 and saved again as UTF-8.
    mojibake = _csv(VILLAGES, lambda v: _as_cp1252(v.encode("utf-8")).encode("utf-8"))
    (HERE / "villages_utf8_mojibake.csv").write_bytes(mojibake)
    undecidable = [b"ma,ten"] + [f"X{i}".encode() + b"," + encode_legacy(name, "tcvn3")
                                 for i, name in enumerate(UNDECIDABLE, 1)]
    undecidable.append(b"X4," + UNREADABLE)
    (HERE / "names_undecidable.csv").write_bytes(b"\n".join(undecidable) + b"\n")
    nfd = ["ma,ten", "N1," + unicodedata.normalize("NFD", "Lạng Sơn"), "N2,Cao Lộc",
           "N3," + unicodedata.normalize("NFD", "Hữu Lũng"), "N4,Dinh Lap"]
    (HERE / "names_nfd.csv").write_bytes(("\n".join(nfd) + "\n").encode("utf-8"))
    (HERE / "vn2000_langson.prj").write_text(PRJ_ARCGIS, encoding="ascii")
    (HERE / "vn2000_langson_zero_towgs84.prj").write_text(PRJ_ZERO_TOWGS84, encoding="ascii")
    write_reader_fixtures()


# --- reader/writer fixtures (geodata.readers, geodata.writers) ----------------------------------

# VN-2000, 3-degree transverse Mercator on Lạng Sơn's central meridian 107°15' E, with the
# seven-parameter +towgs84 as it is commonly passed to PROJ (rotation signs as printed in the
# decision, i.e. EPSG:6960's coordinate-frame signs in a position-vector slot: ~0.77 m off).
VN2000_LANGSON_PROJ = (
    "+proj=tmerc +lat_0=0 +lon_0=107.25 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,"
    "0.252906278 +units=m +no_defs"
)
# Unit names and rounded centre positions (lon, lat).
POINTS = [
    ("LS01", "Thành phố Lạng Sơn", 106.7613, 21.8537),
    ("LS02", "Hữu Lũng", 106.3431, 21.5034),
    ("LS03", "Đình Lập", 107.0950, 21.5442),
]
_CP1258_TONES = "\u0300\u0301\u0303\u0309\u0323"


def tcvn3(text: str) -> bytes:
    """Encode ``text`` in TCVN3 (ABC, TCVN 5712:1993 VN3) with geodata's table."""
    return encode_legacy(text, "tcvn3")


def cp1258(text: str) -> bytes:
    """Encode ``text`` as Windows does in cp1258: base letter, then a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in parts[1:] if m not in _CP1258_TONES)
        tones = "".join(m for m in parts[1:] if m in _CP1258_TONES)
        out += unicodedata.normalize("NFC", parts[0] + shape).encode("cp1258")
        out += tones.encode("cp1258")
    return bytes(out)


def points_frame() -> gpd.GeoDataFrame:
    """The three units as WGS 84 points."""
    return gpd.GeoDataFrame(
        {"ma": [p[0] for p in POINTS], "ten": [p[1] for p in POINTS], "so_ho": [12, 7, 30]},
        geometry=[shapely.Point(p[2], p[3]) for p in POINTS],
        crs="EPSG:4326",
    )


def points_csv_text(delimiter: str = ",") -> str:
    """The units as CSV text with lon/lat columns and one note."""
    lines = [delimiter.join(["ma", "ten", "lon", "lat", "ghi_chu"])]
    for code, name, lon, lat in POINTS:
        note = "" if code != "LS02" else "Khu du lịch Hữu Liên"
        lines.append(delimiter.join([code, name, str(lon), str(lat), note]))
    return "\r\n".join(lines) + "\r\n"


def write_reader_csvs() -> None:
    """CSV in UTF-8 with BOM, cp1258 (;), TCVN3 (tab), with blank rows, empty, header-less."""
    (HERE / "points_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + points_csv_text().encode())
    # Excel on Vietnamese Windows: cp1258, ";" as list separator, decimal commas.
    text = points_csv_text(";")
    for whole in ("106.", "107.", "21."):
        text = text.replace(whole, whole[:-1] + ",")
    (HERE / "points_cp1258.csv").write_bytes(cp1258(text))
    (HERE / "points_tcvn3_tab.csv").write_bytes(tcvn3(points_csv_text("\t")))
    blank = "\r\n\r\n" + points_csv_text().replace("\r\nLS02", "\r\n,,,,\r\nLS02")
    (HERE / "points_blank_lines.csv").write_text(blank, encoding="utf-8")
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "no_header.csv").write_text(",,\r\n\r\n , ,\r\n", encoding="utf-8")


def write_reader_xlsx() -> None:
    """A workbook whose first sheet starts on row 3 with a gap on row 5, and a second sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Dự án"
    rows = {
        3: ["ma", "ten", "ngay_khoi_cong", "von_ty_dong", "so_ho"],
        4: ["DA01", "Khu công nghiệp VSIP Lạng Sơn", dt.date(2025, 3, 15), 1234.5, 12],
        6: ["DA02", "Cụm công nghiệp Hồ Sơn 1", dt.datetime(2025, 6, 1), 7.0, "=E4*2"],
        7: ["DA03", "Nhà máy nhiệt điện Na Dương 2", None, 0.25, None],
    }
    for row, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column, value)
    second = workbook.create_sheet("Xã")
    second.append(["ma_xa", "ten_xa"])
    second.append(["06004", "Phường Lương Văn Tri"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stores no cached result for formulas; Excel does. Add the one Excel would save.
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(HERE / "two_sheets.xlsx", "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>E4*2</f><v />", b"<f>E4*2</f><v>24</v>")
                assert b"<v>24</v>" in data
            target.writestr(item, data)
    (HERE / "not_an_xlsx.xlsx").write_text(points_csv_text(), encoding="utf-8")


def write_reader_gis() -> None:
    """GeoJSON, GeoPackages (one and two layers), KML, a truncated and an odd GeoJSON."""
    frame = points_frame()
    for name in ("points.geojson", "points.gpkg", "points.kml", "two_layers.gpkg"):
        (HERE / name).unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, HERE / "points.geojson", driver="GeoJSON", layer="points",
                            layer_options={"RFC7946": "YES"})
    pyogrio.write_dataframe(frame, HERE / "points.gpkg", driver="GPKG", layer="diem")
    two = HERE / "two_layers.gpkg"
    pyogrio.write_dataframe(frame, two, driver="GPKG", layer="diem")
    line = gpd.GeoDataFrame({"ten": ["Cao tốc Hữu Nghị - Chi Lăng"]}, crs="EPSG:4326",
                            geometry=[shapely.LineString([(106.73, 21.98), (106.56, 21.67)])])
    pyogrio.write_dataframe(line, two, driver="GPKG", layer="tuyen", append=True)
    pyogrio.write_dataframe(frame.assign(Name=frame["ten"]), HERE / "points.kml", driver="KML",
                            layer="diem")
    text = (HERE / "points.geojson").read_text(encoding="utf-8")
    (HERE / "broken.geojson").write_text(text[: len(text) // 2], encoding="utf-8")
    bowtie = shapely.Polygon([(106.70, 21.80), (106.80, 21.90), (106.80, 21.80), (106.70, 21.90)])
    features = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"ten": "Hình nơ tự cắt"},
             "geometry": shapely.geometry.mapping(bowtie)},
            {"type": "Feature", "properties": {"ten": "Không có hình"}, "geometry": None},
        ],
    }
    (HERE / "polygon_self_intersecting_and_null.geojson").write_text(
        json.dumps(features, ensure_ascii=False), encoding="utf-8"
    )


def zip_folder(folder: Path, target: Path, prefix: str = "") -> None:
    """Zip every file of ``folder`` into ``target``, under ``prefix``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(folder.iterdir()):
            bundle.write(part, prefix + part.name)


def _legacy_shapefile(folder: Path, encode, cpg: str | None) -> None:
    """Write the units with ``encode``d names through Latin-1, with or without a .cpg."""
    folder.mkdir()
    names = [encode(p[1]).decode("latin-1") for p in POINTS]
    pyogrio.write_dataframe(points_frame().assign(ten=names), folder / "xa.shp",
                            encoding="ISO-8859-1")
    (folder / "xa.cpg").unlink()
    if cpg is not None:
        (folder / "xa.cpg").write_text(cpg, encoding="ascii")


def write_reader_shapefiles() -> None:
    """Zipped Shapefiles: VN-2000 by ogr2ogr, without .prj, legacy text, lying .cpg, two in one."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        vn = work / "vn2000"
        vn.mkdir()
        subprocess.run(
            ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs",
             VN2000_LANGSON_PROJ, str(vn / "diem_vn2000.shp"), str(HERE / "points.geojson")],
            check=True,
        )
        zip_folder(vn, HERE / "points_vn2000_langson.zip", prefix="xuat_du_lieu/")
        plain = work / "plain"
        plain.mkdir()
        pyogrio.write_dataframe(points_frame(), plain / "diem.shp", encoding="UTF-8")
        (plain / "diem.prj").unlink()
        zip_folder(plain, HERE / "shapefile_without_prj.zip")
        _legacy_shapefile(work / "legacy", tcvn3, None)
        zip_folder(work / "legacy", HERE / "tcvn3_names_without_cpg.zip")
        _legacy_shapefile(work / "lying", tcvn3, "UTF-8")
        zip_folder(work / "lying", HERE / "cpg_says_utf8_but_tcvn3.zip")
        _legacy_shapefile(work / "windows", cp1258, "1258")
        zip_folder(work / "windows", HERE / "cp1258_names_with_cpg.zip")
        both = work / "both"
        both.mkdir()
        for part in [*plain.iterdir(), *(work / "legacy").iterdir()]:
            shutil.copy(part, both / part.name)
        zip_folder(both, HERE / "two_shapefiles.zip")
    (HERE / "not_a_zip.zip").write_text("this is not a zip archive\n", encoding="utf-8")


def write_reader_fixtures() -> None:
    """Write the fixtures of tests/geodata/test_readers.py and test_writers.py."""
    write_reader_csvs()
    write_reader_xlsx()
    write_reader_gis()
    write_reader_shapefiles()


if __name__ == "__main__":
    main()
