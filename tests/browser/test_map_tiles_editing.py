"""A planner on the map with tiled lines: a click gives the editing buttons; an edit refetches.

The portal on a private copy of the store with a planner (who edits every layer, transport
included) and ``PORTAL_MAP_TILES=on`` (every public layer from ``/tiles/``).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import with_account
from tests.browser.test_map_tiles import LINE_POINT

PLANNER = "tiles-planner"
PASSWORD = "tiles-planner-pw-2025"
TILE = re.compile(r"/tiles/transport/\d+/\d+/\d+\.mvt")


@pytest.fixture(scope="module")
def planner_page(serve_portal, signed_in_state, watched_tab, settled):
    """A map page of tiled transport lines, signed in as a planner."""
    planner = with_account(PLANNER, PASSWORD, "planner")
    with serve_portal("tiles-edit", prepare=planner, map_tiles="on") as (base, _db_url):
        state = signed_in_state(base, PLANNER, PASSWORD)
        with watched_tab(base, storage_state=state) as tab:
            tab.goto(f"{base}/?show=transport&lat=21.85&lon=106.76&z=11")
            settled(tab, "/")
            yield tab


def test_clicking_a_tiled_line_offers_its_editing_buttons(planner_page):
    """The popup of a line drawn from a tile carries the edit actions of that record."""
    tab = planner_page
    assert tab.evaluate("PortalMap.state.renderer.transport") == "tiles"
    spot = tab.evaluate(LINE_POINT)
    tab.mouse.click(spot["x"], spot["y"])
    bar = tab.locator(".portal-feature-popup .portal-edit-actions")
    bar.wait_for()
    assert bar.get_attribute("data-layer") == "transport"
    assert bar.get_attribute("data-id") == spot["id"]
    tab.keyboard.press("Escape")


def test_a_saved_edit_fetches_the_tiles_again(planner_page):
    """The event every saved edit dispatches (``portal:data-changed``) redraws the tiles."""
    tab = planner_page
    seen: list = []
    tab.on("response", lambda r: seen.append(r.status) if TILE.search(r.url) else None)
    with tab.expect_response(lambda r: TILE.search(r.url) is not None):
        tab.evaluate("""() => document.dispatchEvent(new CustomEvent('portal:data-changed',
          {detail: {layer: 'transport', recordId: null}}))""")
    tab.wait_for_function("() => PortalMap.state.drawn.transport > 0")
    assert seen and set(seen) <= {200, 304}
