"""``/ogc``: OGC API - Features answers checked against the portal's own features API.

Paging (``limit``/``offset``, ``next``/``prev``, ``numberMatched``), ``bbox`` and ``bbox-crs``,
``datetime`` as the portal's "as of" date, property filters, the four coordinate systems
(worked out here with pyproj on their own), formats and Accept negotiation, and bad parameters:
a 400 in the portal's error shape naming the parameter, never a 5xx.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pyproj import Transformer

from geodata.crs import vn2000_tm3
from tests.conftest import change_status

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ERROR_KEYS = {"ok", "status", "error", "errors"}


def api(client, layer: str, query: str = "") -> dict:
    """The portal's own features API for the same records (one page of up to 10,000)."""
    return client.get(f"/api/layers/{layer}/features?limit=10000{query}").get_json()


def ogc(client, path: str) -> dict:
    response = client.get(f"/ogc{path}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def ids(answer: dict) -> list:
    return [f["id"] for f in answer["features"]]


def links(answer: dict, rel: str) -> list[str]:
    return [link["href"] for link in answer["links"] if link["rel"] == rel]


def test_the_landing_page_conformance_and_collections(client):
    landing = ogc(client, "")
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= rels
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in ogc(
        client, "/conformance")["conformsTo"]
    signal = ogc(client, "/collections/signal")
    assert signal["storageCrs"] == CRS84 and signal["crs"] == [
        CRS84, f"{EPSG}4326", f"{EPSG}3857", f"{EPSG}9215"]
    assert links(signal, "items")[0].endswith("/ogc/collections/signal/items?f=json")


def test_pages_walk_every_record_with_next_and_prev_links(client):
    expected = ids(api(client, "signal"))
    first = ogc(client, "/collections/signal/items")
    assert len(first["features"]) == min(100, len(expected)) and links(first, "prev") == []
    walked, page, pages = [], ogc(client, "/collections/signal/items?limit=30"), 0
    while True:
        assert page["numberMatched"] == len(expected) and page["numberReturned"] == len(
            page["features"])
        walked += ids(page)
        pages += 1
        following = links(page, "next")
        if not following:
            break
        page = ogc(client, following[0].split("/ogc", 1)[1])
    assert walked == expected and pages == -(-len(expected) // 30)
    assert links(page, "prev")[0].endswith(f"offset={30 * (pages - 2)}&f=json")


def test_a_page_holds_the_features_api_records_and_values(client):
    expected = api(client, "industry")["features"]
    page = ogc(client, "/collections/industry/items?limit=10000")
    assert page["features"] == expected


def test_bbox_in_crs84_and_in_other_systems_selects_the_same_records(client):
    box = (106.7, 21.8, 106.9, 21.9)
    expected = ids(api(client, "signal", "&bbox=" + ",".join(map(str, box))))
    assert expected
    assert ids(ogc(client, "/collections/signal/items?limit=10000&bbox=106.7,21.8,106.9,21.9")
               ) == expected
    lat_lon = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    assert ids(ogc(client, f"/collections/signal/items?limit=10000&bbox={lat_lon}"
                           f"&bbox-crs={EPSG}4326")) == expected
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_merc.transform([box[0], box[2]], [box[1], box[3]])
    merc = ogc(client, f"/collections/signal/items?limit=10000&bbox={x0},{y0},{x1},{y1}"
                       f"&bbox-crs={EPSG}3857")
    assert ids(merc) == expected


@pytest.mark.parametrize(("code", "target"), [
    ("4326", None), ("3857", "EPSG:3857"), ("9215", "vn2000")])
def test_coordinates_come_in_the_system_asked_for(client, code, target):
    lonlat = api(client, "signal")["features"][:20]
    response = client.get(f"/ogc/collections/signal/items?limit=20&crs={EPSG}{code}")
    assert response.status_code == 200 and response.headers["Content-Crs"] == f"<{EPSG}{code}>"
    page = response.get_json()
    assert ids(page) == [f["id"] for f in lonlat]
    for feature, plain in zip(page["features"], lonlat, strict=True):
        lon, lat = plain["geometry"]["coordinates"]
        if target is None:
            assert feature["geometry"]["coordinates"] == [lat, lon]
            continue
        system = vn2000_tm3(107.25) if target == "vn2000" else target
        x, y = Transformer.from_crs("EPSG:4326", system, always_xy=True).transform(lon, lat)
        got = feature["geometry"]["coordinates"]
        assert abs(got[0] - x) < 0.01 and abs(got[1] - y) < 0.01
    one = client.get(f"/ogc/collections/signal/items/{lonlat[0]['id']}?crs={EPSG}{code}")
    assert one.headers["Content-Crs"] == f"<{EPSG}{code}>"
    assert one.get_json()["geometry"] == page["features"][0]["geometry"]


def test_the_default_system_is_crs84_in_longitude_latitude(client):
    response = client.get("/ogc/collections/boundaries-district/items?limit=1")
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    assert response.mimetype == "application/geo+json"
    ring = response.get_json()["features"][0]["geometry"]["coordinates"]
    lon, lat = (ring[0][0][0][:2] if isinstance(ring[0][0][0], list) else ring[0][0][:2])
    assert 106 < lon < 108 and 21 < lat < 23


@pytest.mark.parametrize("datetime", ["2025-03-31", "../2025-03-31", "2024-01-01/2025-03-31",
                                      "2025-03-31T23:59:59Z"])
def test_datetime_is_the_as_of_date_or_the_end_of_an_interval(client, datetime):
    expected = api(client, "signal", "&as_of=2025-03-31")
    page = ogc(client, f"/collections/signal/items?limit=10000&datetime={datetime}")
    assert page["asOf"] == "2025-03-31" and page["features"] == expected["features"]
    assert page["numberMatched"] != api(client, "signal")["numberMatched"] or (
        [f["properties"]["status"] for f in page["features"]]
        != [f["properties"]["status"] for f in api(client, "signal")["features"]])


def test_property_filters_keep_the_matching_records(client):
    expected = api(client, "signal", "&status=on_air")
    page = ogc(client, "/collections/signal/items?limit=10000&status=on_air")
    assert ids(page) == ids(expected) and page["numberMatched"] == expected["numberMatched"] > 0
    everything = api(client, "signal")["features"]
    operator = next(f["properties"]["operator"] for f in everything
                    if f["properties"].get("operator"))
    wanted = [f["id"] for f in everything if f["properties"].get("operator") == operator]
    assert ids(ogc(client, f"/collections/signal/items?limit=10000&operator={operator}")
               ) == wanted
    commune = everything[0]["properties"]["commune_code"]
    both = ogc(client, f"/collections/signal/items?limit=10000&operator={operator}"
                       f"&commune_code={commune}")
    assert ids(both) == [f["id"] for f in everything if f["id"] in wanted
                         and f["properties"]["commune_code"] == commune]
    assert ogc(client, "/collections/signal/items?status=nothing")["numberMatched"] == 0
    district = ogc(client, "/collections/boundaries-commune/items?limit=1")["features"][0]
    parent = district["properties"]["parent_code"]
    children = ogc(client, f"/collections/boundaries-commune/items?parent_code={parent}")
    assert district["id"] in ids(children)


def test_one_feature_and_a_missing_one(client):
    first = api(client, "border")["features"][0]
    found = ogc(client, f"/collections/border/items/{first['id']}")
    assert {k: found[k] for k in ("type", "id", "geometry", "properties")} == first
    assert {"self", "alternate", "collection"} <= {link["rel"] for link in found["links"]}
    for path in ("/collections/border/items/999999", "/collections/border/items/abc",
                 "/collections/border/items/%C2%B2", "/collections/border/items/1234567890123",
                 "/collections/boundaries-commune/items/nowhere", "/collections/nothing",
                 "/collections/nothing/items"):
        response = client.get(f"/ogc{path}")
        assert response.status_code == 404 and set(response.get_json()) == ERROR_KEYS


def test_html_pages_are_the_portals_own_in_vietnamese_first(client):
    for path in ("", "/conformance", "/collections", "/collections/signal",
                 "/collections/signal/items?limit=5", "/api"):
        response = client.get(f"/ogc{path}", headers={"Accept": "text/html,*/*;q=0.8"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and response.mimetype == "text/html", path
        assert '<html lang="vi">' in page and "unpkg" not in page and "cdn" not in page.lower()
    english = client.get("/ogc/collections?f=html&lang=en").get_data(as_text=True)
    assert "Collections" in english
    vietnamese = client.get("/ogc/collections?f=html&lang=vi").get_data(as_text=True)
    assert "Các bộ dữ liệu" in vietnamese
    first = api(client, "signal")["features"][0]
    item = client.get(f"/ogc/collections/signal/items/{first['id']}?f=html")
    assert item.mimetype == "text/html" and first["properties"]["name"] in item.get_data(
        as_text=True)
    # Properties under the reader's headers (those of the exports), not their keys.
    assert '<th scope="row">Mã trạng thái</th>' in item.get_data(as_text=True)
    assert '<th scope="row">status</th>' not in item.get_data(as_text=True)
    # Values as a reader reads them: yes/no and a dash, not Python's True and [].
    assert '<th scope="row">Dữ liệu minh họa</th><td>Có</td>' in item.get_data(as_text=True)
    assert '<th scope="row">Thiếu</th><td>—</td>' in item.get_data(as_text=True)
    assert ">True<" not in item.get_data(as_text=True)
    english = client.get(f"/ogc/collections/signal/items/{first['id']}?f=html&lang=en")
    assert '<th scope="row">Status id</th>' in english.get_data(as_text=True)
    page = client.get("/ogc/collections/signal/items?limit=5&f=html&lang=vi").get_data(
        as_text=True)
    assert "Mã xã (2025): " in page and "commune_code: " not in page


def test_json_is_the_default_and_f_wins_over_accept(client):
    assert client.get("/ogc/collections", headers={"Accept": "*/*"}).mimetype == (
        "application/json")
    assert client.get("/ogc/collections?f=json", headers={"Accept": "text/html"}).mimetype == (
        "application/json")
    assert client.get("/ogc/api").mimetype == "application/vnd.oai.openapi+json"


@pytest.mark.parametrize(("query", "field"), [
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=107,21,106,22", "bbox"),
    ("bbox=nan,1,2,3", "bbox"), ("bbox-crs=EPSG:3857", "bbox-crs"),
    ("bbox=1,2,3,4&bbox-crs=EPSG:2000", "bbox-crs"), ("limit=-1", "limit"),
    ("limit=0", "limit"), ("limit=10001", "limit"), ("limit=abc", "limit"),
    ("offset=abc", "offset"), ("offset=-5", "offset"), ("crs=EPSG:9999", "crs"),
    ("crs=http://www.opengis.net/def/crs/EPSG/0/32648", "crs"), ("datetime=garbage", "datetime"),
    ("datetime=2025-02-30", "datetime"), ("datetime=../..", "datetime"),
    ("datetime=2025-06-30/2025-01-01", "datetime"), ("datetime=1200-01-01", "datetime"),
    ("f=xml", "f"), ("colour=red", "colour"), ("beneficiary=x", "beneficiary"),
    ("status=%00", "status"),
])
def test_bad_parameters_answer_400_in_the_error_shape(client, query, field):
    for collection in ("signal", "boundaries-commune"):
        if collection.startswith("boundaries") and field in ("beneficiary", "status"):
            continue
        response = client.get(f"/ogc/collections/{collection}/items?{query}")
        assert response.status_code == 400, (collection, query)
        body = response.get_json()
        assert set(body) == ERROR_KEYS and body["status"] == 400
        assert [e["field"] for e in body["errors"]] == [field]


def test_an_error_message_comes_in_the_readers_language(client):
    vi = client.get("/ogc/collections/signal/items?limit=-1").get_json()["error"]
    en = client.get("/ogc/collections/signal/items?limit=-1&lang=en").get_json()["error"]
    assert vi.startswith("limit phải là số nguyên") and en.startswith("limit must be a whole")


def test_an_edit_shows_in_the_next_page_and_item(client, login):
    today = dt.date.today().isoformat()
    token = login("telecom_editor", ())
    url = f"/ogc/collections/signal/items?limit=10000&datetime={today}"
    before = client.get(url)
    record = next(f for f in before.get_json()["features"]
                  if f["properties"]["status"] == "listed")
    changed = change_status(client, token, "signal", record["id"], "site_agreed")
    assert changed.status_code == 200, changed.get_json()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    found = {f["id"]: f for f in after.get_json()["features"]}
    assert found[record["id"]]["properties"]["status"] == "site_agreed"
    for crs in ("", f"&crs={EPSG}3857"):
        one = client.get(f"/ogc/collections/signal/items/{record['id']}?datetime={today}{crs}")
        assert one.get_json()["properties"]["status"] == "site_agreed"
