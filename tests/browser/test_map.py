"""The portal as a user sees it in headless Chromium.

The ``page`` fixture fails a test on any browser console error and on any request that leaves
127.0.0.1, so every test here also checks that.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

CLASS_BREAKS = (20, 40, 60, 80)


def _drawn(page) -> dict:
    return page.evaluate("() => Object.assign({}, PortalMap.state.drawn)")


def test_main_map_draws_the_65_communes_and_the_visible_layers(open_map, screenshot):
    page = open_map("/")
    assert page.locator("path.area-shape[data-level='commune']").count() == 65
    drawn = _drawn(page)
    assert drawn.get("industry", 0) > 0 and drawn.get("signal", 0) > 0
    legend = page.locator(".portal-legend")
    assert legend.is_visible()
    assert "Ranh giới gần đúng" in page.inner_text("body")
    assert "Dữ liệu minh họa" in page.inner_text("body")
    screenshot("main-map")


def test_district_choropleth_colours_each_area_by_its_progress(open_map, page, live_server):
    open_map("/?layer=signal&level=district&as_of=2025-09-30")
    shapes = page.locator("path.area-shape[data-level='district']")
    assert shapes.count() == 11
    rows = page.request.get(
        f"{live_server}/api/progress?layer=signal&level=district&as_of=2025-09-30"
    ).json()
    expected = {}
    for row in rows:
        if row["percent"] is None:
            expected[row["code"]] = "-1"
        else:
            expected[row["code"]] = str(sum(row["percent"] >= b for b in CLASS_BREAKS))
    drawn = {
        shapes.nth(i).get_attribute("data-code"): shapes.nth(i).get_attribute("data-class")
        for i in range(shapes.count())
    }
    assert drawn == expected
    lagging = {r["code"] for r in rows if r["lagging"]}
    assert page.locator("path.area-lagging").count() == len(lagging)


def test_a_layer_toggles_off_in_the_layer_control_and_the_url_follows(open_map, page):
    open_map("/?show=industry,geopark")
    assert page.locator(".feature-marker[data-layer='geopark']").count() > 0
    control = page.locator(".leaflet-control-layers")
    control.hover()
    label = page.locator(".leaflet-control-layers-overlays label", has_text="Công viên địa chất")
    label.locator("input").uncheck()
    page.wait_for_function(
        "() => document.querySelectorAll(\".feature-marker[data-layer='geopark']\").length === 0"
    )
    shown = parse_qs(urlparse(page.url).query).get("show", [""])[0].split(",")
    assert "geopark" not in shown and "industry" in shown


def test_a_popup_shows_hostile_text_as_text(open_map, page, evil_record, screenshot):
    name, (lon, lat) = evil_record
    open_map(f"/?show=geopark&layer=geopark&lat={lat}&lon={lon}&z=15")
    markers = page.locator(".feature-marker[data-layer='geopark']")
    assert markers.count() == 1
    markers.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    screenshot("popup-escaped")


def test_search_without_diacritics_finds_the_commune(open_map, page):
    open_map("/")
    page.fill("#portal-search-input", "huu lien")
    result = page.locator(".portal-search-item", has_text="Hữu Liên").first
    result.wait_for()
    before = page.url
    result.click()
    page.wait_for_function(
        "(before) => location.href !== before"
        " && new URL(location.href).searchParams.get('z') >= 11",
        arg=before,
    )
    query = parse_qs(urlparse(page.url).query)
    lat, lon = float(query["lat"][0]), float(query["lon"][0])
    assert abs(lat - 21.66) < 0.1 and abs(lon - 106.37) < 0.1


def test_the_english_switch_translates_page_and_map(open_map, page):
    open_map("/")
    page.click("text=English")
    page.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded")
    assert page.get_attribute("html", "lang") == "en"
    body = page.inner_text("body")
    assert "Approximate boundaries" in body and "Mobile blackspots" in body


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/planning?layer=signal", "planning"),
        ("/area/commune/06400", "area-huu-lien"),
        ("/telecom", "telecom"),
        ("/?lang=en&layer=housing&level=district", "main-map-en-housing"),
    ],
)
def test_every_map_page_draws_without_errors(open_map, page, screenshot, path, name):
    open_map(path)
    assert page.locator("path.area-shape").count() > 0
    screenshot(name)


def test_about_page_explains_the_data(page, live_server, screenshot):
    page.goto(f"{live_server}/about")
    assert "Ranh giới gần đúng" in page.inner_text("body")
    screenshot("about")


def test_telecom_chart_draws_villages_left_over_time(open_map, page):
    open_map("/telecom")
    page.wait_for_selector("#left-chart[data-ready='true']")
    left = int(page.inner_text("[data-figure='left']"))
    total = int(page.inner_text("[data-figure='total']"))
    assert 0 <= left <= total and total >= 100


def test_the_geopark_page_fits_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/geopark")
    # The public page draws its own map (static/js/geopark-public.js), boundaries included.
    page.wait_for_function("() => window.GeoparkPublic && GeoparkPublic.state.loaded")
    assert page.locator("path.area-shape").count() > 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    assert page.locator(".site-item").count() >= 10
    page.screenshot(path="artifacts/screenshots/geopark-phone.png")
    context.close()
    assert not errors


def test_on_a_phone_the_area_page_shows_each_layer_as_a_block_with_labelled_counts(
    watched_tab, live_server
):
    with watched_tab(live_server, viewport={"width": 390, "height": 844}) as tab:
        tab.goto(f"{live_server}/area/commune/06400", wait_until="networkidle")
        table = tab.locator("table.area-progress")
        assert table.locator("thead").is_hidden()
        wrapper = tab.locator(".table-responsive", has=table)
        assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing to scroll to
        row = table.locator("tr[data-layer='signal']")
        labels = row.locator("td[data-label]").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert labels == ['"Số lượng"', '"Đã hoàn thành"', '"Chỉ tiêu"']
        name = row.locator("td").first.bounding_box()
        assert name["width"] > 300  # the layer's name has the row's whole width
        for cell in row.locator("td").all():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
