"""The coverage estimate and the raster values at records, through the service and the API."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import func, select, update

import rasterio
from pyproj import Geod

from portal.services import coverage
from portal.store.loader import data_version
from portal.store.models import AuditEvent, Feature, FeatureState
from portal.store.rasters import Raster, raster_folder
from portal.web.database import get_database
from tests.portal.coverage_store import (
    STATION,
    VILLAGES,
    add_elevation,
    offset_lonlat,
    place_villages,
)

RUN = {"lon": STATION[0], "lat": STATION[1], "mast_height": 30, "radius": 5000}


@pytest.fixture
def store(app, tmp_path):
    """The app with the coverage villages and a private UTM elevation raster."""
    with get_database(app).transaction() as session:
        ids = place_villages(session)
        add_elevation(session, tmp_path)
    return ids


def cell_value(path, lon: float, lat: float) -> float:
    """The DEM's cell under a point, read with rasterio alone."""
    from pyproj import Transformer

    with rasterio.open(path) as dataset:
        x, y = Transformer.from_crs(4326, dataset.crs.to_wkt(), always_xy=True).transform(lon,
                                                                                          lat)
        row, col = dataset.index(x, y)
        return float(dataset.read(1)[row, col])


def estimate(app, tmp_path, **inputs):
    with get_database(app).sessions() as session:
        return coverage.estimate(session, tmp_path, coverage.read_inputs({**RUN, **inputs}),
                                 app.config["PORTAL_SETTINGS"].default_as_of)


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:9215"])
def test_the_villages_in_reach_with_exact_distances_and_elevation_differences(app, tmp_path,
                                                                              crs):
    with get_database(app).transaction() as session:
        place_villages(session)
        add_elevation(session, tmp_path, crs)
    answer = estimate(app, tmp_path)
    path = raster_folder(tmp_path) / "dem.tif"
    ground = cell_value(path, *STATION)
    assert answer["station"]["ground"] == round(ground, 1)
    geod = Geod(ellps="WGS84")
    expected = []
    for name, east, north, status in VILLAGES:
        lon, lat = offset_lonlat(east, north)
        distance = geod.inv(*STATION, lon, lat)[2]
        if status in ("on_air", "verified") or distance > 5000:
            continue
        expected.append((name, round(distance, 1), round(cell_value(path, lon, lat) - ground, 1)))
    expected.sort(key=lambda v: v[1])
    got = [(v["name"], v["distance"], v["elevation_difference"]) for v in answer["villages"]]
    assert got == expected
    # The hill's round top hides its own summit from the foot: the sight line to the top
    # (eye 330 m, summit 701.5 m, 1.5 km) passes 694 m high 30 m short of it, where the ground
    # is 698 m.
    seen = {v["name"]: v["visible"] for v in answer["villages"]}
    assert seen == {"Bản Khuổi Phầy": True, "Bản Nà Sla": False, "Thôn Pò Mần": True,
                    "Bản Đỉnh Đồi": False}
    assert answer["area"]["type"] in ("Polygon", "MultiPolygon")
    assert 0 < answer["visible_km2"] < math.pi * 25


def test_a_vn2000_dem_gives_the_same_village_list_as_its_utm_twin(app, tmp_path):
    with get_database(app).transaction() as session:
        place_villages(session)
        utm = add_elevation(session, tmp_path, "EPSG:32648", name="utm.tif")
    first = estimate(app, tmp_path)
    with get_database(app).transaction() as session:
        vn = add_elevation(session, tmp_path, "EPSG:9215", name="vn2000.tif")
    second = estimate(app, tmp_path)
    assert (first["raster"]["id"], second["raster"]["id"]) == (utm, vn)
    assert [(v["name"], v["distance"], v["visible"]) for v in first["villages"]] == \
        [(v["name"], v["distance"], v["visible"]) for v in second["villages"]]
    assert np.allclose([v["elevation_difference"] for v in first["villages"]],
                       [v["elevation_difference"] for v in second["villages"]], atol=3.0)
    assert second["visible_km2"] == pytest.approx(first["visible_km2"], rel=0.02)


def test_a_station_at_a_record_stands_at_the_records_point(app, tmp_path, store):
    answer = estimate(app, tmp_path, record_id=store["Bản Đỉnh Đồi"], lon=None, lat=None)
    hilltop = offset_lonlat(0.0, 1500.0)
    assert (answer["station"]["lon"], answer["station"]["lat"]) == pytest.approx(hilltop)
    assert answer["station"]["record_id"] == store["Bản Đỉnh Đồi"]
    # From the hilltop with a 30 m mast all four villages in reach are seen.
    assert [v["visible"] for v in answer["villages"]] == [True] * len(answer["villages"])


def post(client, token, body):
    return client.post("/api/coverage?as_of=2025-11-30", json=body,
                       headers={"X-CSRFToken": token} if token else {})


def snapshot(app) -> tuple:
    with get_database(app).sessions() as session:
        return (session.scalar(select(func.count()).select_from(Feature)),
                session.scalar(select(func.count()).select_from(FeatureState)),
                session.scalar(select(func.count()).select_from(AuditEvent)),
                session.scalar(select(func.max(Feature.version))), data_version(session))


def test_a_telecom_editor_runs_an_estimate_and_nothing_changes(app, client, login, store):
    token = login("telecom_editor")
    before = snapshot(app)
    answer = post(client, token, RUN)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [v["name"] for v in body["villages"]] == [
        "Bản Khuổi Phầy", "Bản Đỉnh Đồi", "Bản Nà Sla", "Thôn Pò Mần"]
    assert body["area"]["type"] in ("Polygon", "MultiPolygon")
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_planners_and_admins_may_run_it(client, login, store, role):
    assert post(client, login(role), RUN).status_code == 200


def test_a_housing_editor_is_refused_and_a_visitor_asked_to_sign_in(client, login, store,
                                                                    anonymous_csrf_token):
    assert post(client, anonymous_csrf_token, RUN).status_code == 401
    token = login("housing_editor")
    refused = post(client, token, RUN)
    assert refused.status_code == 403 and refused.get_json()["ok"] is False


def test_a_post_without_the_csrf_token_is_refused(client, login, store):
    login("telecom_editor")
    refused = post(client, None, RUN)
    assert refused.status_code == 400
    assert refused.get_json()["status"] == 400


@pytest.mark.parametrize(("body", "field", "vi", "en"), [
    ({**RUN, "mast_height": 400}, "mast_height", "Chiều cao cột anten phải là số từ 1 đến 150",
     "The mast height must be a number from 1 to 150 m"),
    ({**RUN, "mast_height": "cao"}, "mast_height", "Chiều cao cột anten phải là số",
     "(got 'cao')"),
    ({**RUN, "radius": 50_000}, "radius", "Bán kính phải là số từ 100 đến 15000",
     "The radius must be a number from 100 to 15000 m"),
    ({**RUN, "lon": 105.0, "lat": 21.0}, "point", "nằm ngoài địa giới tỉnh",
     "is outside the province"),
    ({**RUN, "lon": 106.9, "lat": 21.85}, "point", "nằm ngoài phạm vi raster độ cao",
     "is outside the elevation raster"),
    ({"mast_height": 30, "radius": 5000}, "lon", "Kinh độ phải là số", "The longitude must be"),
    ({**RUN, "record_id": "abc"}, "record_id", "record_id phải là số của một bản ghi",
     "record_id must be a record's number"),
    ([1, 2], "body", "phải là một đối tượng JSON", "must be a JSON object"),
])
def test_bad_inputs_are_refused_in_both_languages_naming_the_field(client, login, store, body,
                                                                   field, vi, en):
    token = login("telecom_editor")
    answer = post(client, token, body)
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()
    assert error["errors"][0]["field"] == field and vi in error["error"]
    english = client.post("/api/coverage?lang=en", json=body, headers={"X-CSRFToken": token})
    assert english.status_code == 422 and en in english.get_json()["error"]


def test_an_unknown_record_is_404_and_no_elevation_raster_is_409(app, client, login, tmp_path):
    token = login("telecom_editor")
    missing = post(client, token, RUN)
    assert missing.status_code == 409
    assert "Chưa có raster độ cao" in missing.get_json()["error"]
    with get_database(app).transaction() as session:
        add_elevation(session, tmp_path)
    assert post(client, token, {**RUN, "record_id": 2**31 - 1}).status_code == 404


# --- values at records -----------------------------------------------------------------------


def test_the_elevation_at_each_village_is_its_cells_value(app, client, tmp_path, store):
    with get_database(app).transaction() as session:
        session.execute(update(Raster).values(public=True))
    answer = client.get("/api/coverage/record-values?layer=signal&kind=elevation")
    assert answer.status_code == 200, answer.get_json()
    values = {v["id"]: v["value"] for v in answer.get_json()["values"]}
    path = raster_folder(tmp_path) / "dem.tif"
    for name, east, north, _ in VILLAGES[:5]:
        expected = cell_value(path, *offset_lonlat(east, north))
        assert values[store[name]] == pytest.approx(round(expected, 3))
    assert values[store["Bản Xa Xôi"]] is None  # off the 14 km grid


def test_people_and_hazards_at_records(app, client, login, tmp_path, store):
    with get_database(app).transaction() as session:
        add_elevation(session, tmp_path, kind="population", name="people.tif", public=True)
        add_elevation(session, tmp_path, kind="flood_depth", name="flood.tif", public=True)
    people = client.get("/api/coverage/record-values?layer=signal&kind=population&radius=500")
    assert people.status_code == 200
    first = people.get_json()["values"][0]
    # The DEM stands for people per 30 m cell here: about 300 per cell, pi 500^2 / 900 cells.
    assert first["value"] == pytest.approx(300 * math.pi * 500**2 / 900, rel=0.01)
    flood = client.get("/api/coverage/record-values?layer=signal&kind=flood_depth"
                       "&threshold=500").get_json()
    flags = {v["id"]: v["over"] for v in flood["values"]}
    assert flags[store["Bản Đỉnh Đồi"]] is True and flags[store["Bản Khuổi Phầy"]] is False
    assert flags[store["Bản Xa Xôi"]] is None and flood["threshold"] == 500


def test_private_rasters_and_personal_layers_stay_private(app, client, login, store):
    # The store's elevation raster is private: a visitor meets no raster at all.
    hidden = client.get("/api/coverage/record-values?layer=signal&kind=elevation")
    assert hidden.status_code == 409
    assert client.get("/api/coverage/record-values?layer=housing&kind=elevation"
                      ).status_code == 403
    assert client.get("/api/coverage/record-values?layer=signal&kind=slope").status_code == 422
    login("viewer")
    assert client.get("/api/coverage/record-values?layer=signal&kind=elevation"
                      ).status_code == 200
    with get_database(app).sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    housing = client.get("/api/coverage/record-values?layer=housing&kind=elevation")
    assert housing.status_code == 200
    assert housing.headers["Cache-Control"] == "private, no-store"
    with get_database(app).sessions() as session:
        after = session.scalar(select(func.count()).select_from(AuditEvent))
    assert after == before + (1 if housing.get_json()["values"] else 0)


def test_the_telecom_page_offers_the_estimate_to_its_staff_only(client, login):
    visitor = client.get("/telecom").get_data(as_text=True)
    assert 'id="coverage-panel"' not in visitor
    assert "js/telecom-coverage.js" in visitor  # the file does nothing without its panel
    login("telecom_editor")
    page = client.get("/telecom").get_data(as_text=True)
    assert 'id="coverage-panel"' in page and "Ước tính vùng phủ" in page
    assert "Ước tính tầm nhìn thẳng, không phải mô hình truyền sóng." in page
    english = client.get("/telecom?lang=en").get_data(as_text=True)
    assert "Line-of-sight estimate, not a radio-propagation model." in english
