"""The main map draws dense line and shape layers from the vector tiles (map-tiles.js).

The portal on a copy of the store with ``PORTAL_MAP_TILES=auto`` and a cluster threshold of 5
records: the demo's transport lines (8) then count as dense and come from
``/tiles/transport/...``, while the clustered ``signal`` points stay on the features API.
"""

from __future__ import annotations

import re

import pytest

TILE = re.compile(r"/tiles/transport/(\d+)/(\d+)/(\d+)\.mvt")
# Violations of the Content-Security-Policy, recorded before any page script runs.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def live_server(serve_portal):
    """This module's own portal: auto tiles above a threshold of 5 records."""
    with serve_portal("map-tiles", map_tiles="auto", cluster_threshold="5") as (base, _db):
        yield base


def _tile_responses(tab) -> list:
    found: list = []
    tab.on("response", lambda r: found.append(r) if TILE.search(r.url) else None)
    return found


def _open(tab, base: str, settled, path: str) -> None:
    tab.goto(f"{base}{path}")
    settled(tab, path)


def test_transport_is_drawn_from_tiles(watched_tab, live_server, settled):
    """The lines come from tiles answered 200, none from the features API, and are drawn.

    No policy violation, no console error (the tab's watch), and the lines stay out of the Tab
    order as the GeoJSON shapes do (a11y.js).
    """
    with watched_tab(live_server) as tab:
        tab.add_init_script(WATCH_CSP)
        tiles = _tile_responses(tab)
        features = []
        tab.on("request", lambda r: features.append(r.url) if "/features" in r.url else None)
        _open(tab, live_server, settled, "/?show=transport,signal")
        state = tab.evaluate("() => ({renderer: PortalMap.state.renderer.transport,"
                             " points: PortalMap.state.renderer.signal,"
                             " drawn: PortalMap.state.drawn.transport,"
                             " requests: PortalMap.state.tiles.requests()})")
        paths = tab.locator("path[data-layer='transport']").count()
        assert tiles and {r.status for r in tiles} == {200}
        assert not [u for u in features if "/layers/transport/" in u]
        assert state["renderer"] == "tiles"
        # Clustered points stay on the features API (drawn faster so, see the README).
        assert [u for u in features if "/layers/signal/" in u]
        assert state["points"] in ("svg", "canvas") and "signal" not in state["requests"]
        assert state["drawn"] > 0 and paths >= state["drawn"]
        assert state["requests"]["transport"]["failed"] == 0
        assert tab.locator("[data-portal-loaded='true']").count() == 1
        assert tab.evaluate("window.__csp") == []
        tabindex = tab.eval_on_selector_all(
            "path[data-layer='transport']", "(ps) => ps.map((p) => p.getAttribute('tabindex'))"
        )
        assert set(tabindex) == {"-1"}


# A point on the middle of the first drawn transport line, in page pixels.
LINE_POINT = """() => {
  const path = document.querySelector("path[data-layer='transport']");
  const middle = path.getPointAtLength(path.getTotalLength() / 2);
  const point = new DOMPoint(middle.x, middle.y).matrixTransform(path.getScreenCTM());
  return {x: point.x, y: point.y, id: path.getAttribute('data-id')};
}"""


def test_clicking_a_tiled_line_opens_its_popup(watched_tab, live_server, settled):
    """A click on a line drawn from a tile opens the popup of that record, with its name."""
    with watched_tab(live_server) as tab:
        _open(tab, live_server, settled, "/?show=transport&lat=21.85&lon=106.76&z=11")
        spot = tab.evaluate(LINE_POINT)
        answer = tab.request.get(
            f"{live_server}/api/layers/transport/features?bbox=106.0,21.2,107.6,22.6&zoom=11"
        ).json()
        names = {str(f["properties"]["id"]): f["properties"]["name"] for f in answer["features"]}
        tab.mouse.click(spot["x"], spot["y"])
        title = tab.locator(".portal-feature-popup .portal-popup-title")
        title.wait_for()
        assert title.text_content() == names[spot["id"]]


def test_a_new_date_fetches_tiles_of_that_date(watched_tab, live_server, settled):
    """Choosing a date asks for the tiles again with that ``as_of`` and draws them."""
    with watched_tab(live_server) as tab:
        tiles = _tile_responses(tab)
        _open(tab, live_server, settled, "/?show=transport")
        assert tiles and not [r for r in tiles if "as_of=" in r.url]
        with tab.expect_response(lambda r: TILE.search(r.url) and "as_of=2025-06-30" in r.url):
            tab.evaluate("""() => {
              const input = document.getElementById('portal-setting-as-of');
              input.value = '2025-06-30';
              input.dispatchEvent(new Event('change'));
            }""")
        tab.wait_for_function("() => PortalMap.state.drawn.transport > 0")
        dated = [r for r in tiles if "as_of=2025-06-30" in r.url]
        assert {r.status for r in dated} == {200}
        assert tab.evaluate("PortalMap.state.renderer.transport") == "tiles"


def test_a_filter_falls_back_to_the_features_api(watched_tab, live_server, settled):
    """With "incomplete only" ticked the lines come filtered from GeoJSON; unticked, from tiles."""
    with watched_tab(live_server) as tab:
        tiles = _tile_responses(tab)
        with tab.expect_response(
            lambda r: "/api/layers/transport/features" in r.url and "incomplete=1" in r.url
        ) as answer:
            _open(tab, live_server, settled, "/?show=transport&filter=incomplete")
        assert answer.value.status == 200
        expected = len(answer.value.json()["features"])
        assert not tiles
        assert tab.evaluate("PortalMap.state.renderer.transport") in ("svg", "canvas")
        assert tab.evaluate("PortalMap.state.drawn.transport") == expected
        with tab.expect_response(lambda r: TILE.search(r.url) is not None):
            tab.uncheck("#portal-filter-incomplete")
        tab.wait_for_function("() => PortalMap.state.renderer.transport === 'tiles'")
        assert {r.status for r in tiles} == {200}


def test_screenshots_of_the_tiled_map(watched_tab, live_server, settled):
    """The tiled map on a desktop and on a phone (artifacts/screenshots, looked at by hand)."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in (("desktop", (1440, 900)), ("phone", (390, 844))):
        viewport = {"width": size[0], "height": size[1]}
        with watched_tab(live_server, viewport=viewport) as tab:
            _open(tab, live_server, settled, "/?show=transport,border")
            assert tab.evaluate("PortalMap.state.renderer.transport") == "tiles"
            tab.screenshot(path=str(folder / f"map-tiles-{name}.png"))
