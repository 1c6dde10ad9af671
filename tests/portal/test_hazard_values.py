"""Raster values at records as the map and the planning page use them: which records a flood
grid flags (inside, on the last wet column, just beyond, at the threshold, nodata holes, off
the grid), the features API's ``hazard`` and elevation filter (personal records still only for
their readers), and the planning page's table of projects in hazard zones.

One store per module (``tests/portal/hazard_store.py``): the tests only read it.
"""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from sqlalchemy import select

from geodata.raster_sample import circle_area_ratio
from portal import create_app
from portal.services.accounts import create_user
from portal.store.models import AuditEvent
from portal.store.users import User
from portal.web.database import get_database
from tests.conftest import LOGIN_PASSWORD, _sign_in_form_token
from tests.portal.hazard_store import (
    FLOODED,
    HOUSEHOLDS,
    PEOPLE_PER_CELL,
    add_rasters,
    add_records,
    commune_of,
)


@pytest.fixture(scope="module")
def hazard_app(stores, template_url, tmp_path_factory):
    """The portal on a store with the flood and elevation grids and the test projects."""
    folder = tmp_path_factory.mktemp("hazards")
    url = stores.new(folder, template_url)
    application = create_app({"database_url": url, "instance_path": folder,
                              "default_as_of": "2025-11-30", "auto_seed": False})
    application.config["TESTING"] = True
    with get_database(application).transaction() as session:
        add_rasters(session, folder)
        ids = add_records(session)
        home = commune_of(session, ids[HOUSEHOLDS[0][0]])
    yield application, ids, home
    application.extensions["portal_db"].engine.dispose()
    stores.drop(url)


@pytest.fixture
def client(hazard_app):
    """A test client of the module's portal."""
    return hazard_app[0].test_client()


def sign_in(app, client, role: str, areas: tuple[str, ...] = ()) -> None:
    """Sign ``client`` in as a new account of ``role`` (``areas``: its scope)."""
    name = f"hz-{role}-{'-'.join(areas) or 'tinh'}"
    with get_database(app).transaction() as session:
        if session.scalar(select(User.id).where(User.username == name)) is None:
            create_user(session, name, LOGIN_PASSWORD, role, areas=areas)
    answer = client.post("/login", data={"username": name, "password": LOGIN_PASSWORD,
                                         "csrf_token": _sign_in_form_token(client)})
    assert answer.status_code == 302


def feature_ids(answer) -> set[int]:
    """The record ids of a features answer."""
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert not body.get("clustered")
    return {f["id"] for f in body["features"]}


def test_the_flood_grid_flags_exactly_the_records_at_or_over_half_a_metre(hazard_app, client):
    _, ids, _ = hazard_app
    answer = client.get("/api/coverage/record-values?layer=industry&kind=flood_depth")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["threshold"] == 0.5 and body["raster"]["provenance"] == "illustrative"
    values = {v["id"]: v for v in body["values"]}
    # Only the test projects stand on the grid; the demo's industry records are all off it.
    assert {i for i, v in values.items() if v["over"]} == {ids[n] for n in FLOODED}
    for name, depth in FLOODED.items():
        assert values[ids[name]]["value"] == pytest.approx(depth)
    assert values[ids["CCN Bờ Ngoài"]] == {"id": ids["CCN Bờ Ngoài"], "value": 0.0,
                                           "over": False}
    assert values[ids["CCN Ao Nông"]]["value"] == pytest.approx(0.3)
    assert values[ids["CCN Ao Nông"]]["over"] is False
    for name in ("CCN Lỗ Khảo Sát", "CCN Ngoài Vùng Đo", "CCN Xa Lưới"):  # nodata, off the grid
        assert values[ids[name]] == {"id": ids[name], "value": None, "over": None}
    elevation = client.get("/api/coverage/record-values?layer=industry&kind=elevation")
    heights = {v["id"]: v["value"] for v in elevation.get_json()["values"]}
    assert heights[ids["KCN Vùng Trũng"]] == 400.0 and heights[ids["CCN Bờ Ngoài"]] == 420.0
    people = client.get("/api/coverage/record-values?layer=industry&kind=population").get_json()
    near = {v["id"]: v["value"] for v in people["values"]}
    expected = PEOPLE_PER_CELL / 100.0**2 * math.pi * 1000.0**2 * circle_area_ratio()
    assert near[ids["KCN Vùng Trũng"]] == pytest.approx(expected, abs=0.01)  # 7,853.2
    assert near[ids["CCN Xa Lưới"]] == 0.0  # off the grid


def test_the_features_api_keeps_the_records_in_a_hazard_zone_or_between_two_heights(
        hazard_app, client):
    _, ids, _ = hazard_app
    base = "/api/layers/industry/features?cluster=auto&zoom=9"
    assert feature_ids(client.get(base + "&hazard=flood_depth")) == {ids[n] for n in FLOODED}
    between = {ids[n] for n in ("KCN Vùng Trũng", "CCN Bờ Trong", "CCN Bờ Ngoài")}
    assert feature_ids(client.get(base + "&elev_min=400&elev_max=420")) == between
    both = client.get(base + "&hazard=flood_depth&elev_min=400&elev_max=420")
    assert feature_ids(both) == {ids["KCN Vùng Trũng"], ids["CCN Bờ Trong"]}
    assert both.get_json()["numberMatched"] == 2
    # A filter on top of a status: the flooded records under construction.
    status = client.get(base + "&hazard=flood_depth&status=paused")
    assert feature_ids(status) == set()
    unfiltered = client.get(base).get_json()
    assert unfiltered["numberMatched"] > 9  # the demo's records too


@pytest.mark.parametrize(("query", "status", "field", "vi", "en"), [
    ("hazard=earthquake", 422, "hazard", "hazard phải là một hoặc nhiều giá trị",
     "hazard must name one or more of flood_depth, landslide_hazard (got 'earthquake')"),
    ("elev_min=cao", 422, "elev_min", "elev_min phải là độ cao tính bằng mét",
     "elev_min must be an elevation in metres from -500 to 9000 (got 'cao')"),
    ("elev_min=500&elev_max=300", 422, "elev_min", "elev_min (500 m) lớn hơn elev_max (300 m)",
     "elev_min (500 m) is above elev_max (300 m)."),
    ("hazard=landslide_hazard", 409, None, "Chưa có raster loại 'landslide_hazard'",
     "No raster of the kind 'landslide_hazard' is kept"),
])
def test_a_bad_filter_is_refused_in_both_languages(hazard_app, client, query, status, field,
                                                   vi, en):
    answer = client.get(f"/api/layers/industry/features?{query}")
    assert answer.status_code == status, answer.get_json()
    assert vi in answer.get_json()["error"]
    if field:
        assert answer.get_json()["errors"][0]["field"] == field
    english = client.get(f"/api/layers/industry/features?{query}&lang=en")
    assert en in english.get_json()["error"]


def test_household_records_stay_with_their_readers_through_the_filter(hazard_app, client):
    app, ids, home = hazard_app
    url = "/api/layers/housing/features?hazard=flood_depth"
    assert client.get(url).status_code == 403
    assert client.get("/api/coverage/record-values?layer=housing&kind=flood_depth"
                      ).status_code == 403
    sign_in(app, client, "housing_editor", (home,))
    with get_database(app).sessions() as session:
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    answer = client.get(url)
    assert feature_ids(answer) == {ids[HOUSEHOLDS[0][0]]}  # not the other commune's household
    assert answer.get_json()["numberMatched"] == 1
    assert answer.headers["Cache-Control"] == "private, no-store"
    with get_database(app).sessions() as session:
        logged = session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [(e.action, e.detail["feature_ids"]) for e in logged] == [
        ("read_personal", [ids[HOUSEHOLDS[0][0]]])]


def test_the_planning_table_lists_the_flooded_projects_with_commune_status_and_depth(
        hazard_app, client):
    _, ids, _ = hazard_app
    answer = client.get("/api/coverage/hazard-records")
    assert answer.status_code == 200
    body = answer.get_json()
    assert [h["kind"] for h in body["hazards"]] == ["flood_depth"]
    rows = {r["name"]: r for r in body["rows"]}
    assert set(rows) == set(FLOODED)
    first = rows["KCN Vùng Trũng"]
    assert (first["layer"], first["hazard"], first["value"], first["unit"]) == (
        "industry", "flood_depth", 1.2, "m")
    assert first["status_label"] == "Đang thi công" and first["commune"]
    english = client.get("/api/coverage/hazard-records?lang=en").get_json()
    assert {r["status_label"] for r in english["rows"]
            if r["name"] == "KCN Vùng Trũng"} == {"Under construction"}
    download = client.get("/api/coverage/hazard-records?format=csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert re.search(r'filename="hazard-projects-2025-11-30\.csv"',
                     download.headers["Content-Disposition"])
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["Lớp (Layer)", "Mã (Id)", "Tên (Name)"]
    assert sorted(r[2] for r in table[1:]) == sorted(FLOODED)
    assert ids  # the ids come with the store; names are what the table shows


def test_the_export_of_the_shown_records_follows_the_raster_filter(hazard_app, client):
    answer = client.get("/api/layers/industry/export?format=csv&hazard=flood_depth"
                        "&elev_max=410")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    # Flooded and at most 410 m high: the deep project (400 m), the polygon (about 370 m).
    assert "KCN Vùng Trũng" in text and "KCN Ven Suối" in text
    for name in ("CCN Bờ Trong", "Nhà máy Mức Ngưỡng", "CCN Bờ Ngoài"):
        assert name not in text
    assert len(text.strip().splitlines()) == 3
