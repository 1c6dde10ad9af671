import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import pyproj
import shapely

from geodata.crs import from_wgs84, resolve_crs
from geodata.errors import GeodataError
from geodata.rawtable import RawTable
from geodata.readers import read_table
from layers import CATALOGUE, get_layer
from layers.importing import ImportContext, ImportRejected, parse_records

DATA = Path(__file__).parents[1] / "data"
TODAY = dt.date(2025, 11, 30)
METRIC = pyproj.CRS.from_epsg(32648)
# Interior points of 2025 communes (as in tests/data/make_import_fixtures.py).
BAC_SON, LOC_BINH, MAU_SON = (106.3119, 21.9147), (106.9165, 21.7699), (107.0686, 21.7562)
KY_LUA, TAM_THANH = (106.8256, 21.815), (106.7468, 21.8943)
SWAPPED_EN = "longitude and latitude are swapped: ({0}) lies in Lạng Sơn only when exchanged"
SWAPPED_VI = "kinh độ và vĩ độ bị đảo: ({0}) chỉ nằm trong Lạng Sơn khi đổi chỗ cho nhau"
GEOPARK_STATUSES_EN = (
    "Surveyed / Signage being installed / Open to visitors / ASEAN standard reached / Paused / "
    "Cancelled"
)
GEOPARK_STATUSES_VI = (
    "Đã khảo sát / Đang lắp biển, thuyết minh / Đón khách / Đạt tiêu chuẩn ASEAN / Tạm dừng / "
    "Đã hủy"
)

# file -> (layer, [(row, field, value, message_en, message_vi), ...])
DEFECTS = {
    "swapped_latlon.csv": ("signal", [
        (3, "Kinh độ", "21.7562, 107.0686", SWAPPED_EN.format("21.7562, 107.0686"),
         SWAPPED_VI.format("21.7562, 107.0686")),
    ]),
    "progress_out_of_range.xlsx": ("industry", [
        (3, "Tiến độ (%)", "120", "Progress '120' is outside 0–100 %",
         "Tiến độ «120» nằm ngoài khoảng 0–100 %"),
        (4, "Tiến độ (%)", "-5", "Progress '-5' is outside 0–100 %",
         "Tiến độ «-5» nằm ngoài khoảng 0–100 %"),
    ]),
    "duplicate_ids.xlsx": ("geopark", [
        (4, "Mã", "GP-01", "Record id 'GP-01' repeats row 2", "Mã «GP-01» trùng với dòng 2"),
        (6, "Mã", "GP-02", "Record id 'GP-02' repeats row 3", "Mã «GP-02» trùng với dòng 3"),
    ]),
    "date_31_february.xlsx": ("signal", [
        (3, "Ngày cập nhật", "31/02/2025", "'31/02/2025' is not a real date",
         "«31/02/2025» không phải là ngày có thật"),
        (4, "Ngày phát sóng", "29/02/2025", "'29/02/2025' is not a real date",
         "«29/02/2025» không phải là ngày có thật"),
    ]),
    "metres_in_degree_columns.csv": ("signal", [
        (3, "kinh_do", "451234.5",
         "'451234.5' in degree column 'kinh_do' looks like metres: put projected coordinates in "
         "x and y columns, or give their CRS with --crs",
         "Giá trị «451234.5» ở cột «kinh_do» (đơn vị độ) có vẻ tính bằng mét: hãy ghi tọa độ "
         "phẳng vào cột x và y, hoặc khai báo hệ tọa độ bằng --crs"),
    ]),
    "point_in_wrong_commune.csv": ("signal", [
        (3, "xa", "Xã Bắc Sơn",
         "The commune column says Xã Bắc Sơn but the position lies in Xã Lộc Bình",
         "Cột xã ghi Xã Bắc Sơn nhưng vị trí nằm trong Xã Lộc Bình"),
    ]),
    "unknown_status.csv": ("geopark", [
        (3, "Trạng thái", "Đang sửa chữa",
         f"Unknown status 'Đang sửa chữa' in layer Geopark and tourism; use one of: "
         f"{GEOPARK_STATUSES_EN}",
         f"Trạng thái «Đang sửa chữa» không có trong lớp Công viên địa chất và du lịch; hãy "
         f"chọn một trong: {GEOPARK_STATUSES_VI}"),
    ]),
}  # fmt: skip


@pytest.fixture(scope="module")
def context(boundaries) -> ImportContext:
    """The 2025 communes of the approximate boundaries (the run's shared set)."""
    communes = boundaries.communes[["code", "name", "geometry"]]
    province = shapely.union_all(communes.geometry.to_numpy())
    return ImportContext(province=province, communes=communes, crs=None, today=TODAY)


def as_tuples(report):
    return [(p.row, p.field, p.value, p.message_en, p.message_vi) for p in report.problems]


def table_of(frame: pd.DataFrame, geometry=None, crs=None) -> RawTable:
    return RawTable(
        frame=frame.astype(str), geometry=geometry, crs=crs,
        row_numbers=list(range(2, len(frame) + 2)), source_format="csv", encoding="utf-8",
        sheet=None, notes=(),
    )  # fmt: skip


def signal_frame(*rows, **columns) -> pd.DataFrame:
    """Signal villages at the given (lon, lat) rows; extra columns as lists."""
    return pd.DataFrame({
        "ma": [f"LS-{i}" for i in range(len(rows))],
        "thon_ban": [f"Thôn {i}" for i in range(len(rows))],
        "kinh_do": [str(lon) for lon, _ in rows],
        "vi_do": [str(lat) for _, lat in rows],
        **columns,
    })  # fmt: skip


def metric_offset(context, distance_m: float) -> tuple[float, float]:
    """A point ``distance_m`` outside the province (a vertex of the province grown by it)."""
    province = gpd.GeoSeries([context.province], crs=4326).to_crs(METRIC).iloc[0]
    grown = shapely.buffer(province, distance_m, quad_segs=4)
    vertex = shapely.get_coordinates(shapely.get_exterior_ring(grown))[0]
    lon, lat = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True).transform(*vertex)
    return lon, lat


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_defective_file_reports_exactly_its_rows_columns_and_messages(context, name):
    layer_id, expected = DEFECTS[name]
    records, report = parse_records(read_table(DATA / name), get_layer(layer_id), context)
    assert as_tuples(report) == expected
    assert not report.ok
    with pytest.raises(ImportRejected) as caught:
        report.raise_for_problems()
    assert caught.value.problems == report.problems


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_rows_without_a_problem_still_parse_and_rows_with_one_do_not(context, name):
    layer_id, expected = DEFECTS[name]
    table = read_table(DATA / name)
    records, report = parse_records(table, get_layer(layer_id), context)
    bad_rows = {row for row, *_ in expected}
    assert {r.row for r in records} == set(table.row_numbers) - bad_rows


def test_a_missing_required_field_column_imports_the_rows_marked_incomplete(context):
    # Issue 9: a field a layer declares is optional on import (this file used to be refused
    # whole for lacking the plan goal); the record names what it lacks.
    table = read_table(DATA / "missing_required_column.csv")
    records, report = parse_records(table, get_layer("industry"), context)
    assert report.ok, report.problems
    assert [(r.record_id, r.attributes["incomplete"]) for r in records] == [
        ("CCN-HS1", ["plan_goal"]), ("CCN-DL", ["plan_goal"]),
    ]  # fmt: skip
    assert [r.attributes["kind"] for r in records] == ["cluster", "cluster"]


def test_a_point_far_outside_the_province_is_reported_with_its_distance(context):
    table = read_table(DATA / "outside_province.geojson")
    records, report = parse_records(table, get_layer("geopark"), context)
    hanoi = gpd.GeoSeries([shapely.Point(105.8522, 21.0287)], crs=4326).to_crs(METRIC)
    province = gpd.GeoSeries([context.province], crs=4326).to_crs(METRIC)
    km = hanoi.distance(province.iloc[0]).iloc[0] / 1000
    assert km > 50
    assert as_tuples(report) == [(
        2, "geometry", "POINT (105.8522 21.0287)",
        f"The position lies {km:.1f} km outside Lạng Sơn province (tolerance 0.5 km)",
        f"Vị trí nằm ngoài tỉnh Lạng Sơn {km:.1f} km (dung sai 0,5 km)".replace(".", ","),
    )]  # fmt: skip
    assert [(r.row, r.geometry.geom_type) for r in records] == [(1, "Point"), (3, "Polygon")]


@pytest.mark.parametrize(("metres", "problem"), [(200, False), (1000, True)])
def test_a_point_outside_the_border_counts_only_beyond_the_tolerance(context, metres, problem):
    lon, lat = metric_offset(context, metres)
    frame = signal_frame((f"{lon:.7f}", f"{lat:.7f}"))
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    if problem:
        assert [p.message_en for p in report.problems] == [
            "The position lies 1.0 km outside Lạng Sơn province (tolerance 0.5 km)"
        ]
    else:
        assert report.ok and len(records) == 1


def test_a_polygon_ring_left_open_in_a_geojson_file_is_reported_on_its_row(context):
    # Built as a GIS reader does, which gives no geometry for a feature GEOS refuses.
    features = json.loads((DATA / "unclosed_ring.geojson").read_text("utf-8"))["features"]
    shapes = [json.dumps(f["geometry"]) for f in features]
    geometry = gpd.GeoSeries(shapely.from_geojson(shapes, on_invalid="ignore"), crs=4326)
    frame = pd.DataFrame([f["properties"] for f in features])
    table = dataclasses.replace(table_of(frame, geometry, geometry.crs), row_numbers=[1, 2])
    records, report = parse_records(table, get_layer("industry"), context)
    assert as_tuples(report) == [(
        2, "geometry", None,
        "No geometry, or one that could not be read (such as a polygon ring left open)",
        "Thiếu hình học, hoặc hình học không đọc được (ví dụ vòng đa giác không khép kín)",
    )]  # fmt: skip
    assert [r.record_id for r in records] == ["KCN-01"]


def test_a_polygon_ring_left_open_in_a_wkt_column_is_reported_as_not_closed(context):
    ring = "106.82 21.81, 106.83 21.81, 106.83 21.82, 106.82 21.82"
    frame = pd.DataFrame({"ma": ["A"], "ten": ["KCN Đồng Bành"], "kind": ["park"],
                          "plan_goal": ["speed_up"],
                          "wkt": [f"POLYGON (({ring}))"]})  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("industry"), context)
    assert as_tuples(report) == [(
        2, "wkt", f"POLYGON (({ring}))",
        "Polygon ring is not closed (its last point must repeat the first)",
        "Vòng của đa giác không khép kín (điểm cuối phải trùng điểm đầu)",
    )]  # fmt: skip


def test_a_self_intersecting_polygon_is_reported_where_it_crosses_and_not_repaired(context):
    x, y = KY_LUA
    bowtie = f"POLYGON (({x} {y}, {x + 0.01} {y + 0.01}, {x + 0.01} {y}, {x} {y + 0.01}, {x} {y}))"
    frame = pd.DataFrame({"ma": ["A"], "ten": ["KCN Đồng Bành"], "kind": ["park"],
                          "plan_goal": ["speed_up"],
                          "wkt": [bowtie]})  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("industry"), context)
    assert records == []
    [problem] = report.problems
    assert (problem.row, problem.field) == (2, "wkt")
    assert problem.message_en.startswith("Invalid geometry: self-intersection at (106.83")
    assert problem.message_vi.startswith("Hình học không hợp lệ: tự cắt tại (106.83")


def test_a_ring_touching_itself_at_a_point_is_repaired_and_noted(context):
    x, y = KY_LUA
    # An "inverted hole" as some GIS tools draw it: one ring that comes back to a vertex and
    # turns the other way round a hole; GEOS says "Ring Self-intersection".
    shell = f"{x} {y}, {x + 0.02} {y}, {x + 0.02} {y + 0.02}, {x} {y + 0.02}, {x} {y}"
    inner = f"{x + 0.005} {y + 0.01}, {x + 0.01} {y + 0.005}, {x} {y}"
    frame = pd.DataFrame({"ma": ["A"], "ten": ["KCN Đồng Bành"], "kind": ["park"],
                          "plan_goal": ["speed_up"],
                          "wkt": [f"POLYGON (({shell}, {inner}))"]})  # fmt: skip
    source = shapely.from_wkt(frame["wkt"][0])
    assert shapely.is_valid_reason(source).startswith("Ring Self-intersection")
    records, report = parse_records(table_of(frame), get_layer("industry"), context)
    assert report.ok
    assert records[0].geometry.is_valid
    assert records[0].geometry.area == pytest.approx(source.area)
    assert any("make_valid" in note for note in report.notes)


def test_the_good_signal_villages_file_gives_its_records_typed(context):
    records, report = parse_records(
        read_table(DATA / "good_signal_villages.csv"), get_layer("signal"), context
    )
    assert report.ok, report.problems
    assert [r.record_id for r in records] == ["LS-301", "LS-302", "LS-303", "LS-304", "LS-305"]
    first, second, third, fourth, fifth = records
    assert first.name == "Thôn Nà Pàn (Bắc Sơn)" and second.name == "Bản Khuổi Phầy"
    assert dict(first.attributes) == {
        "village": "Thôn Nà Pàn", "commune_name": "Xã Bắc Sơn", "households": 42,
        "operator": "viettel", "blocker": "no_grid_power", "date_on_air": None,
        "description": None,
    }  # fmt: skip
    assert (second.attributes["operator"], second.attributes["blocker"]) == ("vnpt", "terrain")
    assert third.attributes["date_on_air"] == dt.date(2025, 6, 30)
    assert fourth.attributes["households"] == 1234  # "1.234": a Vietnamese thousands dot
    # Status words without diacritics; no date: the import's day.
    assert (fourth.state.status, fourth.state.date) == ("listed", context.today)
    assert fifth.geometry.equals(shapely.Point(106.5106, 21.5608))  # decimal commas
    assert [r.state.status for r in (first, second, third, fifth)] == [
        "listed", "site_agreed", "on_air", "on_air",
    ]  # fmt: skip
    assert [r.state.date for r in (first, second, third, fifth)] == [
        dt.date(2025, 3, 15), dt.date(2025, 4, 2), dt.date(2025, 7, 1), dt.date(2025, 8, 15),
    ]  # fmt: skip
    assert [r.commune_code for r in records] == ["06325", "06541", "06046", "06400", "06463"]
    assert report.columns["Xã"] == "commune_name" and report.columns["Kinh độ"] == "lon"


def test_the_multi_layer_file_gives_one_record_per_layer_named_by_id_or_name(context):
    records, report = parse_records(read_table(DATA / "good_multi_layer.xlsx"), None, context)
    assert report.ok, report.problems
    assert [r.layer_id for r in records] == [layer.id for layer in CATALOGUE]
    by_layer = {r.layer_id: r for r in records}
    assert by_layer["industry"].state.progress == 62.5
    assert by_layer["border"].attributes["gate_type"] == "international"
    assert by_layer["signal"].state.status == "listed"  # 0 % and no status: not started
    assert by_layer["transport"].state.status == "completed"  # 100 % and no status: done
    assert by_layer["transport"].geometry.geom_type == "LineString"
    assert by_layer["housing"].attributes["category"] == "poor"
    assert report.columns["loai"] == "layer"


def test_an_unknown_layer_in_a_multi_layer_file_is_reported_on_its_row(context):
    frame = pd.DataFrame(
        {
            "loai": ["signal", "roads"],
            "ma": ["A", "B"],
            "village": ["Thôn A", "Thôn B"],
            "kinh_do": [str(BAC_SON[0])] * 2,
            "vi_do": [str(BAC_SON[1])] * 2,
        }
    )
    records, report = parse_records(table_of(frame), None, context)
    assert as_tuples(report) == [(
        3, "loai", "roads",
        "Unknown layer 'roads'; use one of: industry, border, geopark, signal, housing, transport",
        "Lớp «roads» không tồn tại; dùng một trong: industry, border, geopark, signal, housing, "
        "transport",
    )]  # fmt: skip
    assert [r.record_id for r in records] == ["A"]


GENERIC = {
    "industry": ["planning", "construction", "paused", "completed"],
    "border": ["planned", "upgrading", "suspended", "operating"],
    "geopark": ["surveyed", "signage", "open_to_visitors"],
    "signal": ["listed", "site_agreed", "on_air"],
    "housing": ["registered", "under_construction", "completed"],
    "transport": ["preparation", "construction", "completed"],
}
# The generic statuses the fixture leaves out of a layer (it predates paused everywhere).
NOT_IN_FIXTURE = {
    "industry": {"cancelled"}, "border": {"cancelled"},
    **{layer: {"paused", "cancelled"} for layer in ("geopark", "signal", "housing", "transport")},
}


@pytest.fixture(scope="module")
def generic_records(context):
    records, report = parse_records(read_table(DATA / "generic_statuses.csv"), None, context)
    assert report.ok, report.problems
    return records


@pytest.mark.parametrize("layer_id", sorted(GENERIC))
def test_the_generic_status_words_map_to_each_layers_own_statuses(generic_records, layer_id):
    statuses = [r.state.status for r in generic_records if r.layer_id == layer_id]
    assert statuses == GENERIC[layer_id]
    mapped = get_layer(layer_id).generic_statuses
    assert set(mapped.values()) == set(statuses) | {mapped[g] for g in NOT_IN_FIXTURE[layer_id]}


@pytest.mark.parametrize("layer_id", ["signal", "housing"])
def test_a_generic_paused_status_is_the_layers_own_paused_status(context, layer_id):
    layer = get_layer(layer_id)
    required = {f.name: "poor" if f.type == "choice" else "x" for f in layer.fields if f.required}
    if layer_id == "housing":
        required["work"] = "repair"
    frame = signal_frame(BAC_SON, trang_thai=["Tạm dừng"]).drop(columns="thon_ban")
    frame = frame.assign(ten=["Hộ Hoàng Văn Pán"],
                         **{name: [value] for name, value in required.items()})
    records, report = parse_records(table_of(frame), layer, context)
    assert report.ok, report.problems
    assert records[0].state.status == "paused"


@pytest.mark.parametrize(
    ("progress", "expected"),
    [("0", "preparation"), ("45%", "construction"), ("45,5 %", "construction"),
     ("100", "completed")],
)  # fmt: skip
def test_a_progress_without_a_status_derives_one(context, progress, expected):
    frame = pd.DataFrame({"ma": ["R"], "kind": ["national_road"], "road": ["QL4A"],
                          "wkt": ["LINESTRING (106.70 21.90, 106.75 21.85)"],
                          "tien_do": [progress]})  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("transport"), context)
    assert report.ok, report.problems
    assert records[0].state.status == expected
    assert records[0].state.progress == float(progress.rstrip(" %").replace(",", "."))
    assert records[0].state.date == TODAY


@pytest.mark.parametrize(
    "headers",
    [("ma", "kinh_do", "vi_do", "Thôn, bản"), ("Mã", "Kinh độ", "Vĩ độ", "thon_ban"),
     ("ID", "LONGITUDE", "Latitude", "village"), ("record id", "lng", "lat", "Village"),
     ("MA HO SO", "KINH-DO", "vi do", " Thon  Ban ")],
)  # fmt: skip
def test_headers_match_whatever_their_accents_case_and_separators(context, headers):
    frame = pd.DataFrame([["A", str(BAC_SON[0]), str(BAC_SON[1]), "Thôn A"]], columns=headers)
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    assert report.ok, report.problems
    assert (records[0].record_id, records[0].attributes["village"]) == ("A", "Thôn A")


def test_values_of_every_field_type_are_read_and_checked(context):
    frame = pd.DataFrame({
        "ma": ["B1", "B2", "B3"], "ten": ["Hữu Nghị", "Tân Thanh", "Chi Ma"],
        "kind": ["Cửa khẩu", "smart gate", "xyz"],
        "Loại cửa khẩu": ["cửa khẩu quốc tế", "", ""], "smart_gate": ["có", "x", "maybe"],
        "area_ha": ["12,5", "-1", "abc"],
        "kinh_do": [str(KY_LUA[0])] * 3, "vi_do": [str(KY_LUA[1])] * 3,
    })  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("border"), context)
    assert as_tuples(report) == [
        (3, "area_ha", "-1", "'-1' is below the minimum 0", "«-1» nhỏ hơn giá trị tối thiểu 0"),
        (4, "kind", "xyz",
         "'xyz' is not allowed in 'Kind'; use one of: Border gate / Smart border gate / "
         "Economic cooperation zone",
         "«xyz» không phải giá trị hợp lệ của «Loại»; dùng một trong: Cửa khẩu / Cửa khẩu thông "
         "minh / Khu hợp tác kinh tế"),
        (4, "smart_gate", "maybe", "'maybe' is not yes/no; write có/không, yes/no, x, 1/0",
         "«maybe» không phải có/không; hãy ghi có/không, yes/no, x, 1/0"),
        (4, "area_ha", "abc", "'abc' is not a number", "«abc» không phải là số"),
    ]  # fmt: skip
    [record] = records
    assert dict(record.attributes) == {
        "kind": "gate", "gate_type": "international", "china_counterpart": None,
        "smart_gate": True, "location": None, "area_ha": 12.5, "description": None,
    }  # fmt: skip


def test_every_problem_is_collected_not_only_the_first(context):
    frame = signal_frame(
        BAC_SON,
        (21.9, 106.3),
        ("abc", "21.9"),
        LOC_BINH,
        ma=["A", "A", "", "D"],
        trang_thai=["listed", "?", "listed", "listed"],
        ngay_cap_nhat=["1/1/2025", "2025-13-01", "", "01/12/2025"],
    )
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    where = [(p.row, p.field) for p in report.problems]
    assert where == [
        (3, "ma"), (3, "kinh_do"), (3, "trang_thai"), (3, "ngay_cap_nhat"),
        (4, "ma"), (4, "kinh_do"), (5, "ngay_cap_nhat"),
    ]  # fmt: skip
    assert report.problems[-1].message_en == "Update date '01/12/2025' is after today (30/11/2025)"
    assert [r.record_id for r in records] == ["A"]


def test_metres_in_the_degree_columns_are_fine_once_a_projected_crs_is_given(context):
    x, y = from_wgs84([MAU_SON[0]], [MAU_SON[1]], "vn2000-langson")
    frame = signal_frame((f"{x[0]:.2f}", f"{y[0]:.2f}"))
    vn2000 = dataclasses.replace(context, crs=resolve_crs("vn2000-langson"))
    records, report = parse_records(table_of(frame), get_layer("signal"), vn2000)
    assert report.ok, report.problems
    assert records[0].geometry.distance(shapely.Point(MAU_SON)) < 1e-6
    assert records[0].commune_code == "06541"


def test_xy_metres_without_a_crs_are_taken_as_vn2000_langson_and_northing_first_is_exchanged(
    context,
):
    xs, ys = from_wgs84([BAC_SON[0], LOC_BINH[0]], [BAC_SON[1], LOC_BINH[1]], "vn2000-langson")
    frame = pd.DataFrame({"ma": ["A", "B"], "thon_ban": ["Thôn A", "Thôn B"],
                          "x": [f"{xs[0]:.2f}", f"{ys[1]:.2f}"],
                          "y": [f"{ys[0]:.2f}", f"{xs[1]:.2f}"]})  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    assert report.ok, report.problems
    assert [r.commune_code for r in records] == ["06325", "06529"]
    assert records[1].geometry.distance(shapely.Point(LOC_BINH)) < 1e-6
    assert any("VN-2000 3° TM" in note for note in report.notes)
    assert any("1 row(s) give X as northing" in note for note in report.notes)


def test_a_geometry_of_a_type_the_layer_does_not_take_is_reported(context):
    frame = pd.DataFrame({"ma": ["V"], "thon_ban": ["Thôn V"],
                          "wkt": ["LINESTRING (106.30 21.90, 106.32 21.92)"]})  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    assert as_tuples(report) == [(
        2, "wkt", "LINESTRING (106.30 21.90, 106.32 21.92)",
        "Geometry type LineString is not allowed in layer Villages without mobile signal "
        "(allowed: Point)",
        "Kiểu hình học LineString không dùng được cho lớp Thôn, bản lõm sóng di động "
        "(chỉ nhận: Point)",
    )]  # fmt: skip


def test_a_file_without_ids_or_coordinates_gets_one_problem_per_missing_column(context):
    frame = pd.DataFrame({"ten": ["A"], "thon_ban": ["Thôn A"], "ghi_chu": ["?"]})
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    # No id column: the id is made from layer, commune and name ("ten"), so only the place lacks.
    assert [(p.row, p.field) for p in report.problems] == [(None, "kinh_do, vi_do")]
    assert records == []
    assert "Ignored unknown columns: ghi_chu" in report.notes[-1]


def test_blank_rows_are_skipped_with_a_note(context):
    frame = signal_frame(BAC_SON, LOC_BINH)
    frame.loc[1] = ""
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    assert report.ok and len(records) == 1
    assert "Skipped 1 blank row(s)" in report.notes[0]


def test_a_table_without_rows_is_a_problem_of_the_whole_file(context):
    with pytest.raises(GeodataError):
        parse_records(table_of(pd.DataFrame({"ma": []})), get_layer("signal"), context)


def test_a_plain_dataframe_is_numbered_like_a_spreadsheet(context):
    frame = signal_frame(BAC_SON, (21.9, 106.3))
    records, report = parse_records(frame, get_layer("signal"), context)
    assert [p.row for p in report.problems] == [3]


def test_one_hundred_thousand_rows_parse_and_validate_without_problems(context):
    count = 100_000
    rng = np.random.default_rng(2025)
    minx, miny, maxx, maxy = context.province.bounds
    xs, ys = rng.uniform(minx, maxx, count * 3), rng.uniform(miny, maxy, count * 3)
    inner = shapely.buffer(context.province, -0.01)
    keep = shapely.contains_xy(inner, xs, ys)
    xs, ys = xs[keep][:count], ys[keep][:count]
    frame = pd.DataFrame({
        "ma": [f"V{i:06d}" for i in range(count)],
        "Thôn, bản": [f"Thôn {i}" for i in range(count)],
        "kinh_do": np.char.mod("%.6f", xs), "vi_do": np.char.mod("%.6f", ys),
        "trang_thai": rng.choice(["Chưa triển khai", "Đang triển khai", "Đã phát sóng", ""], count),
        "tien_do": rng.choice(["", "45%", "100"], count),
        "ngay_cap_nhat": rng.choice(["01/03/2025", "2025-04-05", "5/6/2025"], count),
        "so_ho": rng.integers(1, 400, count).astype(str),
        "Doanh nghiệp viễn thông": rng.choice(["Viettel", "VNPT (VinaPhone)", "mobifone"], count),
    })  # fmt: skip
    records, report = parse_records(table_of(frame), get_layer("signal"), context)
    assert report.ok, report.problems[:5]
    assert len(records) == count
    assert all(r.commune_code is not None for r in records)
