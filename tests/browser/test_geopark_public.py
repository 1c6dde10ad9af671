"""The public geopark page for visitors, in headless Chromium.

A tourism editor writes a site's Chinese description through the edit panel of the main map;
a visitor then reads it on ``/geopark?lang=zh``, taps the site's card (the map centres on it and
opens its popup) and shares the link, which opens the same site. The page never shows an
internal record id or a planning status. The tests run their own portal (a copy of the prepared
store with a tourism editor), so the edit does not change what the other browser tests see.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.services.accounts import create_user
from portal.services.visitor_sites import site_key
from portal.store.db import open_database
from portal.store.models import Feature
from tests.browser.record_forms import open_record_form

pytestmark = pytest.mark.browser

EDITOR = "du.lich.huu.lung"
PASSWORD = "Đền Bắc Lệ tháng Chín 2025"
SITE = "Đền Bắc Lệ"
DESCRIPTION_ZH = "著名的母道庙宇，每年农历九月举行盛大庙会。"
STATUS_WORDS = ("Đón khách", "Đã khảo sát", "Đang lắp biển", "Đạt tiêu chuẩn ASEAN", "Tạm dừng",
                "Open to visitors", "Surveyed", "Signage being installed", "ASEAN standard",
                "Paused", "Cancelled", "chậm tiến độ", "behind schedule", "%")  # fmt: skip
READY = "() => window.GeoparkPublic && GeoparkPublic.state.loaded"
POPUP_INSIDE_MAP = """() => {
  const map = document.getElementById('geopark-map').getBoundingClientRect();
  const box = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
  return box.top >= map.top - 1 && box.bottom <= map.bottom + 1
    && box.left >= map.left - 1 && box.right <= map.right + 1;
}"""


def _prepare(url: str) -> dict:
    """Create a tourism editor for the province and return the site the test edits."""
    db = open_database(url)
    with db.transaction() as session:
        row = session.execute(
            select(Feature.id, Feature.record_id, Feature.name, Feature.x, Feature.y).where(
                Feature.layer_id == "geopark", Feature.name == SITE
            )
        ).one()
        create_user(session, EDITOR, PASSWORD, "tourism_editor")
    db.engine.dispose()
    return {"id": row.id, "key": site_key(row.record_id, row.name), "record_id": row.record_id,
            "x": row.x, "y": row.y}  # fmt: skip


@pytest.fixture(scope="module")
def tourism_server(serve_portal):
    """The portal on a private copy of the store, with a tourism editor; yields (url, site)."""
    site: dict = {}
    with serve_portal("geopark-live", prepare=lambda path: site.update(_prepare(path))) as (
        base,
        _db_url,
    ):
        yield base, site


def _screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def _open_public(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=30000)


def _assert_nothing_internal(page, site: dict) -> None:
    html = page.content()
    assert "demo-geopark-" not in html and site["record_id"] not in html
    text = page.locator("main").inner_text()
    assert [w for w in STATUS_WORDS if w in text] == []


def test_an_editor_writes_the_chinese_description_and_a_visitor_reads_and_shares_it(
    sign_in, watched_tab, tourism_server
):
    base, site = tourism_server
    # The tourism editor: the site's popup on the main map, its edit panel, the Chinese text.
    with watched_tab(base, viewport={"width": 1440, "height": 900}) as page:
        sign_in(page, base, EDITOR, PASSWORD)
        page.goto(f"{base}/?layer=geopark&show=geopark&lat={site['y']:.5f}"
                  f"&lon={site['x']:.5f}&z=15")  # fmt: skip
        page.wait_for_function(
            "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded", timeout=30000
        )
        page.wait_for_selector(".portal-map[data-portal-edit='ready']", timeout=15000)
        panel = open_record_form(
            page,
            f"path.feature-marker[data-id='{site['id']}']",
            site["id"],
            "edit",
            "[id^='portal-edit-description_zh-']",
        )
        field = panel.locator("[id^='portal-edit-description_zh-']")
        field.fill(DESCRIPTION_ZH)
        panel.locator(".portal-edit-save").click()
        panel.locator(".alert-success").wait_for()

    # A visitor in Chinese sees it at once, with no id and no status.
    with watched_tab(base, viewport={"width": 1440, "height": 900}, locale="zh-CN") as page:
        answers = []
        page.on("response", lambda r: answers.append(r) if "/api/" in r.url else None)
        _open_public(page, f"{base}/geopark?lang=zh")
        assert page.get_attribute("html", "lang") == "zh-Hans"
        card = page.locator(f"#site-{site['key']}")
        assert DESCRIPTION_ZH in card.inner_text()
        _assert_nothing_internal(page, site)
        for answer in answers:
            assert "demo-geopark-" not in answer.text(), answer.url

        # Tapping the card centres the map on the site and opens its popup.
        card.locator(".site-meta").click()
        popup = page.locator(".leaflet-popup")
        popup.wait_for()
        assert popup.inner_text().startswith(SITE)
        centre = page.evaluate("() => GeoparkPublic.state.map.getCenter()")
        assert abs(centre["lat"] - site["y"]) < 1e-3 and abs(centre["lng"] - site["x"]) < 1e-3
        assert page.evaluate("() => GeoparkPublic.state.opened") == site["key"]
        assert "is-selected" in card.get_attribute("class")
        _screenshot(page, "geopark-public-zh-desktop")

        # The address is now the site's link; the card's own link is the same.
        shared = page.url
        assert f"site={site['key']}" in shared and "lang=zh" in shared
        assert f"site={site['key']}" in card.locator(".site-share").get_attribute("href")

    # Whoever opens the shared link lands on the same site, popup open, on a phone too.
    with watched_tab(base, viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        _open_public(page, shared)
        popup = page.locator(".leaflet-popup")
        popup.wait_for()
        assert popup.inner_text().startswith(SITE)
        assert DESCRIPTION_ZH in page.locator(f"#site-{site['key']}").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
        # The popup ends inside the map (once Leaflet's pan into view is over), and the map
        # stays on top while the list scrolls.
        page.wait_for_function(POPUP_INSIDE_MAP, timeout=5000)
        page.evaluate("() => window.scrollTo(0, 2500)")
        page.wait_for_function("() => window.scrollY > 1000")
        assert abs(page.locator("#geopark-map").bounding_box()["y"]) < 2
        _assert_nothing_internal(page, site)
        _screenshot(page, "geopark-public-zh-phone")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_public_page_speaks_one_language_at_a_time(watched_tab, tourism_server, lang):
    base, site = tourism_server
    with watched_tab(base, viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        _open_public(page, f"{base}/geopark?lang={lang}")
        text = page.locator("main").inner_text()
        mau_son = page.locator(".site-card", has_text="Mẫu Sơn").first.inner_text()
        if lang == "en":
            assert "Places to visit" in text and "Mẫu Sơn Mountain" in mau_son
            assert "Khối núi cao nhất tỉnh" not in mau_son
        else:
            assert "Điểm tham quan" in text and "Khối núi cao nhất tỉnh" in mau_son
            assert "The province's highest massif" not in mau_son
        assert page.locator(".site-card").count() >= 10
        _assert_nothing_internal(page, site)
        _screenshot(page, f"geopark-public-{lang}-phone")
