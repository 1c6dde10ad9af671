"""``/ogc`` read by the clients it is for: GDAL's OAPIF driver, OWSLib and schemathesis.

GDAL (``ogrinfo``, ``ogr2ogr``) and OWSLib talk to a live portal served by the console script;
schemathesis drives the WSGI app from the OpenAPI document ``/ogc/api``. GDAL 3.6's OAPIF
driver has no ``CRS`` open option (it came in 3.7): the other systems are read by GDAL's
GeoJSON driver from an address with ``crs=``.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from owslib.ogcapi.features import Features
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from geodata.crs import from_wgs84
from layers import CATALOGUE

PUBLIC = [layer.id for layer in CATALOGUE if layer.records_public]
BOUNDARIES = ["boundaries-district", "boundaries-commune"]


def run(*command: str) -> str:
    """Run a GDAL command line and return what it printed (it must succeed)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def api_features(client, layer: str) -> list[dict]:
    """Every record of a layer as the portal's own features API gives it (in pages)."""
    features, offset = [], 0
    while True:
        page = client.get(f"/api/layers/{layer}/features?limit=1000&offset={offset}").get_json()
        features += page["features"]
        offset += 1000
        if offset >= page["numberMatched"]:
            return features


@pytest.fixture
def live(db_url, tmp_path, portal_process):
    """The prepared store served by ``langson-portal run``: its ``/ogc`` address."""
    with portal_process(db_url, tmp_path / "live") as portal:
        yield f"{portal.base}/ogc"


def test_gdal_lists_reads_and_copies_the_collections(live, client, tmp_path):
    listing = run("ogrinfo", "-ro", "-so", f"OAPIF:{live}")
    names = [line.split(": ", 1)[1].split(" (")[0] for line in listing.splitlines()
             if line[:1].isdigit()]
    assert sorted(names) == sorted(PUBLIC + BOUNDARIES)
    assert "housing" not in listing
    expected = api_features(client, "signal")
    summary = run("ogrinfo", "-ro", "-so", f"OAPIF:{live}", "signal")
    assert f"Feature Count: {len(expected)}\n" in summary and "Geometry: Point" in summary
    first = expected[0]
    one = run("ogrinfo", "-ro", f"OAPIF:{live}", "signal", "-where", f"id = {first['id']}")
    assert f"name (String) = {first['properties']['name']}" in one
    out = tmp_path / "copy.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live}", "signal", "-nln", "signal")
    with sqlite3.connect(out) as db:
        rows = db.execute("SELECT id, name, status, geom FROM signal ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [f["id"] for f in expected]
    by_id = {f["id"]: f for f in expected}
    for fid, name, status, _geom in rows[:: max(1, len(rows) // 7)]:
        assert (name, status) == (by_id[fid]["properties"]["name"],
                                  by_id[fid]["properties"]["status"])
    copied = json.loads(run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(out), "signal",
                            "-lco", "COORDINATE_PRECISION=6"))
    for feature in copied["features"][:: max(1, len(rows) // 7)]:
        wanted = by_id[feature["properties"]["id"]]["geometry"]["coordinates"]
        assert [round(c, 6) for c in feature["geometry"]["coordinates"]] == wanted


def test_gdal_copies_a_boundary_level_and_reads_other_systems(live, client, tmp_path):
    out = tmp_path / "communes.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live}", "boundaries-commune",
        "-nln", "communes")
    with sqlite3.connect(out) as db:
        codes = [r[0] for r in db.execute("SELECT code FROM communes ORDER BY code")]
    assert codes == sorted(f["id"] for f in client.get("/api/areas?level=commune")
                           .get_json()["features"])
    first = api_features(client, "signal")[:5]
    lons = [f["geometry"]["coordinates"][0] for f in first]
    lats = [f["geometry"]["coordinates"][1] for f in first]
    for code, target in ((3857, "EPSG:3857"), (9215, "vn2000-langson")):
        address = (f"/vsicurl/{live}/collections/signal/items?limit=5&crs=http://www.opengis.net"
                   f"/def/crs/EPSG/0/{code}")
        info = run("ogrinfo", "-ro", "-al", "-oo", "FLATTEN_NESTED_ATTRIBUTES=NO", address)
        points = [tuple(float(v) for v in m) for m in
                  re.findall(r"POINT \(([-0-9.]+) ([-0-9.]+)\)", info)]
        xs, ys = from_wgs84(lons, lats, target)
        assert len(points) == 5
        for (x, y), want_x, want_y in zip(points, xs, ys, strict=True):
            assert abs(x - want_x) < 0.01 and abs(y - want_y) < 0.01


def test_owslib_reads_landing_conformance_collections_and_items(live, client):
    api = Features(live)
    assert any(link["rel"] == "service-desc" for link in api.links)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in (
        api.conformance()["conformsTo"])
    ids = [c["id"] for c in api.collections()["collections"]]
    assert sorted(ids) == sorted(PUBLIC + BOUNDARIES)
    assert api.collection("signal")["id"] == "signal"
    page = api.collection_items("signal", limit=7)
    assert page["numberReturned"] == 7 and len(page["features"]) == 7
    box = [106.7, 21.8, 106.9, 21.9]
    inside = api.collection_items("signal", bbox=box, limit=1000)
    expected = client.get("/api/layers/signal/features?bbox=106.7,21.8,106.9,21.9").get_json()
    assert sorted(f["id"] for f in inside["features"]) == sorted(
        f["id"] for f in expected["features"])
    assert inside["numberMatched"] == expected["numberMatched"] > 0


def test_schemathesis_finds_no_server_error_and_answers_conform(app):
    """Every operation of ``/ogc/api``, a few generated requests each (bounded, no deadline).

    schemathesis' pytest plugin does not run under pytest 9, so each operation's strategy is
    driven by hypothesis here, with valid and with invalid requests (negative mode: each must
    be refused with a 4xx); every default check runs on every answer but
    ``positive_data_acceptance``: the document cannot say that a bbox's lower corner comes
    first or that a date is a real one, so a 400 for those is right though "schema-valid".
    """
    schema = schemathesis.openapi.from_wsgi("/ogc/api", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3 + 3 * (len(PUBLIC) + len(BOUNDARIES))
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # Uncompressed: the WSGI transport does not undo gzip or brotli.
            case.call_and_validate(headers={"Accept-Encoding": "identity"},
                                   excluded_checks=[positive_data_acceptance])

        check()
