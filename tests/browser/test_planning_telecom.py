"""A planner's and a telecom reader's pages, driven by clicks in Chromium.

The module runs its own portal (a copy of the prepared store with one planner): the planner
keeps the lagging areas alone, zooms the map to one by clicking its row and downloads the table;
the telecom page lists the villages still to do before anything else and refreshes them after a
save; an English browser on the Vietnamese interface still reads dates as day/month/year.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState

pytestmark = pytest.mark.browser

PLANNER = "kehoach.tinh"
PASSWORD = "Kế hoạch Lạng Sơn 2025"
PLANNING = "/planning?layer=signal&level=commune&as_of=2025-09-30"
LOADED = "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"


def _prepare(url: str) -> dict:
    """Create the planner; return a village one step from going on air."""
    db = open_database(url)
    with db.transaction() as session:
        create_user(session, PLANNER, PASSWORD, "planner")
        village = session.execute(
            select(Feature.id, Feature.version, Feature.name)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "station_built", Feature.deleted_at.is_(None))
            .order_by(Feature.id).limit(1)
        ).one()  # fmt: skip
    db.engine.dispose()
    return {"fid": village.id, "version": village.version, "name": village.name}


@pytest.fixture(scope="module")
def planner_server(serve_portal):
    """The portal on a private copy of the store, with a planner; yields (url, facts)."""
    facts: dict = {}
    with serve_portal("planning-live", prepare=lambda p: facts.update(_prepare(p))) as (base, _):
        yield base, facts


def test_a_planner_filters_lagging_areas_zooms_to_one_and_exports_the_table(
    sign_in, watched_tab, planner_server
):
    base, _facts = planner_server
    with watched_tab(base) as page:
        sign_in(page, base, PLANNER, PASSWORD)
        page.goto(base + PLANNING)
        page.wait_for_function(LOADED, timeout=30000)
        rows = page.locator(".planning-table tbody tr[data-code]")
        total = rows.count()
        lagging = page.locator(".planning-table tbody tr[data-lagging='true']").count()
        assert 0 < lagging < total

        page.check("#lagging-only")
        visible = page.locator(".planning-table tbody tr[data-code]:visible")
        assert visible.count() == lagging
        assert visible.evaluate_all("rows => rows.every(r => r.dataset.lagging === 'true')")
        assert "lagging=1" in page.url
        count = page.locator("#planning-count").inner_text()
        assert count == f"Đang hiện {lagging} trên {total} địa bàn"

        # A click on a row selects its area on the map and zooms to it.
        zoom_before = page.evaluate("PortalMap.state.map.getZoom()")
        code = visible.nth(1).get_attribute("data-code")
        visible.nth(1).locator("td").nth(2).click()
        page.wait_for_function(f"() => PortalMap.option('area') === '{code}'", timeout=10000)
        page.wait_for_function(f"() => PortalMap.state.map.getZoom() > {zoom_before}",
                               timeout=10000)
        shown_codes = visible.evaluate_all("rows => rows.map(r => r.dataset.code)")

        with page.expect_download() as download:
            page.click(".download-progress a[data-format='csv']")
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert table[0][:3] == ["Thứ tự", "Địa bàn", "Mã địa bàn"]
        assert [r[2] for r in table[1:]] == shown_codes

        # The filter is kept in the address: a reload keeps it.
        page.reload()
        page.wait_for_function(LOADED, timeout=30000)
        assert page.is_checked("#lagging-only")
        assert page.locator(".planning-table tbody tr[data-code]:visible").count() == lagging


def test_the_telecom_page_lists_the_villages_to_do_first_and_refreshes_after_a_save(
    sign_in, watched_tab, planner_server
):
    base, facts = planner_server
    with watched_tab(base) as page:
        sign_in(page, base, PLANNER, PASSWORD)
        page.goto(f"{base}/telecom")
        page.wait_for_function(LOADED, timeout=30000)
        villages = page.locator("#villages-table tbody tr")
        before = villages.count()
        left = int(page.locator("[data-figure='left']").inner_text().replace(".", ""))
        assert before == left > 0
        box = page.locator("#villages-table").bounding_box()
        assert box["y"] < 900  # in the first screen, above the chart and the commune table
        days = villages.evaluate_all("rows => rows.map(r => Number(r.cells[4].dataset.value))")
        assert days == sorted(days, reverse=True)
        # Sorting by commune, by a click on its heading.
        page.click("#villages-table [data-sort='commune']")
        assert page.locator("#villages-table th").nth(1).get_attribute("aria-sort") == "ascending"
        assert villages.evaluate_all("""rows => rows.map(r => r.cells[1].dataset.value)
            .every((c, i, all) => !i || new Intl.Collator('vi').compare(all[i - 1], c) <= 0)""")

        # A save elsewhere on the page (here: the API), then the event the editor fires.
        answer = page.evaluate(
            """async f => (await Portal.core.request('POST',
                 `/api/layers/signal/features/${f.fid}/status`,
                 {body: {version: f.version, status: 'on_air', date: '2025-11-30',
                         reason: 'Đã phát sóng'}})).properties.status""",
            facts,
        )
        assert answer == "on_air"
        page.evaluate("document.dispatchEvent(new CustomEvent('portal:data-changed'))")
        page.wait_for_function("() => document.body.dataset.telecomRefreshed === '1'")
        assert villages.count() == before - 1
        assert page.locator("[data-figure='left']").inner_text() == str(left - 1)
        assert facts["name"].split(" – ")[0] not in page.locator("#villages-table").inner_text()


def test_the_phone_telecom_page_puts_the_map_above_the_tables(watched_tab, planner_server):
    base, _facts = planner_server
    with watched_tab(base, viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        page.goto(f"{base}/telecom")
        page.wait_for_function(LOADED, timeout=30000)
        map_box = page.locator(".map-panel").bounding_box()
        list_box = page.locator("#villages-table").bounding_box()
        assert map_box["y"] < list_box["y"]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        page.goto(base + PLANNING)
        page.wait_for_function(LOADED, timeout=30000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_english_browser_reads_vietnamese_dates_as_day_month_year(watched_tab, planner_server):
    base, _facts = planner_server
    with watched_tab(base, locale="en-US") as page:
        page.goto(base + PLANNING)
        page.wait_for_function(LOADED, timeout=30000)
        field = page.locator("#f-asof")
        assert field.get_attribute("type") == "text"
        assert field.input_value() == "30/09/2025"
        iso = page.locator("input[name='as_of'][type='hidden']").first
        assert iso.input_value() == "2025-09-30"
        # A typed date goes to the form as ISO; an impossible one is refused in words.
        field.fill("31/02/2025")
        field.press("Tab")
        assert "không phải là ngày" in page.locator(".date-field-message").first.inner_text()
        field.fill("15/10/2025")
        with page.expect_navigation():
            field.press("Enter")
        assert "as_of=2025-10-15" in page.url
        # The chart's axis on the telecom page: day/month/year too.
        page.goto(f"{base}/telecom")
        page.wait_for_function(
            "() => document.querySelector('canvas[data-chart]').dataset.ready === 'true'")
        labels = page.evaluate(
            "Chart.getChart(document.querySelector('canvas[data-chart]')).data.labels")
        assert labels and all(len(x) == 10 and x[2] == "/" and x[5] == "/" for x in labels)
        assert page.evaluate("Portal.core.fmtPercent(93.8)") == "93,8\u00a0%"
        assert page.evaluate("Portal.core.fmtNum(2256)") == "2.256"
