"""The map's record filters: ticking "paused" shows only the paused records (issue 9).

The module serves its own portal: a copy of the prepared store with four geopark sites in a
corner of Đình Lập where no other site lies: two paused, one cancelled, one surveyed.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

import shapely

from portal.store import loader
from portal.store.db import open_database

CENTRE = (107.3000, 21.6100)
SITES = (
    ("GP-LOC-1", "Hang Cốc Lùng (tạm dừng)", 0.000, 0.004, "paused"),
    ("GP-LOC-2", "Thác Khuổi Nhùng (tạm dừng)", 0.004, 0.000, "paused"),
    ("GP-LOC-3", "Điểm Pò Háng (đã hủy)", -0.004, 0.000, "cancelled"),
    ("GP-LOC-4", "Điểm Bản Chắt (đã khảo sát)", 0.000, -0.004, "surveyed"),
)


def _add_sites(url: str) -> None:
    db = open_database(url)
    with db.transaction() as session:
        loader.write_records(session, [loader.RecordRow(
            layer_id="geopark", record_id=rid, name=name, attributes={"site_type": "geosite"},
            geometry=shapely.Point(CENTRE[0] + dx, CENTRE[1] + dy),
            history=[loader.StateRow(date=dt.date(2025, 3, 1), status=status)],
        ) for rid, name, dx, dy, status in SITES])  # fmt: skip
    db.engine.dispose()


@pytest.fixture(scope="module")
def portal_with_paused_sites(serve_portal):
    """Serve a portal holding the four sites."""
    with serve_portal("record-filters", prepare=_add_sites) as (base, _):
        yield base


def _open(tab, url):
    tab.goto(url)
    tab.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded")


def _ids(tab):
    markers = tab.locator(".feature-marker[data-layer='geopark']")
    return sorted(markers.nth(i).get_attribute("data-id") for i in range(markers.count()))


def test_ticking_paused_shows_only_the_paused_records(watched_tab, portal_with_paused_sites):
    base = portal_with_paused_sites
    lon, lat = CENTRE
    with watched_tab(base) as tab:
        _open(tab, f"{base}/?show=geopark&layer=geopark&lat={lat}&lon={lon}&z=14")
        assert len(_ids(tab)) == 4
        assert tab.evaluate("PortalMap.state.records.geopark") == 4
        tab.locator(".portal-filters > summary").click()
        with tab.expect_response(lambda r: "/api/layers/geopark/features" in r.url) as answer:
            tab.get_by_label("Tạm dừng", exact=True).check()
        response = answer.value
        assert parse_qs(urlparse(response.url).query)["status"] == ["paused"]
        features = response.json()["features"]
        assert sorted(f["properties"]["status"] for f in features) == ["paused", "paused"]
        tab.wait_for_function("() => PortalMap.state.records.geopark === 2")
        paused_ids = sorted(str(f["properties"]["id"]) for f in features)
        assert _ids(tab) == paused_ids
        # The choice is kept in the page URL, and the export link carries it.
        assert parse_qs(urlparse(tab.url).query)["filter"] == ["paused"]
        link = tab.locator(".portal-filter-export[data-layer='geopark'] a[data-format='csv']")
        query = parse_qs(urlparse(link.get_attribute("href")).query)
        assert query["status"] == ["paused"] and query["format"] == ["csv"]
        export = tab.request.get(base + link.get_attribute("href"))
        assert export.status == 200
        assert export.text().count("paused") == 2 and "cancelled" not in export.text()


def test_a_shared_link_opens_with_its_filters(watched_tab, portal_with_paused_sites):
    base = portal_with_paused_sites
    lon, lat = CENTRE
    with watched_tab(base, locale="en-GB") as tab:
        _open(tab, f"{base}/?lang=en&show=geopark&layer=geopark&lat={lat}&lon={lon}&z=14"
                   "&filter=paused,cancelled")  # fmt: skip
        assert len(_ids(tab)) == 3
        assert tab.get_by_label("Cancelled", exact=True).is_checked()
        assert tab.get_by_label("Paused", exact=True).is_checked()
        assert not tab.get_by_label("Incomplete records only").is_checked()
        tab.get_by_label("Cancelled", exact=True).uncheck()
        tab.wait_for_function("() => PortalMap.state.records.geopark === 2")
        tab.get_by_label("Paused", exact=True).uncheck()
        tab.wait_for_function("() => PortalMap.state.records.geopark === 4")
        assert "filter" not in parse_qs(urlparse(tab.url).query)
