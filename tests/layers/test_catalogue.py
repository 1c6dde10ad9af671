import datetime as dt
import re
import unicodedata

import pytest

from layers import CATALOGUE, UnknownLayer, get_layer
from layers.base import GENERIC_STATUSES, CountDone, SumProgress

LAYER_IDS = {"industry", "border", "geopark", "signal", "housing", "transport"}
ROLE_IDS = {
    "admin", "planner", "industry_editor", "border_editor", "tourism_editor", "telecom_editor",
    "housing_editor", "viewer",
}  # fmt: skip
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def by_id(layer):
    return layer.id


def test_the_catalogue_holds_exactly_the_six_layers_once_each():
    ids = [layer.id for layer in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert set(ids) == LAYER_IDS


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_names_descriptions_and_target_labels_are_present_and_nfc(layer):
    texts = (
        layer.name_vi, layer.name_en, layer.description_vi, layer.description_en,
        layer.target_label_vi, layer.target_label_en,
    )  # fmt: skip
    for text in texts:
        assert text.strip()
        assert is_nfc(text)
    assert layer.name("vi") == layer.name_vi
    assert layer.name("en") == layer.name_en


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_fields_have_unique_names_and_nfc_labels_in_both_languages(layer):
    names = [f.name for f in layer.fields]
    assert len(names) == len(set(names))
    for spec in layer.fields:
        assert spec.label_vi.strip() and is_nfc(spec.label_vi)
        assert spec.label_en.strip() and is_nfc(spec.label_en)
        assert spec.type in {"str", "int", "float", "date", "bool", "choice"}
        assert (spec.type == "choice") == bool(spec.choices)


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_every_choice_value_has_nfc_labels_in_both_languages(layer):
    for spec in layer.fields:
        for choice in spec.choices:
            for locale in ("vi", "en"):
                label = choice.label(locale)
                assert label == layer.choice_label(spec.name, choice.value, locale)
                assert label.strip() and is_nfc(label)


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_every_popup_field_exists_and_is_public(layer):
    assert layer.popup_fields
    for name in layer.popup_fields:
        assert layer.field(name).public, name


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_restricted_fields_never_appear_among_the_public_fields(layer):
    public = {f.name for f in layer.public_fields}
    restricted = {f.name for f in layer.restricted_fields}
    assert public.isdisjoint(restricted)
    assert public | restricted == {f.name for f in layer.fields}


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_statuses_are_unique_labelled_coloured_and_at_least_one_is_done(layer):
    ids = [s.id for s in layer.statuses]
    assert ids and len(ids) == len(set(ids))
    for status in layer.statuses:
        assert status.label_vi.strip() and is_nfc(status.label_vi)
        assert status.label_en.strip() and is_nfc(status.label_en)
        assert HEX_COLOUR.match(status.color), status.color
    assert any(s.done for s in layer.statuses)
    assert not layer.statuses[0].done


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_style_geometry_role_and_deadline_are_sensible(layer):
    assert HEX_COLOUR.match(layer.style.color)
    assert layer.geometry_types
    assert set(layer.geometry_types) <= {"Point", "LineString", "Polygon"}
    assert layer.editor_role in ROLE_IDS
    assert layer.deadline == dt.date(2025, 12, 31)


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_the_progress_rule_explains_itself_in_both_languages(layer):
    rule = layer.progress_rule
    assert rule.description_vi.strip() and is_nfc(rule.description_vi)
    assert rule.description_en.strip()


def test_transport_sums_progress_while_the_other_layers_count_done_records():
    for layer in CATALOGUE:
        expected = SumProgress if layer.id == "transport" else CountDone
        assert isinstance(layer.progress_rule, expected), layer.id


def test_housing_records_are_private_and_the_beneficiary_and_phone_are_restricted():
    housing = get_layer("housing")
    restricted = {f.name for f in housing.restricted_fields}
    assert {"beneficiary", "phone"} <= restricted
    assert housing.records_public is False
    assert restricted.isdisjoint(housing.popup_fields)


def test_only_housing_keeps_its_records_from_the_public():
    assert {layer.id for layer in CATALOGUE if not layer.records_public} == {"housing"}


def test_signal_milestones_run_in_workflow_order():
    signal = get_layer("signal")
    assert signal.workflow is True
    assert [s.id for s in signal.statuses if not s.halted] == [
        "listed", "site_agreed", "power", "station_built", "on_air", "verified",
    ]  # fmt: skip
    assert [s.id for s in signal.statuses if s.halted] == ["paused", "cancelled"]
    assert [s.id for s in signal.statuses if s.done] == ["on_air", "verified"]


def test_editor_roles_follow_the_design():
    roles = {layer.id: layer.editor_role for layer in CATALOGUE}
    assert roles == {
        "industry": "industry_editor", "border": "border_editor", "geopark": "tourism_editor",
        "signal": "telecom_editor", "housing": "housing_editor", "transport": "planner",
    }  # fmt: skip


@pytest.mark.parametrize("layer", CATALOGUE, ids=by_id)
def test_get_layer_returns_each_layer_by_its_id(layer):
    assert get_layer(layer.id) is layer


def test_get_layer_raises_unknown_layer_for_an_unknown_id():
    with pytest.raises(UnknownLayer) as caught:
        get_layer("roads")
    assert caught.value.layer_id == "roads"
    assert isinstance(caught.value, LookupError)


def test_layer_field_and_status_lookups_raise_key_error_for_unknown_names():
    industry = get_layer("industry")
    with pytest.raises(KeyError):
        industry.field("no_such_field")
    with pytest.raises(KeyError):
        industry.status("no_such_status")


@pytest.mark.parametrize("layer", CATALOGUE, ids=lambda layer: layer.id)
def test_every_layer_maps_every_generic_status_and_can_pause_and_cancel(layer):
    assert set(layer.generic_statuses) == set(GENERIC_STATUSES)
    for generic, status in layer.generic_statuses.items():
        assert layer.status(status).halted == (generic in ("paused", "cancelled"))
    assert layer.status(layer.generic_statuses["cancelled"]).label_vi == "Đã hủy"
