import datetime as dt
import doctest
from pathlib import Path

import numpy as np
import pytest

import geopandas as gpd
import shapely

import geodata.official_boundaries
from geodata.admin_units import load_admin_units
from geodata.boundaries import COLUMNS
from geodata.boundary_merge import merge_into
from geodata.boundary_report import BoundaryCheck, BoundaryProblem
from geodata.errors import GeodataError, InvalidCRS
from geodata.generators import EQUAL_AREA_CRS
from geodata.official_boundaries import read_official_boundaries
from geodata.official_messages import MESSAGES

DATA = Path(__file__).parents[1] / "data"
SOURCE = "Sở Nông nghiệp và Môi trường Lạng Sơn"
# What make_boundary_fixtures.py built into boundary_with_gap_and_overlap.geojson: 06253 and
# 06313 both claim a 600 m square, a 400 m square between 06253 and 06298 is nobody's.
OVERLAP_HA, GAP_HA = 36.0, 16.0


def read(name, level, vintage, **options):
    return read_official_boundaries(DATA / name, level, vintage, **options)


def message(key, **values):
    en, vi = MESSAGES[key]
    return en.format(**values), vi.format(**values)


@pytest.fixture(scope="module")
def units():
    return load_admin_units()


@pytest.fixture(scope="module")
def official_like():
    return read("communes_2025_official_like.gpkg", "commune", "2025", source=SOURCE,
                source_date=dt.date(2025, 7, 1))


@pytest.fixture(scope="module")
def imports():
    """Every good fixture read once: level -> BoundaryImport."""
    return {
        "commune": read("communes_2025_wgs84.geojson", "commune", "2025"),
        "district": read("districts_2019.zip", "district", "2019"),
        "legacy_commune": read("legacy_communes_2019.geojson", "legacy_commune", "2019"),
        "province": read("province_without_code.geojson", "province", "2025"),
    }


def metres(series):
    return gpd.GeoSeries(series, crs="EPSG:4326").to_crs(EQUAL_AREA_CRS)


# --- reading good files ----------------------------------------------------------------------


def test_the_vn2000_geopackage_imports_all_65_communes_without_problems_or_checks(
    official_like, units
):
    frame = official_like.frame
    assert official_like.ok and official_like.problems == [] and official_like.checks == []
    assert list(frame.columns) == COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert list(frame["code"]) == list(units.communes["code"])
    assert list(frame["name"]) == list(units.communes["name"])
    assert set(frame["level"]) == {"commune"} and set(frame["vintage"]) == {"2025"}
    assert set(frame["parent_code"]) == {"20"}
    assert set(frame["provenance"]) == {"official"}
    assert set(frame["source"]) == {
        f"communes_2025_official_like.gpkg; {SOURCE}; dated 2025-07-01"
    }
    assert official_like.source_date == dt.date(2025, 7, 1)
    assert frame.geometry.is_valid.all()


def test_the_vn2000_geopackage_lands_within_a_metre_of_its_wgs84_source(official_like, imports):
    # Both files hold the same geometry: one reprojected to VN-2000 TM-3 by GDAL's ogr2ogr
    # (EPSG:6960), one left in WGS 84. Back in WGS 84 they must coincide.
    source = metres(imports["commune"].frame.geometry.to_numpy())
    imported = metres(official_like.frame.geometry.to_numpy())
    distances = [shapely.hausdorff_distance(a, b) for a, b in zip(source, imported, strict=True)]
    assert max(distances) < 1.0


def test_the_imported_frame_carries_areas_labels_and_official_areas(official_like, units):
    frame = official_like.frame
    official = units.communes.set_index("code")["official_area_km2"]
    assert list(frame["official_area_km2"]) == list(official.loc[frame["code"]])
    measured = metres(frame.geometry.to_numpy()).area.to_numpy() / 1e6
    assert np.allclose(frame["area_km2"].astype(float), measured)
    labels = shapely.points(frame["label_lon"].astype(float), frame["label_lat"].astype(float))
    assert shapely.contains(frame.geometry.to_numpy(), labels).all()


def test_a_zipped_shapefile_of_districts_pads_nothing_and_reads_its_prj_and_cpg(imports, units):
    districts = imports["district"]
    assert districts.ok and districts.checks == []
    assert list(districts.frame["code"]) == list(units.districts["code"])
    assert list(districts.frame["name"]) == list(units.districts["name"])
    assert set(districts.frame["parent_code"]) == {"20"}
    assert districts.frame["commune_code"].isna().all()


def test_legacy_communes_get_their_district_and_their_2025_commune(imports, units):
    legacy = imports["legacy_commune"]
    assert legacy.ok and len(legacy.frame) == 194
    official = units.legacy_communes.set_index("code")
    frame = legacy.frame.set_index("code")
    assert (frame["parent_code"] == official.loc[frame.index, "district_code"]).all()
    assert (frame["commune_code"] == official.loc[frame.index, "commune_2025_code"]).all()


def test_a_province_file_of_one_feature_needs_no_code_column(imports):
    province = imports["province"]
    assert province.ok
    assert list(province.frame["code"]) == ["20"]
    assert list(province.frame["name"]) == ["Tỉnh Lạng Sơn"]
    assert province.frame["parent_code"].isna().all()


def test_tcvn3_names_without_cpg_are_read_right_and_only_an_old_name_is_flagged(units):
    imported = read("communes_tcvn3_names.zip", "commune", "2025")
    assert imported.ok
    assert any("TCVN3" in note for note in imported.notes)
    # Codes written as integers (5977) are padded back to five digits.
    assert list(imported.frame["code"]) == list(units.communes["code"])
    # Wards written by their short names ("Đông Kinh") are accepted silently.
    en, vi = message("name_differs", row=24, code="06184", given="Thị trấn Đồng Đăng",
                     official="Xã Đồng Đăng")
    assert imported.checks == [BoundaryCheck("name_differs", ("06184",), None, en, vi)]
    assert en == (
        "Row 24: the file names 06184 “Thị trấn Đồng Đăng”; the official name “Xã Đồng Đăng” "
        "is kept."
    )
    assert imported.frame.set_index("code").at["06184", "name"] == "Xã Đồng Đăng"


# --- defective files -------------------------------------------------------------------------


def test_a_self_intersecting_ring_is_repaired_and_a_figure_eight_is_refused():
    imported = read("boundary_self_intersecting.geojson", "district", "2019")
    assert imported.problems == [
        BoundaryProblem(8, "geometry", None, *message("unrepairable", row=8, code="186"))
    ]
    assert imported.problems[0].message_en == (
        "Row 8: the boundary of 186 crosses itself and cannot be repaired without changing its "
        "area by more than 1 %; correct it in a GIS."
    )
    [repaired] = imported.checks
    assert (repaired.kind, repaired.codes) == ("repaired", ("181",))
    assert repaired.hectares < 0.1
    assert repaired.message_en == message("repaired", row=3, code="181",
                                          hectares=repaired.hectares)[0]
    assert repaired.message_en.startswith("Row 3: the boundary of 181 crossed itself;")
    frame = imported.frame.set_index("code")
    assert "186" not in frame.index
    assert frame.geometry.is_valid.all()


def test_an_unknown_code_is_reported_with_its_row_and_the_unit_it_leaves_missing():
    imported = read("boundary_unknown_code.geojson", "district", "2019")
    assert imported.problems == [
        BoundaryProblem(8, "ma_huyen", "1860", *message(
            "unknown", row=8, code="1860", noun_en="district-level unit",
            noun_vi="đơn vị cấp huyện")),
        BoundaryProblem(None, "ma_huyen", "186", *message(
            "missing", row=None, count=1, total=11, listed="186 Huyện Hữu Lũng")),
    ]  # fmt: skip
    assert imported.problems[0].message_en == (
        "Row 8: 1860 is not the code of any district-level unit of Lạng Sơn."
    )
    assert imported.problems[1].message_vi == "Tệp thiếu 1 trong 11 đơn vị: 186 Huyện Hữu Lũng."
    assert not imported.ok


def test_a_file_without_a_code_column_names_the_columns_it_has():
    imported = read("boundary_missing_code_column.geojson", "district", "2019")
    [problem] = imported.problems
    assert (problem.row, problem.field, problem.value) == (None, None, None)
    assert problem.message_en.startswith("No column holds the unit codes; name it one of ma_huyen")
    assert problem.message_en.endswith("(the file has: ten_huyen, dien_tich_km2).")
    assert "tệp có: ten_huyen, dien_tich_km2" in problem.message_vi
    assert imported.frame.empty


def test_a_duplicated_code_is_reported_on_the_later_row_naming_the_first():
    imported = read("boundary_duplicate_code.geojson", "district", "2019")
    assert imported.problems == [
        BoundaryProblem(12, "ma_huyen", "181", *message("duplicate", row=12, code="181", first=3))
    ]
    assert imported.problems[0].message_vi == "Dòng 12: mã 181 bị lặp lại; mã này đã có ở dòng 3."
    assert imported.checks == []  # the duplicate is left out, so it overlaps nothing
    assert len(imported.frame) == 11


def test_a_gap_and_an_overlap_are_warnings_with_their_hectares():
    imported = read("boundary_with_gap_and_overlap.geojson", "commune", "2025")
    assert imported.ok
    overlap, gap = imported.checks
    assert (overlap.kind, overlap.codes) == ("overlap", ("06253", "06313"))
    assert overlap.hectares == pytest.approx(OVERLAP_HA, rel=0.01)
    assert overlap.message_en == "06253 and 06313 overlap by 36.0 ha."
    assert (gap.kind, gap.codes) == ("gap", ("06253", "06298"))
    assert gap.hectares == pytest.approx(GAP_HA, rel=0.01)
    assert gap.message_en == "A gap of 16.0 ha that no unit covers lies between 06253 and 06298."
    assert gap.message_vi == "Có khoảng trống 16.0 ha không thuộc đơn vị nào, giữa 06253 và 06298."


def test_a_tolerance_above_the_gap_and_the_overlap_hides_both():
    imported = read("boundary_with_gap_and_overlap.geojson", "commune", "2025",
                    gap_tolerance_ha=40.0)
    assert imported.checks == []


def test_a_level_and_vintage_that_do_not_go_together_are_a_problem_not_an_error():
    imported = read("districts_2019.zip", "district", "2025")
    assert imported.problems == [
        BoundaryProblem(None, "level", "district 2025",
                        *message("level", level="district", vintage="2025"))
    ]
    assert imported.frame.empty and list(imported.frame.columns) == COLUMNS


def test_a_shapefile_without_prj_raises_invalid_crs_unless_one_is_given():
    with pytest.raises(InvalidCRS):
        read("shapefile_without_prj.zip", "commune", "2025")
    given = read("shapefile_without_prj.zip", "commune", "2025", crs="EPSG:4326")
    assert given.problems  # points with codes LS01..LS03: no commune, no boundary


def test_metres_taken_for_degrees_put_every_unit_outside_the_province():
    imported = read("communes_2025_official_like.gpkg", "commune", "2025", crs="EPSG:4326")
    assert len(imported.problems) == 65
    assert imported.problems[0] == BoundaryProblem(
        1, "geometry", None, *message("outside", row=1, code="05977")
    )
    assert imported.problems[0].message_en == (
        "Row 1: the boundary of 05977 lies outside Lạng Sơn; check the coordinate system."
    )
    assert imported.checks == [] and imported.frame.empty


def test_a_table_without_geometry_is_one_problem():
    imported = read("good_signal_villages.csv", "commune", "2025")
    assert imported.problems == [
        BoundaryProblem(None, "geometry", None,
                        *message("no_geometry", name="good_signal_villages.csv"))
    ]


def test_a_file_of_another_level_names_only_the_first_twelve_missing_units():
    # Each 2025 commune took the code of one of its pre-2025 parts, so 65 codes match.
    imported = read("communes_2025_wgs84.geojson", "legacy_commune", "2019")
    missing = imported.problems[-1]
    assert (missing.row, missing.field) == (None, "ma")
    assert len(missing.value.split(", ")) == 194 - 65
    assert missing.message_en.startswith(f"The file lacks {194 - 65} of the 194 units: ")
    assert missing.message_en.endswith(f", … (+{194 - 65 - 12}).")
    assert len(imported.frame) == 65


def test_every_message_has_an_english_and_a_different_vietnamese_text():
    for en, vi in MESSAGES.values():
        assert en and vi and en != vi


def test_the_helpers_doctests_pass():
    failures, tested = doctest.testmod(geodata.official_boundaries)
    assert tested > 0 and failures == 0


# --- merging ---------------------------------------------------------------------------------


def counts(boundaries):
    return [len(boundaries.province), len(boundaries.districts),
            len(boundaries.legacy_communes), len(boundaries.communes)]


def provenance(boundaries):
    return {name: set(getattr(boundaries, name)["provenance"])
            for name in ("province", "districts", "legacy_communes", "communes")}


def test_merging_official_communes_makes_the_province_official_and_leaves_the_rest(
    boundaries, official_like
):
    merged = merge_into(boundaries, official_like)
    assert counts(merged) == [1, 11, 194, 65]
    assert provenance(merged) == {"province": {"official"}, "districts": {"approximate"},
                                  "legacy_communes": {"approximate"}, "communes": {"official"}}
    province = merged.province.iloc[0]
    assert province["source"].startswith("dissolved from official communes 2025 (")
    union = shapely.union_all(official_like.frame.geometry.to_numpy())
    assert shapely.area(shapely.symmetric_difference(province.geometry, union)) < 1e-9
    assert list(merged.province.columns) == COLUMNS
    assert merged.districts is boundaries.districts


def test_merging_official_legacy_communes_redissolves_districts_and_province(boundaries, imports):
    merged = merge_into(boundaries, imports["legacy_commune"])
    assert counts(merged) == [1, 11, 194, 65]
    assert provenance(merged) == {"province": {"official"}, "districts": {"official"},
                                  "legacy_communes": {"official"}, "communes": {"approximate"}}
    assert set(merged.districts["source"]) == {
        "dissolved from official communes 2019 (legacy_communes_2019.geojson)"
    }
    assert merged.province.iloc[0]["source"].startswith("dissolved from official districts 2019")
    assert list(merged.districts["code"]) == list(boundaries.districts["code"])
    assert merged.districts.geometry.is_valid.all()


def test_imported_districts_are_kept_when_legacy_communes_come_later(boundaries, imports):
    merged = merge_into(merge_into(boundaries, imports["district"]), imports["legacy_commune"])
    assert set(merged.districts["source"]) == {"districts_2019.zip"}
    assert provenance(merged)["districts"] == {"official"}


def test_an_imported_province_is_not_replaced_by_a_derived_one(boundaries, imports):
    merged = merge_into(merge_into(boundaries, imports["province"]), imports["commune"])
    assert set(merged.province["source"]) == {"province_without_code.geojson"}
    assert provenance(merged)["province"] == {"official"}


def test_merge_refuses_an_import_with_problems_and_leaves_the_boundaries_alone(boundaries):
    broken = read("boundary_duplicate_code.geojson", "district", "2019")
    with pytest.raises(GeodataError) as raised:
        merge_into(boundaries, broken)
    assert raised.value.user_msg == message("not_ok", count=1)[0]
    assert provenance(boundaries)["districts"] == {"approximate"}
