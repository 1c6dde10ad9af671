"""Report cards in Chromium: a planner prints a commune's card from its page, then the
province's batch with its progress bar, on a desktop (issue 14, item 3).

Screenshots go to the test's folder (looked at once by the author, not compared).
"""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser.conftest import with_account

pytestmark = pytest.mark.browser

PLANNER, PASSWORD = "ke-hoach-the", "mat khau in the bao cao"


@pytest.fixture(scope="module")
def cards_server(serve_portal):
    """A portal with one planner account."""
    with serve_portal("cards", prepare=with_account(PLANNER, PASSWORD, "planner")) as (base, _):
        yield base


def test_a_planner_prints_a_card_and_a_level_with_a_progress_bar(watched_tab, sign_in,
                                                                 cards_server, tmp_path):
    with watched_tab(cards_server) as tab:
        sign_in(tab, cards_server, PLANNER, PASSWORD)
        tab.goto(cards_server + "/area/commune/05977?as_of=2025-11-30")
        button = tab.locator("#print-card")
        assert button.inner_text() == "In thẻ báo cáo"
        card = tab.request.get(cards_server + button.get_attribute("href"))
        assert card.status == 200 and card.headers["content-type"] == "application/pdf"
        assert card.body()[:5] == b"%PDF-"
        with tab.expect_navigation():
            tab.click("text=Thẻ của mọi địa bàn")
        tab.select_option("#rc-level", "province")
        tab.select_option("#rc-lang", "en")
        tab.click("#report-cards-form button[type=submit]")
        tab.wait_for_selector("#report-cards-download:not([hidden])", timeout=120_000)
        assert tab.locator("#report-cards-status").inner_text() == "Xong: 1 thẻ."
        meter = tab.locator("#report-cards-job [role=progressbar]")
        assert meter.get_attribute("aria-valuenow") == "100"
        tab.screenshot(path=str(tmp_path / "cards.png"), full_page=True)
        with tab.expect_download() as download:
            tab.click("#report-cards-download")
        data = download.value.path().read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == ["province-20-tinh-lang-son-2025-11-30-en.pdf"]
