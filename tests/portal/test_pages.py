import json
import re

import pytest

PAGES = ["/", "/planning", "/geopark", "/telecom", "/about", "/area/commune/06400",
         "/area/district/186"]


def _config(html: str) -> dict:
    match = re.search(r"PortalMap\.init\([^,]+, (\{.*\})\);", html)
    assert match, "the map client is not started"
    return json.loads(match.group(1))


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_in_vietnamese_by_default_and_in_english_on_request(client, url):
    vi = client.get(url)
    assert vi.status_code == 200
    assert '<html lang="vi">' in vi.get_data(as_text=True)
    en = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert '<html lang="en">' in en.get_data(as_text=True)
    assert en.headers.get("Set-Cookie", "").startswith("lang=en")


@pytest.mark.parametrize("url", PAGES)
def test_no_page_names_another_host(client, url):
    # Script nonces are random letters: one may well spell "cdn".
    html = re.sub(r'nonce="[^"]*"', "", client.get(url).get_data(as_text=True))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("url", PAGES)
def test_every_page_says_boundaries_are_approximate_and_data_illustrative(client, url):
    html = client.get(url).get_data(as_text=True)
    assert 'data-badge="approximate"' in html
    assert 'data-badge="illustrative"' in html


def test_main_page_stays_small_and_carries_no_layer_data(client):
    html = client.get("/").get_data(as_text=True)
    assert len(html.encode()) < 300_000
    assert '"FeatureCollection"' not in html


def test_map_state_in_the_url_reaches_the_map_client(client):
    html = client.get(
        "/?layer=housing&level=district&as_of=2025-06-30&show=signal,border&area=186"
        "&lat=21.6&lon=106.3&z=11"
    ).get_data(as_text=True)
    config = _config(html)
    assert config["progressLayer"] == "housing"
    assert config["level"] == "district"
    assert config["asOf"] == "2025-06-30"
    assert config["visible"] == ["signal", "border"]
    assert config["area"] == "186"
    assert "setView([21.6, 106.3], 11" in html.replace("\n", "") or '"zoom": 11' in html


def test_map_client_gets_every_string_translated(client):
    vi = _config(client.get("/").get_data(as_text=True))["strings"]
    en = _config(client.get("/?lang=en").get_data(as_text=True))["strings"]
    assert vi.keys() == en.keys()
    differing = [k for k in vi if vi[k] != en[k]]
    assert len(differing) >= len(vi) * 0.9


def test_planning_table_ranks_lagging_areas_first(client):
    html = client.get("/planning?layer=signal&level=commune&as_of=2025-09-30").get_data(
        as_text=True
    )
    flags = re.findall(r'data-lagging="(true|false)"', html)
    assert flags
    assert flags == sorted(flags, key=lambda f: f != "true")


def test_unknown_area_is_a_404_page(client):
    response = client.get("/area/commune/99999")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_record_names_are_escaped_in_pages(client, app):
    import datetime as dt

    import shapely

    from portal.store import loader
    from portal.web.database import get_database

    evil = '<img src=x onerror="alert(1)">'
    with get_database(app).transaction() as session:
        loader.write_records(session, [loader.RecordRow(
            layer_id="geopark", record_id="EVIL", name=evil, attributes={},
            geometry=shapely.Point(106.37, 21.66),
            # Open to visitors: the public geopark page lists only those.
            history=[loader.StateRow(date=dt.date(2025, 1, 5), status="open_to_visitors")],
        )])
    html = client.get("/geopark?as_of=2025-11-30").get_data(as_text=True)
    assert evil not in html
    assert "&lt;img src=x onerror=" in html


def test_without_a_date_pages_show_the_latest_update_not_today(db_url, tmp_path):
    from sqlalchemy import func, select

    from portal import create_app
    from portal.store.models import FeatureState
    from portal.web.database import get_database

    app = create_app({"database_url": db_url, "instance_path": tmp_path,
                      "auto_seed": False})
    with get_database(app).sessions() as session:
        latest = session.scalar(select(func.max(FeatureState.valid_from)))
    config = _config(app.test_client().get("/").get_data(as_text=True))
    assert config["asOf"] == latest.isoformat()
    app.extensions["portal_db"].engine.dispose()
