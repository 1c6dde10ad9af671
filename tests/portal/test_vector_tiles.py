"""Vector tiles of the public layers and the boundaries, read back by GDAL's MVT driver.

What a tile should hold is worked out here on its own: the tile's square from its z/x/y with
pyproj (EPSG:3857 -> lon/lat), grown by the 64-unit buffer of a 4096-unit tile, and the records
from the features API of the same date, kept when their geometry meets that square (shapely).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
from pathlib import Path

import pytest

from pyproj import Transformer
from shapely.geometry import box, shape

from layers import CATALOGUE, get_layer
from tests.conftest import change_status

AS_OF = "2025-11-30"
MVT = "application/vnd.mapbox-vector-tile"
#: Lạng Sơn city centre, lon/lat.
CITY = (106.76, 21.85)
TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
HALF = 20037508.342789244
#: Keys every record of a tile carries beside its layer's public fields.
IDENTITY_KEYS = {"id", "record_id", "name", "status", "progress", "updated", "commune_code",
                 "commune_name", "district_code", "district_name", "illustrative", "incomplete",
                 "position_approximate", "mvt_id"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Return the XYZ tile holding a lon/lat point at zoom ``z``."""
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def tile_square(z: int, x: int, y: int, buffer: float = 64):
    """Return the tile's square grown by ``buffer`` of 4096 units, as a lon/lat shapely box."""
    size = 2 * HALF / 2**z
    margin = size * buffer / 4096
    minx, maxy = -HALF + x * size - margin, HALF - y * size + margin
    west, south = TO_LONLAT.transform(minx, maxy - size - 2 * margin)
    east, north = TO_LONLAT.transform(minx + size + 2 * margin, maxy)
    return box(west, south, east, north)


def read_tile(data: bytes, z: int, x: int, y: int, folder: Path) -> dict:
    """Return a tile as GeoJSON (lon/lat) the way GDAL's MVT driver reads it.

    ``CLIP=NO``: GDAL would otherwise cut away what the tile holds in its buffer.
    """
    path = folder / f"tile-{z}-{x}-{y}.mvt"
    path.write_bytes(data)
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "-t_srs", "EPSG:4326",
         "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={z}", "-oo", "CLIP=NO"],
        capture_output=True, check=True, text=True,
    ).stdout
    return json.loads(out)


def summary(path: str, *options: str) -> str:
    """Return ``ogrinfo -al -so`` of a tile."""
    return subprocess.run(["ogrinfo", "-al", "-so", path, *options], capture_output=True,
                          check=True, text=True).stdout


def api_features(client, layer: str, as_of: str = AS_OF) -> list[dict]:
    """Return every record of a layer on ``as_of`` from the features API, page by page."""
    found: list[dict] = []
    while True:
        page = client.get(f"/api/layers/{layer}/features?as_of={as_of}&offset={len(found)}")
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        found += body["features"]
        if len(found) >= body["numberMatched"]:
            return found


def expected_ids(features: list[dict], square) -> set[int]:
    return {f["id"] for f in features if shape(f["geometry"]).intersects(square)}


def tile_ids(geojson: dict) -> set[int]:
    return {f["properties"]["mvt_id"] for f in geojson["features"]}


@pytest.mark.parametrize(("layer", "z"), [("signal", 10), ("signal", 8), ("transport", 10),
                                          ("industry", 9)])
def test_gdal_reads_a_layer_tile_holding_exactly_the_records_meeting_it(client, tmp_path,
                                                                         layer, z):
    x, y = tile_of(*CITY, z)
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt?as_of={AS_OF}")
    assert response.status_code == 200
    assert response.mimetype == MVT
    assert response.headers["Cache-Control"] == "no-cache"
    tile = read_tile(response.data, z, x, y, tmp_path)
    assert tile["name"] == layer
    features = api_features(client, layer)
    wanted = expected_ids(features, tile_square(z, x, y))
    assert len(wanted) >= 3
    assert tile_ids(tile) == wanted
    by_id = {f["id"]: f["properties"] for f in features}
    for feature in tile["features"]:
        props = {k: v for k, v in feature["properties"].items() if v is not None}
        assert props.pop("mvt_id") == props["id"]
        assert props == by_id[props["id"]]  # GDAL reads the JSON text of a list as a list
    again = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt?as_of={AS_OF}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_tile_holds_the_records_of_its_date(client, tmp_path):
    z = 10
    x, y = tile_of(*CITY, z)
    early = read_tile(client.get(f"/tiles/signal/{z}/{x}/{y}.mvt?as_of=2024-01-01").data,
                      z, x, y, tmp_path)
    late = read_tile(client.get(f"/tiles/signal/{z}/{x}/{y}.mvt?as_of={AS_OF}").data,
                     z, x, y, tmp_path)
    square = tile_square(z, x, y)
    assert tile_ids(early) == expected_ids(api_features(client, "signal", "2024-01-01"), square)
    assert tile_ids(early) != tile_ids(late)


def test_the_commune_tile_at_a_low_zoom_holds_every_commune_meeting_it(client, tmp_path):
    z = 8
    x, y = tile_of(*CITY, z)
    response = client.get(f"/tiles/boundaries/commune/{z}/{x}/{y}.mvt")
    assert response.status_code == 200 and response.mimetype == MVT
    tile = read_tile(response.data, z, x, y, tmp_path)
    assert tile["name"] == "commune"
    areas = client.get("/api/areas?level=commune").get_json()["features"]
    meeting = {a["properties"]["code"] for a in areas
               if shape(a["geometry"]).intersects(tile_square(z, x, y, buffer=0))}
    found = {f["properties"]["code"] for f in tile["features"]}
    assert len(meeting) > 20
    assert meeting <= found
    assert found <= {a["properties"]["code"] for a in areas
                     if shape(a["geometry"]).intersects(tile_square(z, x, y))}
    names = {a["properties"]["code"]: a["properties"]["name"] for a in areas}
    for feature in tile["features"]:
        props = feature["properties"]
        assert props["level"] == "commune" and props["name"] == names[props["code"]]
        assert set(props) == {"mvt_id", "code", "name", "level"}
    districts = client.get(f"/tiles/boundaries/district/{z}/{x}/{y}.mvt")
    assert read_tile(districts.data, z, x, y, tmp_path)["name"] == "district"


def test_tiles_hold_public_fields_only_and_refuse_the_personal_layer(client, login, tmp_path):
    z = 7
    x, y = tile_of(*CITY, z)
    restricted = {f.name for layer in CATALOGUE for f in layer.fields if not f.public}
    assert restricted >= {"beneficiary", "phone"}
    for layer in CATALOGUE:
        if not layer.records_public:
            continue
        tile = read_tile(client.get(f"/tiles/{layer.id}/{z}/{x}/{y}.mvt").data, z, x, y,
                         tmp_path)
        allowed = IDENTITY_KEYS | {f.name for f in layer.public_fields}
        for feature in tile["features"]:
            assert set(feature["properties"]) <= allowed
            assert not set(feature["properties"]) & (restricted - allowed)
    for who in ("public", "housing_editor"):
        if who != "public":
            login(who, ("06400",))
        refused = client.get(f"/tiles/housing/{z}/{x}/{y}.mvt")
        assert refused.status_code == 403
        body = refused.get_json()
        assert body["ok"] is False and body["status"] == 403 and body["error"]
        assert get_layer("housing").name("vi") in body["error"]


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/tiles/signal/23/0/0.mvt", 404, "z"),
    ("/tiles/signal/3/8/0.mvt", 404, "x"),
    ("/tiles/signal/3/0/8.mvt", 404, "y"),
    ("/tiles/signal/3/0/-1.mvt", 404, "y"),
    ("/tiles/signal/a/0/0.mvt", 404, "z"),
    ("/tiles/signal/3/1.5/0.mvt", 404, "x"),
    ("/tiles/signal/99999999999999999999/0/0.mvt", 404, "z"),
    ("/tiles/nosuchlayer/3/0/0.mvt", 404, None),
    ("/tiles/boundaries/village/3/0/0.mvt", 404, "level"),
    ("/tiles/boundaries/commune/3/9/0.mvt", 404, "x"),
    ("/tiles/signal/3/0/0.png", 404, None),
    ("/tiles/signal/3/0/0.mvt?as_of=2025-02-30", 400, "as_of"),
    ("/tiles/signal/3/0/0.mvt?as_of=1800-01-01", 400, "as_of"),
    ("/tiles/boundaries/commune/3/0/0.mvt?as_of=soon", 400, "as_of"),
])  # fmt: skip
def test_bad_tile_addresses_answer_the_error_shape_never_a_500(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert [e["field"] for e in body["errors"]] == ([field] if field else [])


def test_an_edit_changes_the_tile_through_the_data_version(client, login, tmp_path):
    today = dt.date.today().isoformat()
    z = 14
    token = login("telecom_editor", ())
    features = api_features(client, "signal", today)
    record = next(f for f in features if f["properties"]["status"] == "listed")
    lon, lat = record["geometry"]["coordinates"]
    x, y = tile_of(lon, lat, z)
    url = f"/tiles/signal/{z}/{x}/{y}.mvt?as_of={today}"
    before = client.get(url)
    props = {f["properties"]["mvt_id"]: f["properties"]
             for f in read_tile(before.data, z, x, y, tmp_path)["features"]}
    assert props[record["id"]]["status"] == "listed"
    changed = change_status(client, token, "signal", record["id"], "site_agreed")
    assert changed.status_code == 200, changed.get_json()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    props = {f["properties"]["mvt_id"]: f["properties"]
             for f in read_tile(after.data, z, x, y, tmp_path)["features"]}
    assert props[record["id"]]["status"] == "site_agreed"


@pytest.fixture
def empty_client(empty_db_url, tmp_path):
    """A client of the portal on a store that only ``langson-portal init`` has prepared."""
    from portal import create_app
    from portal.cli import main

    application = create_app({"database_url": empty_db_url, "instance_path": tmp_path,
                              "auto_seed": False})
    application.config["TESTING"] = True
    assert application.test_cli_runner().invoke(main, ["init"]).exit_code == 0
    yield application.test_client()
    application.extensions["portal_db"].engine.dispose()


@pytest.mark.parametrize("path", ["signal/10/815/448", "transport/0/0/0",
                                  "boundaries/commune/10/815/448", "boundaries/district/2/3/1"])
def test_an_empty_store_answers_empty_tiles(empty_client, tmp_path, path):
    response = empty_client.get(f"/tiles/{path}.mvt")
    assert response.status_code == 200 and response.mimetype == MVT
    z, x, y = (int(v) for v in path.split("/")[-3:])
    tile = read_tile(response.data, z, x, y, tmp_path)
    assert tile["name"] == path.split("/")[-4] and tile["features"] == []


def test_gdal_reads_tiles_from_a_live_portal(db_url, tmp_path, portal_process, client):
    z = 10
    x, y = tile_of(*CITY, z)
    wanted = expected_ids(api_features(client, "signal"), tile_square(z, x, y))
    with portal_process(db_url, tmp_path / "live") as portal:
        found = summary(f"/vsicurl/{portal.base}/tiles/signal/{z}/{x}/{y}.mvt", "-oo", "CLIP=NO")
        empty = summary(f"/vsicurl/{portal.base}/tiles/signal/3/0/0.mvt")
    assert "Layer name: signal" in found and f"Feature Count: {len(wanted)}\n" in found
    assert "Geometry: Point" in found and "status: String" in found
    assert "Feature Count: 0\n" in empty
