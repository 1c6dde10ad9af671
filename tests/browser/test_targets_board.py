"""The plan's targets board in Chromium, on a desktop and on a phone (issue 14).

The board counts the targets on track, filters its cards by status, and a card clicked opens
its target's page with the history table and, for the poverty rate, the commune map.
Screenshots go to the test's folder (looked at once by the author, not compared).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_board_filters_and_a_card_opens_its_page(watched_tab, live_server, tmp_path, size):
    with watched_tab(live_server, viewport=SIZES[size]) as tab:
        tab.goto(live_server + "/targets?as_of=2025-11-30")
        count = tab.locator("#targets-count")
        assert "trên 9 chỉ tiêu đúng tiến độ tính đến 30/11/2025" in count.inner_text()
        on_track = int(count.get_attribute("data-on-track"))
        cards = tab.locator(".target-card")
        assert cards.count() == 9
        tab.screenshot(path=str(tmp_path / f"board-{size}.png"), full_page=True)
        # No card wider than the screen on a phone.
        widths = tab.evaluate("() => [...document.querySelectorAll('.target-card')]"
                              ".map(c => c.getBoundingClientRect().right)")  # fmt: skip
        assert max(widths) <= SIZES[size]["width"]
        tab.click("[data-filter=on_track]")
        assert tab.locator(".target-card:visible").count() == on_track
        assert tab.locator("[data-filter=on_track]").get_attribute("aria-pressed") == "true"
        tab.click("[data-filter='']")
        assert tab.locator(".target-card:visible").count() == 9
        with tab.expect_navigation():
            tab.click(".target-card[data-code=NGHEO] .target-link")
        assert tab.url.endswith("/targets/NGHEO?as_of=2025-11-30")
        assert tab.locator("h1").inner_text().startswith("Tỷ lệ hộ nghèo đa chiều")
        assert tab.locator(".target-history tbody tr").count() == 2
        assert tab.locator(".area-map path[data-code]").count() == 65
        tab.screenshot(path=str(tmp_path / f"target-{size}.png"), full_page=True)
        print(tmp_path)
