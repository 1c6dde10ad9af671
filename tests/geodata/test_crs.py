import doctest
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyproj
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

import geodata.crs
from geodata.crs import (
    LANGSON_BBOX,
    PROFILES,
    PROVINCE_MERIDIANS,
    TM3_EPSG,
    NonStandardTowgs84Warning,
    crs_from_prj,
    from_wgs84,
    looks_like_metres,
    looks_swapped_latlon,
    province_slug,
    resolve_crs,
    to_wgs84,
    vn2000_tm3,
)
from geodata.errors import InvalidCRS

DATA = Path(__file__).parents[1] / "data"
A = 6378137.0  # WGS 84, the ellipsoid of VN-2000 too
F = 1 / 298.257223563
E2 = F * (2 - F)
# Decision 05/2007/QĐ-BTNMT as EPSG:6960 records it: coordinate-frame rotations (EPSG method
# 9607), translations in metres, rotations in arc-seconds, scale in parts per million.
TX, TY, TZ = -191.90441429, -39.30318279, -111.45032835
RX, RY, RZ = -0.00928836, 0.01975479, -0.00427372
DS = 0.252906278
LANGSON_CITY = (106.7613, 21.8537)  # WGS 84, the provincial capital


def meridian_arc(lat_deg: float, steps: int = 2000) -> float:
    """Length of the WGS 84 meridian from the equator to ``lat_deg``, by Simpson's rule."""
    phi = np.linspace(0.0, math.radians(lat_deg), steps + 1)
    radius = A * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5
    weights = np.ones(steps + 1)
    weights[1:-1:2], weights[2:-1:2] = 4, 2
    return float((phi[1] - phi[0]) / 3 * (weights * radius).sum())


def helmert_vn2000_to_wgs84(lon_deg: float, lat_deg: float) -> tuple[float, float]:
    """Shift a VN-2000 point (height 0) to WGS 84 with the decision's 7 parameters, by hand."""
    lon, lat = math.radians(lon_deg), math.radians(lat_deg)
    n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    xyz = np.array([n * math.cos(lat) * math.cos(lon), n * math.cos(lat) * math.sin(lon),
                    n * (1 - E2) * math.sin(lat)])
    rx, ry, rz = (math.radians(r / 3600) for r in (RX, RY, RZ))
    rotation = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])  # coordinate frame
    x, y, z = np.array([TX, TY, TZ]) + (1 + DS * 1e-6) * rotation @ xyz
    p = math.hypot(x, y)
    phi = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
        h = p / math.cos(phi) - n
        phi = math.atan2(z, p * (1 - E2 * n / (n + h)))
    return math.degrees(math.atan2(y, x)), math.degrees(phi)


def metres_between(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


# --- projection and datum, from first principles ----------------------------------------------


@pytest.mark.parametrize("lat", [21.3, 21.75, 22.5])
def test_a_point_on_the_central_meridian_projects_to_500_km_and_the_scaled_meridian_arc(lat):
    # TM-3 107°15′: on the central meridian x is the false easting exactly and y is 0.9999 times
    # the meridian arc from the equator (false northing 0). Checks meridian, scale and offsets.
    source = PROFILES["vn2000-langson"].source_crs
    x, y = Transformer.from_crs(source.geodetic_crs, source, always_xy=True).transform(107.25, lat)
    assert x == pytest.approx(500_000.0, abs=1e-6)
    assert y == pytest.approx(0.9999 * meridian_arc(lat), abs=1e-3)


def test_the_vn2000_shift_is_the_published_seven_parameters_in_the_coordinate_frame_convention():
    for lon, lat in [(106.1, 21.4), (106.76, 21.85), (107.3, 22.4)]:
        expected = helmert_vn2000_to_wgs84(lon, lat)
        lons, lats = to_wgs84(lon, lat, "vn2000")
        assert metres_between(lons, lats, *expected) < 0.001


def test_the_shift_equals_epsg_6960_and_moves_langson_about_224_metres():
    group = TransformerGroup(4756, 4326, always_xy=True)
    (epsg_6960,) = [t for t in group.transformers if "VN-2000 to WGS 84 (2)" in t.description]
    lon, lat = 106.76, 21.85
    ours = to_wgs84(lon, lat, "vn2000")
    assert metres_between(*ours, *epsg_6960.transform(lon, lat)) < 0.001
    assert 215 < metres_between(lon, lat, *ours) < 235  # 224.3 m: east 196 m, south 110 m


def test_the_decision_signs_read_as_position_vector_are_warned_about():
    # Copying the decision's rotations into +towgs84 (position vector) flips them: ~0.77 m here.
    text = ("+proj=tmerc +lat_0=0 +lon_0=107.25 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
            f"+towgs84={TX},{TY},{TZ},{RX},{RY},{RZ},{DS} +units=m +no_defs")
    with pytest.warns(NonStandardTowgs84Warning, match=r"0\.7\d m"):
        crs = resolve_crs(text)
    assert crs.is_bound


def test_wgs84_to_tm3_and_back_is_within_a_millimetre():
    lons, lats = np.meshgrid(np.linspace(106.0, 107.4, 8), np.linspace(21.3, 22.5, 8))
    xs, ys = from_wgs84(lons.ravel(), lats.ravel(), "vn2000-langson")
    assert looks_like_metres(xs, ys)
    assert np.all((xs > 350_000) & (xs < 520_000) & (ys > 2_350_000) & (ys < 2_500_000))
    back_lons, back_lats = to_wgs84(xs, ys, "vn2000-langson")
    assert metres_between(lons.ravel(), lats.ravel(), back_lons, back_lats).max() < 0.001


def test_every_way_of_naming_the_langson_system_gives_the_same_point():
    xs, ys = from_wgs84([LANGSON_CITY[0]], [LANGSON_CITY[1]], "vn2000-langson")
    prj = crs_from_prj((DATA / "vn2000_langson.prj").read_text())
    for crs in ("VN-2000 Lạng Sơn", "EPSG:9215", CRS.from_epsg(9215), prj, vn2000_tm3(107.25)):
        lons, lats = to_wgs84(xs, ys, crs)
        assert metres_between(lons, lats, *LANGSON_CITY).max() < 0.001


# --- profiles and the provincial table ----------------------------------------------------------


def test_the_table_has_the_provinces_of_the_circular_with_their_meridians():
    assert len(PROVINCE_MERIDIANS) == 63
    expected = {"Lạng Sơn": 107.25, "Cao Bằng": 105.75, "Bắc Kạn": 106.5, "Thái Nguyên": 106.5,
                "Bắc Giang": 107.0, "Quảng Ninh": 107.75, "Hà Nội": 105.0, "Hải Phòng": 105.75,
                "Hồ Chí Minh": 105.75, "Đà Nẵng": 107.75}
    assert {name: PROVINCE_MERIDIANS[name] for name in expected} == expected


def test_each_province_is_in_the_epsg_area_of_its_zone():
    for province, meridian in PROVINCE_MERIDIANS.items():
        code = TM3_EPSG[meridian]
        if code in (5897, 5898):  # EPSG's broad zones 482 and 491 name no provinces
            continue
        area = CRS.from_epsg(code).area_of_use.name
        assert province_slug(province) in province_slug(area), (province, area)


@pytest.mark.parametrize(("meridian", "code"), sorted(TM3_EPSG.items()))
def test_each_epsg_tm3_system_has_the_vn2000_tm3_definition(meridian, code):
    crs = CRS.from_epsg(code)
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == pytest.approx(meridian)
    assert params["Scale factor at natural origin"] == pytest.approx(0.9999)
    assert params["False easting"] == 500_000
    assert crs.datum.name == "Vietnam 2000"
    assert vn2000_tm3(meridian).source_crs.to_epsg() == code


def test_profiles_cover_every_province_and_are_bound_to_wgs84():
    assert {"vn2000", "wgs84", "vn2000-langson"} <= set(PROFILES)
    assert len(PROFILES) == 65
    for province in PROVINCE_MERIDIANS:
        assert f"vn2000-{province_slug(province)}" in PROFILES
    assert PROFILES["vn2000"].is_bound and PROFILES["vn2000"].source_crs.to_epsg() == 4756
    assert PROFILES["wgs84"].to_epsg() == 4326
    assert PROFILES["vn2000-hochiminh"].source_crs.to_epsg() == 9210


def test_a_meridian_without_an_epsg_system_gets_one_built_to_the_same_definition():
    crs = vn2000_tm3(107 + 20 / 60)
    assert crs.is_bound and crs.source_crs.name == "VN-2000 / TM-3 107-20"
    x, _ = from_wgs84(107 + 20 / 60, 21.9, crs)
    assert float(x) == pytest.approx(500_000, abs=300)  # the datum shift moves it a little
    with pytest.raises(ValueError):
        vn2000_tm3(0.0)


# --- resolve_crs and .prj files -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "epsg"), [
    ("EPSG:4326", 4326), ("4326", 4326), ("epsg:9215", 9215), (" EPSG : 3405 ", 3405),
    (CRS.from_epsg(4326).to_wkt(), 4326), ("+proj=longlat +datum=WGS84 +no_defs", 4326),
    ("urn:ogc:def:crs:EPSG::4326", 4326),
])
def test_resolve_crs_accepts_codes_wkt_and_proj_strings(text, epsg):
    assert resolve_crs(text).to_epsg() == epsg


@pytest.mark.parametrize("text", ["VN-2000 Lạng Sơn", "vn2000_langson", "VN2000-LANGSON",
                                  "vn2000 lang son", "VN-2000 / TM-3 107-15"])
def test_resolve_crs_accepts_profile_names_in_any_spelling(text):
    assert resolve_crs(text).source_crs.to_epsg() == 9215


def test_an_unnamed_proj_string_with_the_tm3_definition_is_taken_as_vn2000():
    crs = resolve_crs("+proj=tmerc +lat_0=0 +lon_0=107.25 +k=0.9999 +x_0=500000 +y_0=0 "
                      "+ellps=WGS84 +units=m +no_defs")
    assert crs.is_bound and crs.source_crs.to_epsg() == 9215


@pytest.mark.parametrize("text", ["garbage", "", "   ", "EPSG:99999", "12", "PROJCS[",
                                  "+proj=nonsense", "vn2000-atlantis"])
def test_resolve_crs_rejects_anything_else_in_both_languages(text):
    with pytest.raises(InvalidCRS) as caught:
        resolve_crs(text)
    assert "EPSG" in caught.value.user_msg
    assert "hệ tọa độ" in caught.value.user_msg_vi


def test_an_arcgis_prj_without_towgs84_gets_the_standard_shift():
    text = (DATA / "vn2000_langson.prj").read_text()
    raw = CRS.from_wkt(text)
    assert not raw.is_bound  # as written, PROJ would have to guess the shift
    crs = crs_from_prj(text)
    assert crs.is_bound and crs.source_crs.to_epsg() == 9215
    assert crs == PROFILES["vn2000-langson"]


def test_a_prj_with_a_zero_towgs84_is_warned_about_and_given_the_standard_shift():
    text = (DATA / "vn2000_langson_zero_towgs84.prj").read_text()
    with pytest.warns(NonStandardTowgs84Warning, match="zero shift"):
        crs = crs_from_prj(text)
    assert crs == PROFILES["vn2000-langson"]


def test_a_prj_in_another_system_is_left_as_it_is():
    crs = crs_from_prj(CRS.from_epsg(32648).to_wkt("WKT1_ESRI"))
    assert crs.to_epsg() == 32648 and not crs.is_bound


def test_a_prj_that_is_not_wkt_raises_invalid_crs():
    with pytest.raises(InvalidCRS) as caught:
        crs_from_prj("CoordSys Earth Projection 8, 104")
    assert caught.value.user_msg_vi


# --- coordinate checks for the importer ---------------------------------------------------------


def test_looks_like_metres_tells_projected_from_geographic_coordinates():
    assert looks_like_metres([451_234.5, 452_000.0], [2_418_765.2, 2_419_000.0])
    assert not looks_like_metres([106.76, 107.1], [21.85, 22.0])
    assert not looks_like_metres([np.nan], [np.nan])
    assert not looks_like_metres([], [])


def test_looks_swapped_latlon_spots_latitude_first_columns():
    lons, lats = [106.76, 106.34, 107.09], [21.85, 21.50, 21.54]
    assert looks_swapped_latlon(lats, lons)
    assert not looks_swapped_latlon(lons, lats)
    assert not looks_swapped_latlon([0.0], [0.0])
    assert not looks_swapped_latlon([], [], LANGSON_BBOX)


def test_crs_doctests_pass():
    failures, tested = doctest.testmod(geodata.crs)
    assert tested > 0
    assert failures == 0


def test_geodata_modules_import_no_flask_portal_or_layers():
    code = ("import sys, geodata.crs, geodata.encodings; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'portal', 'layers')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
