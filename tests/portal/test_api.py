import datetime as dt

import pytest

import shapely

from layers import CATALOGUE
from portal.store import loader
from portal.store.models import Feature
from portal.web.database import get_database


def test_layers_lists_the_six_layers_with_statuses(client):
    body = client.get("/api/layers").get_json()
    ids = [layer["id"] for layer in body["layers"]]
    assert ids == ["industry", "border", "geopark", "signal", "housing", "transport"]
    for layer in body["layers"]:
        assert layer["statuses"] and all(s["label"] for s in layer["statuses"])


def test_features_carry_both_area_codes_and_only_public_fields(client):
    body = client.get("/api/layers/signal/features").get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] >= 100
    signal = next(layer for layer in CATALOGUE if layer.id == "signal")
    allowed = {
        "id", "record_id", "name", "status", "progress",
        "updated", "commune_code", "commune_name", "district_code", "district_name",
        "illustrative", "incomplete", "position_approximate",
    } | {f.name for f in signal.public_fields}
    for feature in body["features"]:
        props = feature["properties"]
        assert set(props) <= allowed
        assert props["commune_code"] and props["district_code"]
        assert props["illustrative"] is True


def test_housing_records_are_refused_to_the_public_with_the_error_shape(client):
    response = client.get("/api/layers/housing/features")
    assert response.status_code == 403
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 403 and body["error"]
    assert "errors" in body


def test_housing_beneficiaries_never_reach_a_public_response(client, app):
    with get_database(app).sessions() as session:
        names = [
            f.attributes.get("beneficiary")
            for f in session.query(Feature).filter_by(layer_id="housing").limit(50)
        ]
    names = [n for n in names if n]
    assert names
    for url in ["/api/layers", "/api/progress?layer=housing&level=commune",
                "/api/search?q=" + names[0][:6], "/", "/planning?layer=housing"]:
        text = client.get(url).get_data(as_text=True)
        for name in names:
            assert name not in text, url


def test_areas_give_65_communes_and_11_districts_marked_approximate(client):
    communes = client.get("/api/areas?level=commune").get_json()["features"]
    districts = client.get("/api/areas?level=district").get_json()["features"]
    province = client.get("/api/areas?level=province").get_json()["features"]
    assert (len(communes), len(districts), len(province)) == (65, 11, 1)
    for feature in communes + districts + province:
        props = feature["properties"]
        assert props["provenance"] == "approximate"
        assert props["code"] and props["name"] and props["vintage"]
    assert {f["properties"]["vintage"] for f in districts} == {"2019"}
    assert {f["properties"]["vintage"] for f in communes} == {"2025"}


@pytest.mark.parametrize("layer", [layer.id for layer in CATALOGUE])
@pytest.mark.parametrize("level", ["province", "district", "commune"])
def test_progress_rows_are_consistent(client, layer, level):
    rows = client.get(f"/api/progress?layer={layer}&level={level}&as_of=2025-09-30").get_json()
    assert rows
    for row in rows:
        assert set(row) >= {"code", "name", "count", "target", "done", "percent", "lagging"}
        if row["percent"] is None:
            assert row["target"] == 0 and row["lagging"] is False
        else:
            assert row["percent"] == pytest.approx(100 * row["done"] / row["target"], abs=0.06)
            assert row["lagging"] == (row["percent"] < row["expected_percent"])


def test_progress_province_totals_equal_the_sum_of_communes(client):
    province = client.get("/api/progress?layer=signal&level=province").get_json()
    communes = client.get("/api/progress?layer=signal&level=commune").get_json()
    assert province[0]["count"] == sum(r["count"] for r in communes)
    assert province[0]["done"] == pytest.approx(sum(r["done"] for r in communes))


def test_progress_as_of_an_earlier_date_shows_the_past(client):
    early = client.get("/api/progress?layer=signal&level=province&as_of=2025-02-01").get_json()
    late = client.get("/api/progress?layer=signal&level=province&as_of=2025-11-30").get_json()
    assert early[0]["done"] < late[0]["done"]
    before = client.get("/api/progress?layer=signal&level=province&as_of=2024-06-01").get_json()
    assert before[0]["count"] == 0


def test_progress_answers_304_when_nothing_changed_and_moves_on_after_a_write(client, app):
    url = "/api/progress?layer=signal&level=commune&as_of=2025-11-30"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with get_database(app).transaction() as session:
        loader.write_records(session, [loader.RecordRow(
            layer_id="signal", record_id="TEST-1", name="Bản Thử", attributes={},
            geometry=shapely.Point(106.76, 21.86),
            history=[loader.StateRow(date=dt.date(2025, 1, 5), status="listed")],
        )])
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    before = sum(r["count"] for r in first.get_json())
    assert sum(r["count"] for r in again.get_json()) == before + 1


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/progress?layer=signal&as_of=2025-02-31", "as_of"),
        ("/api/progress?layer=signal&level=ward", "level"),
        ("/api/progress", "layer"),
        ("/api/layers/signal/features?bbox=1,2,3", "bbox"),
        ("/api/layers/signal/features?limit=0", "limit"),
    ],
)
def test_bad_parameters_get_400_naming_the_field(client, url, field):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["errors"][0]["field"] == field


def test_unknown_layer_is_404_in_the_language_asked(client):
    vi = client.get("/api/layers/bogus/features").get_json()
    en = client.get("/api/layers/bogus/features?lang=en").get_json()
    assert vi["status"] == en["status"] == 404
    assert en["error"] == "Unknown layer: bogus"
    assert vi["error"] != en["error"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lang son", "Lạng Sơn"), ("huu lien", "Hữu Liên"), ("dong dang", "Đồng Đăng"),
     ("HỮU LIÊN", "Hữu Liên")],
)
def test_search_ignores_diacritics_and_case(client, query, expected):
    results = client.get(f"/api/search?q={query}").get_json()
    assert any(expected in r["name"] for r in results)


def test_search_never_returns_household_records(client):
    results = client.get("/api/search?q=nha").get_json()
    assert all(r["layer"] != "housing" for r in results)


def test_bbox_keeps_only_features_in_view(client):
    everything = client.get("/api/layers/housing/features")
    assert everything.status_code == 403
    whole = client.get("/api/layers/signal/features").get_json()["numberMatched"]
    west = client.get("/api/layers/signal/features?bbox=106.0,21.3,106.5,22.5").get_json()
    assert 0 < west["numberMatched"] < whole
    for feature in west["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.0 <= lon <= 106.5 and 21.3 <= lat <= 22.5


def test_dense_views_come_as_cluster_bubbles(app):
    app.config["PORTAL_SETTINGS"].cluster_threshold = 10
    body = app.test_client().get("/api/layers/signal/features?cluster=auto&zoom=8").get_json()
    assert body["clustered"] is True
    assert all(f["properties"]["cluster"] for f in body["features"])
    total = app.test_client().get("/api/layers/signal/features").get_json()["numberMatched"]
    assert sum(f["properties"]["count"] for f in body["features"]) == total
