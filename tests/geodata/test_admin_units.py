import doctest
import unicodedata

import pytest

import geodata.admin_units
from geodata.admin_units import PROVINCE_CODE, PROVINCE_NAME, load_admin_units
from geodata.neighbour_units import load_neighbour_legacy_communes

DISTRICT_SHORT_NAMES = {
    "Lạng Sơn",
    "Tràng Định",
    "Văn Lãng",
    "Văn Quan",
    "Bình Gia",
    "Bắc Sơn",
    "Hữu Lũng",
    "Chi Lăng",
    "Cao Lộc",
    "Lộc Bình",
    "Đình Lập",
}


@pytest.fixture(scope="module")
def units():
    return load_admin_units()


def test_province_is_lang_son_with_code_20(units):
    assert PROVINCE_CODE == "20"
    assert len(units.province) == 1
    row = units.province.iloc[0]
    assert row["code"] == "20"
    assert PROVINCE_NAME in row["name"]


def test_there_are_eleven_districts_with_the_known_names(units):
    districts = units.districts
    assert len(districts) == 11
    assert set(districts["short_name"]) == DISTRICT_SHORT_NAMES
    assert "Thành phố Lạng Sơn" in set(districts["name"])
    assert "Huyện Tràng Định" in set(districts["name"])
    assert set(districts["code"]) == {"178", *(str(c) for c in range(180, 190))}


def test_there_are_194_legacy_communes_and_65_communes(units):
    assert len(units.legacy_communes) == 194
    assert units.legacy_communes["code"].is_unique
    assert len(units.communes) == 65
    assert units.communes["code"].is_unique


def test_every_name_is_nfc(units):
    frames = [units.province, units.districts, units.legacy_communes, units.communes]
    for frame in frames:
        for column in ("name", "short_name", "unit_type"):
            for value in frame[column]:
                assert unicodedata.is_normalized("NFC", value), value


def test_every_legacy_commune_maps_to_one_2025_commune_and_back(units):
    legacy = units.legacy_communes
    assert legacy["commune_2025_code"].notna().all()
    assert set(legacy["commune_2025_code"]) == set(units.communes["code"])


def test_every_legacy_commune_lies_in_a_known_district(units):
    assert set(units.legacy_communes["district_code"]) == set(units.districts["code"])


def test_ky_lua_ward_area_zero_is_read_as_unknown(units):
    communes = units.communes.set_index("code")
    assert communes.loc["06187", "official_area_km2"] is None
    known = [a for a in communes["official_area_km2"] if a is not None]
    assert len(known) == 64
    assert 8000 < sum(known) < 8400


def test_centroids_and_boxes_lie_in_the_province(units):
    legacy = units.legacy_communes
    assert legacy["lat"].between(21.3, 22.5).all()
    assert legacy["lon"].between(106.0, 107.4).all()
    assert (legacy["minx"] < legacy["maxx"]).all()
    assert (legacy["miny"] < legacy["maxy"]).all()
    assert units.communes["lat"].between(21.3, 22.5).all()


def test_load_returns_copies_that_callers_may_modify(units):
    units.communes.loc[0, "name"] = "changed"
    assert load_admin_units().communes.loc[0, "name"] != "changed"


def test_neighbour_communes_come_from_other_provinces_near_the_border():
    neighbours = load_neighbour_legacy_communes()
    assert len(neighbours) > 100
    assert PROVINCE_CODE not in set(neighbours["province_code"])
    # Cao Bằng 04, Bắc Kạn 06, Thái Nguyên 19, Bắc Giang 24, Quảng Ninh 22 border Lạng Sơn.
    assert {"04", "06", "19", "22", "24"} <= set(neighbours["province_code"])


def test_admin_units_doctests_pass():
    failures, tested = doctest.testmod(geodata.admin_units)
    assert tested > 0
    assert failures == 0
