"""A record imported without its layer's fields says so in its map popup (issue 9).

The module serves its own portal: a copy of the prepared store with one geopark site stored
the way an import of a minimal office sheet stores it (``incomplete``, placed by its commune).
"""

from __future__ import annotations

import datetime as dt

import pytest

import shapely

from portal.store import loader
from portal.store.db import open_database

NAME = "Điểm thiếu thông tin"
POINT = (106.5200, 21.9400)
PAUSED_COLOR = "#c62828"  # the geopark layer's "paused" status


def _add_incomplete_site(url: str) -> None:
    db = open_database(url)
    with db.transaction() as session:
        loader.write_records(session, [loader.RecordRow(
            layer_id="geopark", record_id="GP-THIEU", name=NAME,
            attributes={"incomplete": ["site_type"], "position_approximate": True},
            geometry=shapely.Point(*POINT),
            history=[loader.StateRow(date=dt.date(2025, 3, 1), status="paused")],
        )])  # fmt: skip
    db.engine.dispose()


@pytest.fixture(scope="module")
def portal_with_incomplete_site(serve_portal):
    """Serve a portal holding the incomplete geopark site."""
    with serve_portal("incomplete-popup", prepare=_add_incomplete_site) as (base, _):
        yield base


def test_the_popup_names_the_missing_fields_and_the_approximate_position(
    watched_tab, portal_with_incomplete_site
):
    base = portal_with_incomplete_site
    lon, lat = POINT
    with watched_tab(base) as tab:
        tab.goto(f"{base}/?show=geopark&layer=geopark&lat={lat}&lon={lon}&z=15")
        tab.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded")
        markers = tab.locator(".feature-marker[data-layer='geopark']")
        assert markers.count() == 1
        # The status's colour comes from the layer in /api/layers, not from the record.
        assert markers.first.get_attribute("fill") == PAUSED_COLOR
        markers.first.click(force=True)
        popup = tab.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert NAME in text
        assert "Thiếu: Loại điểm" in text
        assert "Vị trí gần đúng (theo xã)" in text
        assert "Tạm dừng" in text
        badge = popup.locator(".badge-status")
        assert badge.inner_text() == "Tạm dừng"
        assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(198, 40, 40)"
