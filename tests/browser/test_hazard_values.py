"""A planner finds the projects in hazard zones: the planning page's table, a record's popup
with its elevation and flood badge, and the map's hazard filter (issue 13, item 2).

The module serves its own portal: a copy of the prepared store with the flood-depth grid and
the elevation plane of ``tests/portal/hazard_store.py`` in its ``rasters/`` folder and the
test projects around them. Screenshots go to ``PORTAL_SCREENSHOTS`` (``artifacts/screenshots``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from portal.services.accounts import create_user
from portal.store.db import open_database
from tests.portal.hazard_store import FLOODED, add_rasters, add_records, centre

pytestmark = pytest.mark.browser

PLANNER, PASSWORD = "ke-hoach-hz", "mật khẩu đủ dài 2025"
LOADED = "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"
SHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))


@pytest.fixture(scope="module")
def hazard_server(stores, template_url, tmp_path_factory, portal_process):
    """A portal with the flood and elevation grids, the projects and a planner."""
    folder = tmp_path_factory.mktemp("hazard-browser")
    db_url = stores.new(folder, template_url)
    try:
        db = open_database(db_url)
        with db.transaction() as session:
            add_rasters(session, folder)
            ids = add_records(session)
            create_user(session, PLANNER, PASSWORD, "planner")
        db.engine.dispose()
        with portal_process(db_url, folder) as portal:
            yield portal.base, ids
    finally:
        stores.drop(db_url)


def test_a_planner_sees_the_flooded_projects_in_the_table_the_popup_and_the_filter(
        hazard_server, watched_tab, signed_in_state):
    base, ids = hazard_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    state = signed_in_state(base, PLANNER, PASSWORD)
    with watched_tab(base, storage_state=state, viewport={"width": 1440, "height": 900}) as tab:
        tab.goto(base + "/planning?layer=industry&level=commune")
        tab.wait_for_function(LOADED, timeout=30000)
        tab.wait_for_selector("#hazard-zones[data-loaded='true']", timeout=30000)
        table = tab.locator("#hazard-table tbody tr.hazard-row")
        names = sorted(table.nth(i).locator("td").first.inner_text() for i in range(table.count()))
        assert names == sorted(FLOODED)
        assert "Dự án trong vùng thiên tai" in tab.locator("#hazard-zones h2").inner_text()
        first = table.first.locator("td")  # sorted by value, deepest first: 1,2 m
        assert first.nth(1).inner_text() == "1,2 m"
        tab.locator("#hazard-table th[data-key='name'] button").click()
        assert table.first.locator("td").first.inner_text() == sorted(FLOODED)[0]
        csv_href = tab.locator("#hazard-csv").get_attribute("href")
        assert tab.request.get(base + csv_href).text().count("\n") == len(FLOODED) + 1
        tab.locator("#hazard-zones").scroll_into_view_if_needed()
        tab.screenshot(path=str(SHOTS / "hazard-planning-1440.png"))

        lon, lat = centre((45, 50))
        tab.goto(f"{base}/?show=industry&layer=industry&lat={lat}&lon={lon}&z=15")
        tab.wait_for_function(LOADED, timeout=30000)
        markers = tab.locator(".feature-marker[data-layer='industry']")
        deep = markers.and_(tab.locator(f"[data-id='{ids['KCN Vùng Trũng']}']"))
        deep.click(force=True)
        section = tab.locator(".leaflet-popup-content .portal-terrain[data-loaded='true']")
        section.wait_for(timeout=15000)
        text = section.inner_text()
        assert "Địa hình và thiên tai" in text and "Độ cao: 400 m" in text
        assert "Dân số trong bán kính 1 km: 7.853 người" in text
        assert section.locator(".portal-hazard-badge").inner_text() == "Trong vùng ngập ≥ 0,5 m"
        assert section.locator(".badge-illustrative").count() == 1  # the flood grid's badge
        assert section.locator(".badge-approximate").count() == 1  # the elevation model's
        tab.screenshot(path=str(SHOTS / "hazard-popup-1440.png"))

        tab.keyboard.press("Escape")
        tab.locator(".portal-settings:not(.portal-filters) > summary").click()  # fold options
        tab.locator(".portal-filters > summary").click()
        tab.wait_for_selector("#portal-filter-hazard-flood_depth")
        tab.screenshot(path=str(SHOTS / "hazard-filter-panel-1440.png"))
        with tab.expect_response(lambda r: "/api/layers/industry/features" in r.url
                                 and "hazard=" in r.url) as answer:
            tab.get_by_label("Chỉ bản ghi trong vùng ngập", exact=True).check()
        assert parse_qs(urlparse(answer.value.url).query)["hazard"] == ["flood_depth"]
        flagged = sorted(str(ids[n]) for n in FLOODED)
        tab.wait_for_function(f"() => PortalMap.state.records.industry === {len(flagged)}")
        shown = sorted(markers.nth(i).get_attribute("data-id") for i in range(markers.count()))
        polygon = str(ids["KCN Ven Suối"])  # drawn as a shape, not a marker
        assert shown == [i for i in flagged if i != polygon]
        assert parse_qs(urlparse(tab.url).query)["hazard"] == ["flood_depth"]
        tab.screenshot(path=str(SHOTS / "hazard-filter-1440.png"))

        # On a phone, in English, the filter comes back from the page URL.
        tab.set_viewport_size({"width": 390, "height": 844})
        tab.goto(tab.url + "&lang=en")
        tab.wait_for_function(LOADED, timeout=30000)
        tab.wait_for_function(f"() => PortalMap.state.records.industry === {len(flagged)}")
        deep.click(force=True)
        section.wait_for(timeout=15000)
        assert section.locator(".portal-hazard-badge").inner_text() == "In a flood zone ≥ 0.5 m"
        assert "Elevation: 400 m" in section.inner_text()
        tab.screenshot(path=str(SHOTS / "hazard-popup-390.png"))

        tab.goto(base + "/planning?layer=industry&level=commune&lang=en")
        tab.wait_for_selector("#hazard-zones[data-loaded='true']", timeout=30000)
        assert tab.locator("#hazard-zones h2").inner_text() == "Projects in hazard zones"
        deepest = tab.locator("#hazard-table tbody tr.hazard-row").first.locator("td")
        assert deepest.nth(1).inner_text() == "1.2 m"
        tab.locator("#hazard-zones").scroll_into_view_if_needed()
        tab.screenshot(path=str(SHOTS / "hazard-planning-390.png"))
