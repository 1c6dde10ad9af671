"""The editing and import forms in headless Chromium: help under every field, a multi-line
description, and an import preview (rows, problem cells, small map) before anything is written.

The module serves its own copy of the store with an industry editor of the whole province, so
its imports and edits do not change what the other browser tests see.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from layers import get_layer
from portal.store.db import open_database
from tests.browser.conftest import with_account
from tests.browser.record_forms import open_record_form

pytestmark = pytest.mark.browser

EDITOR = "ky.su.congnghiep"
PASSWORD = "Khu công nghiệp Đồng Bành 2025"
# An industry office's minimal list (id, name, WGS 84 position, everyday status, progress,
# date); the third row has a status the layer does not know.
OFFICE_CSV = (
    "ma,ten,kinh_do,vi_do,trang_thai,tien_do,ngay_cap_nhat\n"
    "CN-91,Cụm công nghiệp Na Dương 2,106.9253,21.6843,Đang triển khai,40,31/10/2025\n"
    "CN-92,Cụm công nghiệp Đình Lập 2,107.0639,21.5767,Tạm dừng,10,31/10/2025\n"
    "CN-93,Nhà máy điện sinh khối Chi Lăng 2,106.5106,21.5608,Sắp khởi công,0,31/10/2025\n"
)


@pytest.fixture(scope="module")
def forms_server(serve_portal):
    """The portal on a private copy of the store with an industry editor: (url, db path)."""
    editor = with_account(EDITOR, PASSWORD, "industry_editor")
    with serve_portal("forms-live", prepare=editor) as (base, db_url):
        yield base, db_url


@pytest.fixture(scope="module")
def editor_session(signed_in_state, forms_server):
    """The editor's signed-in cookies, signed in once (sign-ins are rate-limited)."""
    base, _db_url = forms_server
    return signed_in_state(base, EDITOR, PASSWORD)


@pytest.fixture(params=[(1440, 900), (390, 844)], ids=["desktop", "phone"])
def editor_page(request, watched_tab, forms_server, editor_session):
    """A page signed in as the industry editor, on a desktop and on a phone."""
    width, height = request.param
    base, _db_url = forms_server
    with watched_tab(base, viewport={"width": width, "height": height},
                     storage_state=editor_session) as tab:  # fmt: skip
        tab.size_name = "desktop" if width > 800 else "phone"
        yield tab


def _screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{page.size_name}.png"), full_page=True)


def _one_row(db_url: str, query: str) -> tuple:
    db = open_database(db_url)
    with db.engine.connect() as connection:
        row = tuple(connection.execute(text(query)).one())
    db.engine.dispose()
    return row


def _industry_count(db_url: str) -> int:
    return _one_row(db_url, "SELECT count(*) FROM features WHERE layer_id = 'industry'")[0]


def _first_industry_record(db_url: str) -> tuple[int, float, float]:
    return _one_row(
        db_url,
        "SELECT id, x, y FROM features WHERE layer_id = 'industry' AND geom_type = 'Point' "
        "ORDER BY id LIMIT 1",
    )


def test_the_edit_form_shows_a_description_text_area_with_its_help(editor_page, forms_server):
    base, db_url = forms_server
    page = editor_page
    fid, x, y = _first_industry_record(db_url)
    page.goto(f"{base}/?layer=industry&show=industry&lat={y:.5f}&lon={x:.5f}&z=15")
    page.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded",
                           timeout=30000)  # fmt: skip
    page.wait_for_selector(".portal-map[data-portal-edit='ready']", timeout=15000)
    panel = open_record_form(page, f"[data-layer='industry'][data-id='{fid}']", fid, "edit",
                             "textarea[id^='portal-edit-description-']")  # fmt: skip
    description = panel.locator("textarea[id^='portal-edit-description-']")
    layer = get_layer("industry")
    help_id = description.get_attribute("aria-describedby")
    assert page.locator(f"#{help_id}").inner_text() == layer.field("description").help_vi
    kind = panel.locator("select[id^='portal-edit-kind-']")
    assert page.locator(f"#{kind.get_attribute('aria-describedby')}").inner_text() == (
        layer.field("kind").help_vi
    )
    text = f"Giai đoạn 1: san nền\nGiai đoạn 2: đường nội bộ ({page.size_name})"
    description.fill(text)
    _screenshot(page, "forms-edit-panel")
    panel.locator(".portal-edit-save").click()
    panel.locator(".alert-success").wait_for()
    record = page.request.get(f"{base}/api/layers/industry/features/{fid}").json()
    assert record["properties"]["description"] == text


def test_an_office_list_is_previewed_with_its_bad_cell_and_points_before_it_is_written(
    editor_page, forms_server, tmp_path
):
    base, db_url = forms_server
    page = editor_page
    page.allowed_errors.append("422")
    before = _industry_count(db_url)
    page.goto(f"{base}/import")
    columns = page.locator("#template-industry")
    columns.locator("summary").click(position={"x": 5, "y": 5})
    progress = columns.locator("tr", has=page.locator("th", has_text="Tiến độ / Progress"))
    assert get_layer("industry").progress_help_vi in progress.inner_text()
    assert "tien_do, progress, phan_tram" in progress.inner_text()
    progress.scroll_into_view_if_needed()
    _screenshot(page, "forms-import-columns")
    columns.locator("summary").click(position={"x": 5, "y": 5})
    page.select_option("#i-layer", "industry")
    bad = tmp_path / "danh_sach_cong_nghiep.csv"
    bad.write_text(OFFICE_CSV, encoding="utf-8")
    page.set_input_files("#i-file", str(bad))
    page.click("#import-form button[type=submit]")
    preview = page.locator("#import-preview")
    preview.locator("table tbody tr").nth(2).wait_for()
    rows = preview.locator("table tbody tr")
    assert rows.count() == 3
    assert rows.evaluate_all("rows => rows.map(r => r.className)") == [
        "import-row-ok",
        "import-row-ok",
        "import-row-bad",
    ]
    bad_cells = preview.locator("td.import-cell-bad")
    assert bad_cells.count() == 1
    assert bad_cells.first.get_attribute("data-column") == "status"
    assert "Sắp khởi công" in bad_cells.first.inner_text()
    assert "không có trong lớp" in bad_cells.first.locator(".import-cell-message").inner_text()
    page.wait_for_function(
        "() => document.querySelectorAll('#import-preview-map path').length >= 4"
    )  # three points and the province outline
    assert preview.locator("path.import-point-ok").count() == 2
    assert preview.locator("path.import-point-bad").count() == 1
    assert page.locator(".import-confirm").count() == 0
    _screenshot(page, "forms-import-preview")
    assert _industry_count(db_url) == before

    fixed = tmp_path / "danh_sach_da_sua.csv"
    fixed.write_text(OFFICE_CSV.replace("Sắp khởi công", "Chưa triển khai")
                     .replace("CN-9", f"CN-{page.size_name}-"), encoding="utf-8")  # fmt: skip
    page.set_input_files("#i-file", str(fixed))
    page.click("#import-form button[type=submit]")
    page.locator(".import-confirm").wait_for()
    assert preview.locator("path.import-point-ok").count() == 3
    assert preview.locator("td.import-cell-bad").count() == 0
    assert _industry_count(db_url) == before
    page.click(".import-confirm")
    page.locator("#import-result .alert-success").wait_for()
    assert _industry_count(db_url) == before + 3


def test_a_long_list_is_counted_in_vietnamese_figures_before_and_after_it_is_written(
    editor_page, forms_server, tmp_path
):
    base, db_url = forms_server
    page = editor_page
    before = _industry_count(db_url)
    lines = ["ma,ten,kinh_do,vi_do,trang_thai,tien_do,ngay_cap_nhat"]
    for i in range(1_200):  # around Na Dương's cluster, well inside its commune
        lines.append(f"CN-{page.size_name}-D{i},Dự án thử {i},{106.9253 + (i % 40) * 1e-4:.4f},"
                     f"{21.6843 + (i // 40) * 1e-4:.4f},Đang triển khai,40,31/10/2025")
    path = tmp_path / "danh_sach_du_an_dai.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    page.goto(f"{base}/import")
    page.select_option("#i-layer", "industry")
    page.set_input_files("#i-file", str(path))
    page.click("#import-form button[type=submit]")
    page.locator(".import-confirm").wait_for()
    summary = page.locator("#import-result .alert p").nth(1)
    assert summary.inner_text() == "1.200 thêm mới · 0 cập nhật · 0 không đổi"
    page.click(".import-confirm")
    page.locator("#import-result .alert-success").wait_for()
    assert summary.inner_text() == "1.200 thêm mới · 0 cập nhật · 0 không đổi"
    assert _industry_count(db_url) == before + 1_200
