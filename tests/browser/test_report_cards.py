"""Report cards in Chromium: a planner prints a commune's card from its page, then the
province's batch with its progress bar, on a desktop (issue 14, item 3).

Screenshots go to the test's folder (looked at once by the author, not compared).
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile

import pytest

from portal.web import report_jobs
from tests.browser.conftest import with_account
from tests.conftest import running_portal

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


def test_a_batch_whose_server_stopped_is_made_again_when_its_planner_comes_back(
    watched_tab, sign_in, stores, template_url, tmp_path
):
    """The server stops in the middle of a district batch; a new one serves the same instance.

    The job's file is dated back past ``STALLED_S`` instead of waiting that long. When the
    planner opens the page again, the batch is listed, made again and followed to its ZIP.
    """
    folder = tmp_path / "instance"
    folder.mkdir()
    db_url = stores.new(folder, template_url)
    try:
        with_account(PLANNER, PASSWORD, "planner")(db_url)
        with running_portal(db_url, folder) as first:
            with watched_tab(first.base) as tab:
                sign_in(tab, first.base, PLANNER, PASSWORD)
                tab.goto(first.base + "/reports/cards")
                tab.select_option("#rc-level", "district")
                tab.click("#report-cards-form button[type=submit]")
                tab.locator("#report-cards-status").filter(
                    has_text=re.compile(r"^[1-9][0-9]* trên 11 thẻ$")).wait_for(timeout=120_000)
        (path,) = (folder / "report-cards").glob("*.json")
        left = json.loads(path.read_text())
        assert left["state"] == "running" and 1 <= left["done"] < 11, left
        quiet = time.time() - report_jobs.STALLED_S - 30
        os.utime(path, (quiet, quiet))

        with running_portal(db_url, folder) as second:
            with watched_tab(second.base) as tab:
                sign_in(tab, second.base, PLANNER, PASSWORD)
                tab.goto(second.base + "/reports/cards")
                row = tab.locator(f"#report-cards-jobs tr[data-job='{left['id']}']")
                assert row.locator("td").nth(1).inner_text() == "Huyện, thành phố"
                status = tab.locator("#report-cards-status")
                status.filter(has_text=re.compile(
                    r"^[0-9]+ trên 11 thẻ\. Máy chủ đã khởi động lại trong lúc làm thẻ")).wait_for()
                tab.screenshot(path=str(tmp_path / "resumed.png"), full_page=True)
                tab.wait_for_selector("#report-cards-download:not([hidden])", timeout=180_000)
                assert status.inner_text() == "Xong: 11 thẻ."
                assert row.locator("td").last.inner_text() == "Tải tệp ZIP (11 thẻ)"
            phone = {"width": 390, "height": 844}
            with watched_tab(second.base, viewport=phone) as tab:
                sign_in(tab, second.base, PLANNER, PASSWORD)
                tab.goto(second.base + "/reports/cards")
                link = tab.locator(f"#report-cards-jobs tr[data-job='{left['id']}'] a")
                assert link.inner_text() == "Tải tệp ZIP"
                assert link.get_attribute("href") == f"/reports/cards/{left['id']}.zip"
                tab.screenshot(path=str(tmp_path / "listed-390.png"), full_page=True)
                assert tab.evaluate("document.documentElement.scrollWidth") <= phone["width"]
                cells = tab.locator(f"#report-cards-jobs tr[data-job='{left['id']}'] td")
                for i in range(cells.count()):  # each batch is a block: nothing cut on the right
                    box = cells.nth(i).bounding_box()
                    assert box["x"] + box["width"] <= phone["width"], (i, box)
                label = cells.nth(1).evaluate("td => getComputedStyle(td, '::before').content")
                assert label == '"Cấp"'  # its label, above the value
        state = json.loads(path.read_text())
        assert (state["state"], state["done"], state["resumes"]) == ("done", 11, 1)
    finally:
        stores.drop(db_url)
