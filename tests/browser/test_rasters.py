"""Raster layers in headless Chromium: a planner uploads an elevation grid through the page,
then every map offers it as an overlay (off by default) with its legend and opacity slider.

The module serves its own copy of the store with a planner, so its upload does not change what
the other browser tests see.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import with_account

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from raster_files import CITY, elevation_vn2000  # noqa: E402

pytestmark = pytest.mark.browser

PLANNER = "quy.hoach.raster"
PASSWORD = "Độ cao Mẫu Sơn 1541 m"
NAME_VI = "Độ cao khu vực TP Lạng Sơn (minh họa)"


@pytest.fixture(scope="module")
def raster_server(serve_portal):
    """The portal on a private copy of the store with a planner."""
    with serve_portal("rasters-live", prepare=with_account(PLANNER, PASSWORD, "planner")) as (
            base, _db_url):
        yield base


@pytest.fixture(scope="module")
def planner_state(signed_in_state, raster_server):
    """The planner's cookies, signed in once."""
    return signed_in_state(raster_server, PLANNER, PASSWORD)


def _screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def _show_raster_on_the_map(page, base: str) -> list[int]:
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "/tiles/rasters/" in r.url
            else None)
    page.goto(f"{base}/?lat={CITY[1]:.5f}&lon={CITY[0]:.5f}&z=13&show=")
    page.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"
                           " && window.PortalRasters && PortalRasters.state.loads > 0",
                           timeout=30000)
    page.locator(".leaflet-control-layers").hover()  # folded on phones: open the layer list
    row = page.locator(".leaflet-control-layers-overlays label", has_text=NAME_VI)
    box = row.locator("input")
    assert not box.is_checked()  # off by default
    box.check()
    page.wait_for_function("() => document.querySelectorAll("
                           "'.leaflet-pane.leaflet-portal-rasters-pane img.leaflet-tile-loaded')"
                           ".length > 0", timeout=15000)
    page.wait_for_load_state("networkidle")
    page.mouse.move(5, page.viewport_size["height"] // 2)  # the list folds again
    return statuses


def test_a_planner_uploads_an_elevation_raster_and_the_maps_show_it_with_its_legend(
        watched_tab, raster_server, planner_state, tmp_path):
    base = raster_server
    with watched_tab(base, storage_state=planner_state) as page:
        page.goto(f"{base}/rasters")
        page.set_input_files("#r-file", str(elevation_vn2000(tmp_path / "do_cao_tp.tif")))
        page.select_option("#r-kind", "elevation")
        page.fill("#r-as-of", "30/06/2025")
        page.fill("#r-name-vi", NAME_VI)
        page.fill("#r-name-en", "Elevation around Lạng Sơn city (illustrative)")
        page.fill("#r-unit", "m")
        page.fill("#r-source", "Sở Nông nghiệp và Môi trường")
        page.select_option("#r-provenance", "illustrative")
        page.check("#r-public")
        page.click("#raster-form button[type=submit]")
        page.wait_for_selector("#raster-added")
        assert page.locator("#raster-list tbody tr").count() == 1
        assert "VN-2000 / TM-3 107-15" in page.locator("#raster-list").inner_text()

        statuses = _show_raster_on_the_map(page, base)
        assert statuses and set(statuses) == {200}
        panel = page.locator(".portal-rasters")
        assert panel.is_visible()
        entry = panel.locator(".portal-raster")
        assert NAME_VI in entry.inner_text()
        assert entry.locator(".badge").inner_text() == "Minh họa"
        assert "không phải dữ liệu thật" in entry.locator(".portal-raster-note").inner_text()
        assert entry.locator(".portal-raster-min").inner_text() == "100 m"
        assert entry.locator(".portal-raster-max").inner_text() == "900 m"
        assert "linear-gradient" in entry.locator(".raster-ramp").get_attribute("style")
        entry.locator("input[type=range]").fill("30")
        opacity = page.evaluate("() => Object.values(PortalRasters.state.layers)[0].options"
                                ".opacity")
        assert opacity == pytest.approx(0.3)
        _screenshot(page, "rasters-map-desktop")

        # A date before the raster's: no elevation; after it, the raster is back, still on.
        for day, shown in (("2025-01-01", 0), ("2025-07-01", 1)):
            loads = page.evaluate("PortalRasters.state.loads")
            page.evaluate("""(day) => {
              const input = document.getElementById('portal-setting-as-of');
              input.value = day;
              input.dispatchEvent(new Event('change'));
            }""", day)
            page.wait_for_function(f"() => PortalRasters.state.loads > {loads}")
            overlays = page.locator(".leaflet-control-layers-overlays label", has_text=NAME_VI)
            assert overlays.count() == shown
            assert page.locator(".portal-rasters .portal-raster").count() == shown
        assert page.locator(".leaflet-control-layers-overlays label", has_text=NAME_VI).locator(
            "input").is_checked()
    # A visitor on a phone: the raster is public, so it is offered to them too.
    with watched_tab(base, viewport={"width": 390, "height": 844}) as page:
        statuses = _show_raster_on_the_map(page, base)
        assert statuses and set(statuses) == {200}
        legend = page.locator(".portal-rasters .portal-raster")
        assert legend.locator(".portal-raster-max").inner_text() == "900 m"
        _screenshot(page, "rasters-map-phone")
