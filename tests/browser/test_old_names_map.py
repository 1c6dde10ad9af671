"""Old names in the map's search box, and "over target" in an area's popup and tooltip."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def test_searching_an_old_commune_says_where_it_went_and_opens_the_2025_commune(open_map, page):
    open_map("/")
    page.fill("#portal-search-input", "bac quynh")
    result = page.locator(".portal-search-item", has_text="Xã Bắc Quỳnh").first
    result.wait_for()
    assert "nay thuộc Xã Bắc Sơn" in result.inner_text()
    assert "Huyện Bắc Sơn, trước 1/7/2025" in result.inner_text()
    result.click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('area') === '06325'")
    assert parse_qs(urlparse(page.url).query)["level"] == ["commune"]
    popup = page.locator(".leaflet-popup .portal-popup")
    popup.wait_for()
    assert "Xã Bắc Sơn" in popup.inner_text()


def test_an_area_over_target_says_so_in_its_popup_and_the_legend(open_map, page):
    open_map("/?layer=transport&level=district&as_of=2025-11-30&show=&area=188")
    page.evaluate("() => PortalMap.state")  # the map is up
    page.locator("#portal-search-input").fill("huyen loc binh")
    result = page.locator(".portal-search-item", has_text="Huyện Lộc Bình").first
    result.wait_for()
    result.click()
    popup = page.locator(".leaflet-popup .portal-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "169" in text and "vượt chỉ tiêu" in text
    assert "Tỷ lệ trên 100: vượt chỉ tiêu" in page.locator(".portal-legend").inner_text()
