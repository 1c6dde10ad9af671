"""Lean answers: compressed JSON, pages and static files, lean features, long-lived assets."""

import gzip
import json
import re
from pathlib import Path

import brotli

from portal.web.cache import get_view_cache

LONG_MAX_AGE = 365 * 24 * 3600  # a year
STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"


def _close_up_url(client) -> str:
    """A zoom-14 features request around one signal record, as the map asks for it."""
    first = client.get("/api/layers/signal/features?limit=1").get_json()["features"][0]
    lon, lat = first["geometry"]["coordinates"]
    bbox = f"{lon - 0.05},{lat - 0.03},{lon + 0.05},{lat + 0.03}"
    return f"/api/layers/signal/features?bbox={bbox}&zoom=14&cluster=auto"


def test_zoom_14_features_come_gzipped_and_decompress_to_the_same_json(client):
    url = _close_up_url(client)
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert all("Accept-Encoding" in r.headers["Vary"] for r in (plain, zipped))
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    body = json.loads(gzip.decompress(zipped.data))
    assert body == plain.get_json()
    assert body["numberReturned"] >= 1 and "clustered" not in body


def test_brotli_is_preferred_when_the_browser_accepts_it(client):
    url = _close_up_url(client)
    answer = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert answer.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(answer.data)) == client.get(url).get_json()


def test_each_encoding_has_its_own_etag_and_a_304(client):
    url = _close_up_url(client)
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.headers["ETag"] != zipped.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Accept-Encoding" in again.headers["Vary"]
    # The identity body's tag does not validate the gzip body: a full answer, compressed.
    other = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": plain.headers["ETag"]})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"


def test_the_cache_keeps_the_compressed_body(app, client):
    url = _close_up_url(client)
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    second = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.data == second.data
    from portal.web.compression import EncodedBody

    with app.app_context():  # a close-up view is kept in the cache of views
        bodies = [v for v in get_view_cache()._items.values() if isinstance(v, EncodedBody)]
    assert any(b.get("gzip") == first.data for b in bodies)


def test_features_are_lean_and_the_layer_carries_status_labels_and_colours(client):
    layers = {layer["id"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    statuses = {s["id"]: s for s in layers["signal"]["statuses"]}
    assert all(s["label"] and s["color"].startswith("#") for s in statuses.values())
    features = client.get("/api/layers/signal/features").get_json()["features"]
    assert features
    for feature in features:
        props = feature["properties"]
        assert "status_label" not in props and "status_color" not in props
        assert props["status"] in statuses
        assert all(value is not None for value in props.values())
        for number in feature["geometry"]["coordinates"]:
            assert round(number, 6) == number


def test_cached_json_is_compact_utf8(client):
    raw = client.get("/api/layers/signal/features?limit=5").data
    assert b'", "' not in raw and b"\\u" not in raw


def test_pages_are_compressed_with_hashed_asset_urls(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    own = [src for src in scripts if src.startswith("/static/js/")]
    assert own and all(re.search(r"\?v=[0-9a-f]{12}$", src) for src in own)
    styles = re.findall(r'<link rel="stylesheet" href="(/static/css/[^"]+)"', html)
    assert styles and all("?v=" in href for href in styles)


def test_a_signed_in_page_is_compressed_and_its_scripts_carry_its_nonce(client, login):
    login("planner")
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r'<script nonce="([^"]+)" src="([^"]+)"', html)
    assert scripts and all(n == nonce for n, _src in scripts)


def test_hashed_and_vendor_static_files_live_a_year_compressed(client):
    page = client.get("/").get_data(as_text=True)
    core = re.search(r'src="(/static/js/portal-core\.js\?v=[0-9a-f]+)"', page).group(1)
    hashed = client.get(core, headers={"Accept-Encoding": "gzip"})
    assert hashed.status_code == 200 and hashed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(hashed.data) == (STATIC / "js" / "portal-core.js").read_bytes()
    assert hashed.cache_control.max_age == LONG_MAX_AGE and hashed.cache_control.immutable
    assert "Accept-Encoding" in hashed.headers["Vary"]
    vendor = client.get("/static/vendor/bootstrap/bootstrap.min.css",
                        headers={"Accept-Encoding": "br"})
    assert vendor.headers["Content-Encoding"] == "br"
    assert vendor.cache_control.max_age == LONG_MAX_AGE
    expected = (STATIC / "vendor" / "bootstrap" / "bootstrap.min.css").read_bytes()
    assert brotli.decompress(vendor.data) == expected
    again = client.get("/static/vendor/bootstrap/bootstrap.min.css",
                       headers={"Accept-Encoding": "br", "If-None-Match": vendor.headers["ETag"]})
    assert again.status_code == 304


def test_unhashed_own_files_are_revalidated(client):
    with client.get("/static/js/portal-core.js") as answer:
        assert answer.status_code == 200
        assert answer.cache_control.max_age != LONG_MAX_AGE
        assert not answer.cache_control.immutable


def test_only_pages_with_charts_load_chart_js_and_before_the_chart_plugin(client):
    for path in ("/", "/planning", "/area/commune/06400", "/about"):
        assert "chart.umd.min.js" not in client.get(path).get_data(as_text=True), path
    page = client.get("/telecom").get_data(as_text=True)
    assert page.index("chart.umd.min.js") < page.index("js/a11y.js") < page.index("js/charts.js")
