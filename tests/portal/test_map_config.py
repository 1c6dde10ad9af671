"""What a map page hands its client: its own path, a date only when one is asked for, the
fractional zoom of a shared link, and label points where the names have room."""

from __future__ import annotations

import json
import re

import pytest

import shapely
from shapely.geometry import shape


def _config(html: str) -> dict:
    match = re.search(r"PortalMap\.init\([^,]+, (\{.*\})\);", html)
    assert match, "the map client is not started"
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", ["/", "/planning", "/telecom",
                                  "/area/commune/06325", "/area/district/186"])
def test_every_map_page_keeps_its_own_path(client, path):
    config = _config(client.get(path + "?layer=signal").get_data(as_text=True))
    assert config["pageUrl"] == path


def test_the_date_is_pinned_only_when_the_address_names_one(client):
    follows = _config(client.get("/area/commune/06325").get_data(as_text=True))
    assert (follows["asOf"], follows["asOfChosen"]) == ("2025-11-30", False)
    pinned = _config(client.get("/area/commune/06325?as_of=2025-06-30").get_data(as_text=True))
    assert (pinned["asOf"], pinned["asOfChosen"]) == ("2025-06-30", True)


def test_a_fractional_zoom_reaches_the_map(client):
    html = client.get("/?lat=21.85&lon=106.62&z=10.75").get_data(as_text=True)
    assert '"zoom": 10.75' in html
    # Quarter steps: what the map can show (zoomSnap 0.25).
    assert '"zoom": 10.5' in client.get("/?lat=21.85&lon=106.62&z=10.6").get_data(as_text=True)


def test_the_names_of_gates_and_geopark_sites_are_written_on_the_map(client):
    assert _config(client.get("/").get_data(as_text=True))["labelLayers"] == ["border", "geopark"]
    assert _config(client.get("/telecom").get_data(as_text=True))["labelLayers"] == []


@pytest.mark.parametrize("level", ["commune", "district"])
def test_each_area_s_label_point_is_inside_it_and_far_from_its_edges(client, level):
    areas = client.get(f"/api/areas?level={level}").get_json()["features"]
    assert areas
    for area in areas:
        geometry = shape(area["geometry"])
        props = area["properties"]
        point = shapely.Point(props["label_lon"], props["label_lat"])
        largest = max(shapely.get_parts(geometry), key=shapely.area)
        assert largest.contains(point), props["name"]
        room = largest.exterior.distance(point)
        # At least as much room for the name as the point a plain point_on_surface gives.
        assert room >= largest.exterior.distance(largest.point_on_surface()) - 0.001, props["name"]


def test_the_first_view_box_comes_with_the_page(client):
    from portal.store.models import Area
    from portal.web.database import get_database

    with get_database(client.application).sessions() as session:
        province = session.query(Area).filter_by(level="province").one()
        commune = session.query(Area).filter_by(level="commune", code="06325").one()
    config = _config(client.get("/").get_data(as_text=True))
    south, west = config["bounds"]["all"][0]
    north, east = config["bounds"]["all"][1]
    assert (west, south, east, north) == pytest.approx(
        (province.minx, province.miny, province.maxx, province.maxy), abs=1e-9)
    assert config["bounds"]["area"] is None
    area = _config(client.get("/area/commune/06325").get_data(as_text=True))["bounds"]["area"]
    assert area == [[commune.miny, commune.minx], [commune.maxy, commune.maxx]]
    unknown = _config(client.get("/?area=99999").get_data(as_text=True))["bounds"]
    assert unknown["area"] is None and unknown["all"] == config["bounds"]["all"]


def test_a_kept_map_never_carries_one_reader_s_token_to_another(client, login):
    anonymous = client.get("/").get_data(as_text=True)
    assert _config(anonymous)["edit"] is None
    token = login("planner")
    planner = _config(client.get("/").get_data(as_text=True))
    assert planner["edit"]["csrf"] == token
    client.post("/logout", headers={"X-CSRFToken": token})
    again = _config(client.get("/").get_data(as_text=True))
    assert again["edit"] is None
    assert token not in client.get("/").get_data(as_text=True)


def test_the_illustrative_badge_follows_the_data_on_a_page_already_served(client, app):
    from portal.store import loader
    from portal.store.models import Feature
    from portal.web.database import get_database

    first = _config(client.get("/").get_data(as_text=True))
    assert {lay["id"] for lay in first["layers"] if lay["illustrative"]} >= {"signal"}
    with get_database(app).transaction() as session:
        session.query(Feature).filter_by(layer_id="signal").update({"illustrative": False})
        loader.bump_data_version(session)
    after = _config(client.get("/").get_data(as_text=True))
    assert "signal" not in {lay["id"] for lay in after["layers"] if lay["illustrative"]}
