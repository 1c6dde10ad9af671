"""A telecom editor runs a coverage estimate on the telecom page and reads it, in Chromium.

The module runs its own portal: a copy of the prepared store whose signal layer holds the six
villages of ``tests/portal/coverage_store.py`` around a hill near Lạng Sơn city, with that
elevation raster in the instance's rasters folder and one telecom editor. The editor picks a
village as the station site, then places a station by clicking the map; each run draws the
visible area and lists the villages in reach. Screenshots (desktop and phone) go to
``$COVERAGE_SHOTS`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.services.accounts import create_user
from portal.store.db import open_database
from tests.portal.coverage_store import STATION, add_elevation, place_villages

pytestmark = pytest.mark.browser

EDITOR = "vienthong.tinh"
PASSWORD = "Phủ sóng Lạng Sơn 2025"
READY = "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"


@pytest.fixture(scope="module")
def coverage_server(stores, template_url, tmp_path_factory, portal_process):
    """The portal with the coverage villages, the elevation raster and a telecom editor."""
    folder = tmp_path_factory.mktemp("coverage-live")
    db_url = stores.new(folder, template_url)
    db = open_database(db_url)
    with db.transaction() as session:
        place_villages(session)
        add_elevation(session, folder)
        create_user(session, EDITOR, PASSWORD, "telecom_editor")
    db.engine.dispose()
    try:
        with portal_process(db_url, folder) as portal:
            yield portal.base
    finally:
        stores.drop(db_url)


def shot(tab, name: str) -> None:
    folder = os.environ.get("COVERAGE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / name), full_page=False)


def wait_for_run(tab, runs: int) -> None:
    tab.wait_for_function(f"() => Number(document.getElementById('coverage-panel')"
                          f".dataset.ran || 0) >= {runs}", timeout=30000)


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900},
                                      {"width": 390, "height": 844}])
def test_a_telecom_editor_estimates_coverage_and_reads_the_area_and_the_villages(
    sign_in, watched_tab, coverage_server, viewport
):
    base = coverage_server
    with watched_tab(base, viewport=viewport) as tab:
        sign_in(tab, base, EDITOR, PASSWORD)
        tab.goto(base + "/telecom")
        tab.wait_for_function(READY, timeout=30000)
        panel = tab.locator("#coverage-panel")
        assert "không phải mô hình truyền sóng" in panel.inner_text()
        # A village as the station site: Bản Khuổi Phầy, 1.5 km east of the hill's foot.
        tab.fill("#coverage-village", "Bản Khuổi Phầy")
        tab.wait_for_function("() => document.getElementById('coverage-station').textContent"
                              ".includes('Khuổi Phầy')")
        tab.fill("#coverage-mast", "30")
        tab.fill("#coverage-radius", "5")
        tab.click("#coverage-run")
        wait_for_run(tab, 1)
        rows = tab.locator("#coverage-villages-table tbody tr")
        assert rows.count() == 4
        assert rows.first.locator("td").first.inner_text() == "Bản Khuổi Phầy"
        assert rows.first.locator("td").nth(2).inner_text() == "0"
        assert "km²" in tab.locator("#coverage-status").inner_text()
        assert tab.locator(".leaflet-overlay-pane path").count() >= 2  # the area and the radius
        # A station placed by a click on the map, at the hill's foot.
        tab.click("#coverage-pick")
        point = tab.evaluate(
            """([lon, lat]) => {
                const node = document.querySelector('.folium-map');
                const map = window[node.id];
                map.setView([lat, lon], 12, {animate: false});
                const p = map.latLngToContainerPoint([lat, lon]);
                return {x: p.x, y: p.y};
            }""", list(STATION))
        tab.locator(".folium-map").click(position=point)
        station = tab.locator("#coverage-station").inner_text()
        assert station.startswith("Trạm tại 21,85")
        tab.click("#coverage-run")
        wait_for_run(tab, 2)
        table = tab.locator("#coverage-villages-table tbody tr")
        cells = [table.nth(i).locator("td").all_inner_texts() for i in range(table.count())]
        # Two villages are 1.5 km away (east, and on the hilltop north): a pixel decides which
        # comes first, so the list is read by name; the distances must not decrease.
        assert {c[0]: c[4] for c in cells} == {"Bản Khuổi Phầy": "có", "Bản Đỉnh Đồi": "không",
                                               "Bản Nà Sla": "không", "Thôn Pò Mần": "có"}
        kilometres = [float(c[2].replace(",", ".")) for c in cells]
        assert kilometres == sorted(kilometres) and 1.4 < kilometres[0] < 1.6
        distance = tab.locator("#coverage-villages-table tbody tr").first.locator("td").nth(2)
        assert "," in distance.inner_text()  # 1,5 km: a Vietnamese decimal comma
        tab.locator(".folium-map").scroll_into_view_if_needed()
        shot(tab, f"coverage-map-{viewport['width']}.png")
        tab.locator("#coverage-panel").scroll_into_view_if_needed()
        shot(tab, f"coverage-{viewport['width']}.png")
