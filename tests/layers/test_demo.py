import datetime as dt
import unicodedata
from collections import Counter, defaultdict

import pytest

import shapely

from geodata.admin_units import PROVINCE_CODE, load_admin_units
from geodata.boundaries import vietnam_outline
from layers import CATALOGUE, get_layer
from layers.demo import DemoDataset, build_demo

PLAN_PROJECTS = {
    "industry": {
        "Khu công nghiệp VSIP Lạng Sơn (giai đoạn 1)", "Cụm công nghiệp Hồ Sơn 1",
        "Cụm công nghiệp Đình Lập", "Cụm công nghiệp Bắc Sơn 2", "Cụm công nghiệp Hòa Sơn 1",
        "Cụm công nghiệp Na Dương 1", "Cụm công nghiệp Na Dương 2", "Cụm công nghiệp Na Dương 3",
        "Nhà máy Nhiệt điện Na Dương II", "Nhà máy Thủy điện Tràng Định 2",
    },
    "border": {
        "Cửa khẩu quốc tế Hữu Nghị", "Ga đường sắt liên vận quốc tế Đồng Đăng",
        "Cửa khẩu Tân Thanh", "Cửa khẩu Cốc Nam", "Cửa khẩu Chi Ma", "Cửa khẩu Bình Nghi",
        "Khu hợp tác thương mại, du lịch Tân Thanh – Pò Chài",
    },
    "transport": {"Cao tốc cửa khẩu Hữu Nghị – Chi Lăng"},
    "geopark": {"Du lịch cộng đồng Hữu Liên", "Làng du lịch cộng đồng Quỳnh Sơn"},
}  # fmt: skip
PROGRESS_LAYERS = {"industry", "transport"}


def is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


@pytest.fixture(scope="module")
def demo() -> DemoDataset:
    return build_demo()


@pytest.fixture(scope="module")
def units():
    return load_admin_units()


def records_of(demo, layer_id):
    return [r for r in demo.records if r.layer_id == layer_id]


def test_there_are_at_least_100_blackspot_villages(demo):
    assert len(records_of(demo, "signal")) >= 100


def test_blackspot_villages_spread_over_many_communes_more_in_the_uplands(demo, units):
    signal = records_of(demo, "signal")
    assert len({r.legacy_commune_code for r in signal}) >= 50
    per_district = Counter(r.district_code for r in signal)
    city = units.districts.loc[units.districts["short_name"] == "Lạng Sơn", "code"].item()
    assert per_district[city] == 0
    assert len(per_district) >= 9


def test_there_are_at_least_2000_housing_records_placed_in_all_65_communes(demo, units):
    housing = records_of(demo, "housing")
    assert len(housing) >= 2000
    assert {r.commune_code for r in housing} == set(units.communes["code"])


def test_each_record_area_codes_follow_the_crosswalk_of_its_placement_commune(demo, units):
    legacy = units.legacy_communes.set_index("code")
    for record in demo.records:
        placed = legacy.loc[record.legacy_commune_code]
        assert record.district_code == placed["district_code"], record.record_id
        assert record.commune_code == placed["commune_2025_code"], record.record_id


def test_record_ids_are_unique(demo):
    ids = [r.record_id for r in demo.records]
    assert len(ids) == len(set(ids))


def test_the_plans_named_projects_are_present_under_their_real_names(demo):
    for layer_id, names in PLAN_PROJECTS.items():
        assert names <= {r.name for r in records_of(demo, layer_id)}, layer_id


def test_every_history_is_ordered_by_date_within_2025_up_to_30_november(demo):
    for record in demo.records:
        dates = [state.date for state in record.history]
        assert dates, record.record_id
        assert dates == sorted(dates), record.record_id
        assert dt.date(2025, 1, 1) <= dates[0] and dates[-1] <= dt.date(2025, 11, 30)


def test_every_status_is_one_its_layer_declares(demo):
    for record in demo.records:
        declared = {s.id for s in get_layer(record.layer_id).statuses}
        for state in record.history:
            assert state.status in declared, (record.record_id, state.status)


def test_progress_lies_between_0_and_100_and_only_where_the_layer_tracks_it(demo):
    for record in demo.records:
        for state in record.history:
            if record.layer_id in PROGRESS_LAYERS:
                assert 0.0 <= state.progress <= 100.0, record.record_id
            else:
                assert state.progress is None, record.record_id


def test_a_record_at_full_progress_is_in_a_done_status(demo):
    for record in demo.records:
        layer = get_layer(record.layer_id)
        last = record.history[-1]
        if last.progress == 100.0:
            assert layer.status(last.status).done, record.record_id


def test_record_attributes_are_the_last_states_snapshot(demo):
    for record in demo.records:
        assert record.attributes == record.history[-1].attributes


def test_attributes_hold_only_declared_fields_with_valid_values(demo):
    for record in demo.records:
        layer = get_layer(record.layer_id)
        for state in record.history:
            assert set(state.attributes) == {f.name for f in layer.fields}, record.record_id
            for spec in layer.fields:
                value = state.attributes[spec.name]
                if value is None:
                    assert not spec.required, (record.record_id, spec.name)
                    continue
                if spec.choices:
                    assert value in spec.choice_values, (record.record_id, spec.name, value)
                if spec.minimum is not None:
                    assert value >= spec.minimum, (record.record_id, spec.name)
                if spec.maximum is not None:
                    assert value <= spec.maximum, (record.record_id, spec.name)


def test_villages_on_air_carry_the_date_they_went_on_air(demo):
    for record in records_of(demo, "signal"):
        for state in record.history:
            on_air = state.status in {"on_air", "verified"}
            assert (state.attributes["date_on_air"] is not None) == on_air, record.record_id
            if state.status == "on_air":
                assert state.attributes["date_on_air"] == state.date
                assert state.attributes["operator"] != "none"


def test_beneficiaries_phones_are_obviously_fake(demo):
    for record in records_of(demo, "housing"):
        assert record.attributes["phone"].startswith("000 000 ")
        assert record.attributes["beneficiary"] not in record.name


def test_all_text_is_nfc(demo):
    for record in demo.records:
        assert is_nfc(record.name)
        for state in record.history:
            assert is_nfc(state.note) and state.note.strip()
            for value in state.attributes.values():
                if isinstance(value, str):
                    assert is_nfc(value), (record.record_id, value)


def test_geometries_are_valid_of_their_layers_types_and_inside_lang_son(demo, units):
    legacy = units.legacy_communes
    minx, miny = legacy["minx"].min(), legacy["miny"].min()
    maxx, maxy = legacy["maxx"].max(), legacy["maxy"].max()
    for record in demo.records:
        geometry = record.geometry
        assert geometry.is_valid and not geometry.is_empty, record.record_id
        assert geometry.geom_type in get_layer(record.layer_id).geometry_types
        x0, y0, x1, y1 = geometry.bounds
        assert minx <= x0 and x1 <= maxx and miny <= y0 and y1 <= maxy, record.record_id


def test_every_geometry_stays_on_vietnamese_soil(demo):
    vietnam = vietnam_outline()
    shapely.prepare(vietnam)
    outside = [r.record_id for r in demo.records if not vietnam.contains(r.geometry)]
    assert outside == []


def test_the_same_seed_gives_the_same_data_and_another_seed_differs(demo):
    assert build_demo(2025) == demo
    other = build_demo(7)
    assert [r.geometry for r in other.records] != [r.geometry for r in demo.records]


def test_targets_add_up_from_communes_and_districts_to_the_province(demo):
    sums = defaultdict(float)
    for target in demo.targets:
        assert target.year == 2025
        assert target.deadline == get_layer(target.layer_id).deadline
        sums[(target.layer_id, target.level)] += target.target
    for layer in CATALOGUE:
        province = sums[(layer.id, "province")]
        assert province > 0, layer.id
        assert sums[(layer.id, "commune")] == province == sums[(layer.id, "district")]


def test_targets_use_the_areas_codes_of_each_level(demo, units):
    codes = {
        "commune": set(units.communes["code"]),
        "district": set(units.districts["code"]),
        "province": {PROVINCE_CODE},
    }
    for target in demo.targets:
        assert target.area_code in codes[target.level], target


def test_every_village_and_house_counts_toward_its_areas_target(demo):
    targets = {(t.layer_id, t.level, t.area_code): t.target for t in demo.targets}
    for layer_id in ("signal", "housing"):
        per_commune = Counter(r.commune_code for r in records_of(demo, layer_id))
        for code, count in per_commune.items():
            assert targets[(layer_id, "commune", code)] == count


def test_the_industry_target_counts_only_projects_to_finish_in_2025(demo):
    finish = [r for r in records_of(demo, "industry") if r.attributes["plan_goal"] == "finish_2025"]
    province = next(t for t in demo.targets if (t.layer_id, t.level) == ("industry", "province"))
    assert province.target == len(finish) == 4


def test_given_the_stores_cells_every_point_lands_in_its_own_commune_and_district(boundaries):
    legacy = boundaries.legacy_communes.set_index("code").geometry
    communes = boundaries.communes.set_index("code").geometry
    districts = boundaries.districts.set_index("code").geometry
    demo = build_demo(cells=dict(legacy.items()))
    points = [r for r in demo.records if r.geometry.geom_type == "Point"]
    assert len(points) >= 2100
    for record in points:
        assert legacy[record.legacy_commune_code].contains(record.geometry), record.record_id
        assert communes[record.commune_code].contains(record.geometry), record.record_id
        assert districts[record.district_code].contains(record.geometry), record.record_id
