"""The "Print the monthly briefing" form of the targets board, in Chromium (issue 14, item 4).

A planner picks the dates in the day/month/year fields; the form asks for the PDF with them.
Screenshots go to the test's folder (looked at once by the author, not compared).
"""

from __future__ import annotations

import pytest

from portal.services.accounts import create_user
from portal.store.db import open_database
from tests.pdf_reading import pdf_pages_text

pytestmark = pytest.mark.browser

PLANNER = "kehoach.baocao"
PASSWORD = "Báo cáo tháng Lạng Sơn"
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _prepare(url: str) -> None:
    db = open_database(url)
    with db.transaction() as session:
        create_user(session, PLANNER, PASSWORD, "planner")
    db.engine.dispose()


@pytest.fixture(scope="module")
def briefing_server(serve_portal):
    """The portal on a private copy of the demo store, with a planner."""
    with serve_portal("briefing-live", prepare=_prepare) as (base, _db_url):
        yield base


@pytest.mark.parametrize("size", list(SIZES))
def test_a_planner_prints_the_briefing_with_the_dates_chosen(
    sign_in, watched_tab, briefing_server, tmp_path, size
):
    base = briefing_server
    with watched_tab(base, viewport=SIZES[size]) as tab:
        sign_in(tab, base, PLANNER, PASSWORD)
        tab.goto(base + "/targets?as_of=2025-11-30")
        form = tab.locator("form.briefing-form")
        assert form.is_visible()
        assert tab.locator("#briefing-print").inner_text() == "In báo cáo tháng"
        assert tab.locator("#b-asof").input_value() == "30/11/2025"
        tab.fill("#b-since", "31/10/2025")
        right = tab.evaluate("() => document.querySelector('form.briefing-form')"
                             ".getBoundingClientRect().right")  # fmt: skip
        assert right <= SIZES[size]["width"]
        tab.screenshot(path=str(tmp_path / f"board-briefing-{size}.png"), full_page=True)
        query = tab.evaluate("() => { const f = document.querySelector('form.briefing-form');"
                             " return f.getAttribute('action') + '?' +"
                             " new URLSearchParams(new FormData(f)).toString(); }")  # fmt: skip
        assert query == "/reports/briefing.pdf?as_of=2025-11-30&since=2025-10-31&lang=vi"
        answer = tab.request.get(base + query)
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
        text = " ".join(" ".join(pdf_pages_text(answer.body())).split())
        assert "Thay đổi kể từ báo cáo kỳ trước, ngày 31/10/2025" in text
        print(tmp_path)
