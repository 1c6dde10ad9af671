"""A telecom editor updates a village's status from its map popup, in headless Chromium.

The tests run their own portal (a copy of the prepared store with a telecom editor of the
village's commune) so their edits do not change what the other browser tests see. The map
builder loads the editing add-on (Geoman and the ``edit-*.js`` files) for signed-in editors.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState
from tests.browser.record_forms import open_record_form

pytestmark = pytest.mark.browser

EDITOR = "tram.viettel"
PASSWORD = "Cột sóng Mẫu Sơn 2025"
TODAY = dt.date.today().isoformat()


def _prepare(url: str) -> dict:
    """Pick a village half-way through the workflow and create an editor of its commune."""
    db = open_database(url)
    with db.transaction() as session:
        row = session.execute(
            select(Feature.id, Feature.commune_code, Feature.x, Feature.y, FeatureState.status)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "power")
            .order_by(Feature.id)
            .limit(1)
        ).one()  # fmt: skip
        create_user(session, EDITOR, PASSWORD, "telecom_editor", areas=(row.commune_code,))
    db.engine.dispose()
    return {"id": row.id, "commune": row.commune_code, "x": row.x, "y": row.y,
            "status": row.status, "next": "station_built"}  # fmt: skip


@pytest.fixture(scope="module")
def editing_server(serve_portal):
    """The portal on a private copy of the store, with a telecom editor; yields (url, village)."""
    village: dict = {}
    with serve_portal("edit-live", prepare=lambda path: village.update(_prepare(path))) as (
        base,
        db_url,
    ):
        village["db_url"] = str(db_url)
        yield base, village


@pytest.fixture(scope="module")
def editor_session(signed_in_state, editing_server):
    """The editor's signed-in cookies, signed in once: sign-ins are rate-limited per user."""
    base, _village = editing_server
    return signed_in_state(base, EDITOR, PASSWORD)


@pytest.fixture
def editor_page(watched_tab, editing_server, editor_session):
    """A page signed in as the telecom editor; fails on console errors and foreign requests.

    A test that provokes an HTTP error names it in ``allowed_errors``.
    """
    base, _village = editing_server
    with watched_tab(
        base, viewport={"width": 1280, "height": 860}, storage_state=editor_session
    ) as tab:
        yield tab


def _load_editing(page) -> None:
    """Wait for the editing add-on that the map builder loads for editors."""
    page.wait_for_function("() => window.PortalMap && PortalMap.state && PortalMap.state.loaded",
                           timeout=30000)  # fmt: skip
    assert page.evaluate("() => !!window.PortalEdit")
    page.wait_for_selector(".portal-map[data-portal-edit='ready']", timeout=15000)


def _progress(page, base: str, commune: str) -> dict:
    rows = page.request.get(f"{base}/api/progress?layer=signal&level=commune&as_of={TODAY}").json()
    return next(r for r in rows if r["code"] == commune)


def _screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_a_telecom_editor_moves_a_village_to_its_next_milestone_from_the_popup(
    editor_page, editing_server
):
    base, village = editing_server
    page = editor_page
    before = _progress(page, base, village["commune"])
    page.goto(
        f"{base}/?layer=signal&show=signal&lat={village['y']:.5f}&lon={village['x']:.5f}&z=15"
    )
    _load_editing(page)
    assert page.locator(".leaflet-pm-toolbar .leaflet-pm-icon-marker").count() == 1

    marker = f"path.feature-marker[data-layer='signal'][data-id='{village['id']}']"
    page.locator(marker).click()
    actions = page.locator(f".portal-edit-actions[data-id='{village['id']}']")
    actions.wait_for()
    assert actions.locator("button").first.inner_text() == "Cập nhật trạng thái"
    _screenshot(page, "edit-popup-actions")
    panel = open_record_form(page, marker, village["id"], "status", "select", popup_open=True)
    status = panel.locator("select").first
    assert status.locator("option:not([disabled])").evaluate_all(
        "options => options.map(o => o.value)"
    ) == [village["status"], village["next"]]
    status.select_option(village["next"])
    panel.locator("textarea[id^='portal-edit-reason-']").fill("Đã lắp xong trạm BTS")
    panel.locator(".portal-edit-save").click()
    panel.locator(".alert-success").wait_for()
    _screenshot(page, "edit-status-saved")

    after = _progress(page, base, village["commune"])
    assert after["status_counts"].get(village["next"], 0) == (
        before["status_counts"].get(village["next"], 0) + 1
    )
    assert after["status_counts"].get("power", 0) == before["status_counts"].get("power", 0) - 1
    history = page.request.get(f"{base}/api/layers/signal/features/{village['id']}/history").json()[
        "history"
    ]
    latest = history[0]
    assert (latest["status"], latest["valid_from"], latest["valid_to"]) == (
        village["next"],
        TODAY,
        None,
    )
    assert latest["author"] == EDITOR and latest["note"] == "Đã lắp xong trạm BTS"
    assert history[1]["status"] == village["status"] and history[1]["valid_to"] == TODAY

    # The same edit is in "what changed" since yesterday and in the audit log.
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    changes = page.request.get(
        f"{base}/api/changes?since={yesterday}&until={TODAY}&layer=signal&level=commune"
    ).json()
    changed = [r for r in changes["records"] if r["id"] == village["id"]]
    assert changed and changed[0]["class"] == "advanced"
    db = open_database(village["db_url"])
    with db.engine.connect() as connection:
        events = [
            tuple(row)
            for row in connection.execute(
                text("SELECT actor, action, reason FROM audit_events WHERE feature_id = :fid"),
                {"fid": village["id"]},
            )
        ]
    db.engine.dispose()
    assert (EDITOR, "status", "Đã lắp xong trạm BTS") in events


def _open_village(page, base: str, village: dict) -> None:
    page.goto(
        f"{base}/?layer=signal&show=signal&lat={village['y']:.5f}&lon={village['x']:.5f}&z=15"
    )
    _load_editing(page)


def _record(page, base: str, fid: int) -> dict:
    return page.request.get(f"{base}/api/layers/signal/features/{fid}").json()


def test_a_conflicting_edit_shows_both_versions_and_the_reload_applies_the_change_again(
    editor_page, editing_server
):
    base, village = editing_server
    page = editor_page
    page.allowed_errors.append("status of 409")
    _open_village(page, base, village)
    panel = open_record_form(page, f"path.feature-marker[data-id='{village['id']}']",
                             village["id"], "edit", "[id^='portal-edit-households-']")  # fmt: skip
    households = panel.locator("[id^='portal-edit-households-']")

    # Someone else saves first, from another tab.
    stored = _record(page, base, village["id"])
    token = page.get_attribute("meta[name='csrf-token']", "content")
    other = page.request.patch(
        f"{base}/api/layers/signal/features/{village['id']}",
        data={"version": stored["version"], "properties": {"households": 140}},
        headers={"X-CSRFToken": token},
    )
    assert other.status == 200

    households.fill("150")
    panel.locator(".portal-edit-save").click()
    conflict = page.locator(".portal-edit-conflict")
    conflict.wait_for()
    changed = conflict.locator("tr.table-warning")
    assert changed.count() == 1
    assert changed.locator(".portal-edit-current").inner_text() == "140"
    assert changed.locator(".portal-edit-yours").inner_text() == "150"
    assert _record(page, base, village["id"])["properties"]["households"] == 140

    page.locator(".portal-edit-reload").click()
    households = page.locator(".portal-edit-panel [id^='portal-edit-households-']")
    households.wait_for()
    assert households.input_value() == "140"
    households.fill("150")
    page.locator(".portal-edit-panel .portal-edit-save").click()
    page.locator(".portal-edit-panel .alert-success").wait_for()
    assert _record(page, base, village["id"])["properties"]["households"] == 150


def test_an_editor_draws_a_new_village_and_fills_its_form(editor_page, editing_server):
    base, village = editing_server
    page = editor_page
    _open_village(page, base, village)
    page.locator(".leaflet-pm-icon-marker").click()
    point = page.evaluate(
        "([lat, lon]) => PortalMap.state.map.latLngToContainerPoint([lat, lon])",
        [village["y"] + 0.0015, village["x"] + 0.0015],
    )
    page.locator(".portal-map").click(position={"x": point["x"], "y": point["y"]})
    panel = page.locator(".portal-edit-panel")
    panel.locator("[id^='portal-edit-village-']").fill("Bản Nà Mới")
    panel.locator("[id^='portal-edit-households-']").fill("23")
    panel.locator("[id^='portal-edit-operator-']").select_option("vnpt")
    statuses = panel.locator("[id^='portal-edit-status-'] option:not([disabled])")
    assert statuses.evaluate_all("options => options.map(o => o.value)") == ["listed"]
    panel.locator("textarea[id^='portal-edit-reason-']").fill("Thôn mới tách")
    panel.locator(".portal-edit-save").click()
    panel.locator(".alert-success").wait_for()
    found = page.request.get(f"{base}/api/search?q=Ban Na Moi").json()
    record = next(r for r in found if r["kind"] == "feature" and r["name"] == "Bản Nà Mới")
    body = _record(page, base, record["id"])
    assert body["properties"]["commune_code"] == village["commune"]
    assert body["properties"]["operator"] == "vnpt" and body["properties"]["households"] == 23
    assert body["properties"]["status"] == "listed" and body["version"] == 1


def _png(width: int = 64, height: int = 48) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


# What each action's panel shows once it is ready.
_ACTION_READY = {
    "move": "textarea",
    "photos": "input[type=file]",
    "delete": "textarea[id^='portal-edit-reason-']",
}


def _popup_action(page, village: dict, action: str) -> None:
    marker = f"path.feature-marker[data-id='{village['id']}']"
    open_record_form(page, marker, village["id"], action, _ACTION_READY[action])


def test_an_editor_moves_a_village_by_dragging_it(editor_page, editing_server):
    base, village = editing_server
    page = editor_page
    _open_village(page, base, village)
    before = _record(page, base, village["id"])
    _popup_action(page, village, "move")
    handle = page.locator(".leaflet-marker-icon.leaflet-pm-draggable")
    handle.wait_for()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=8)
    page.mouse.up()
    page.locator(".portal-edit-panel textarea").fill("Đo lại bằng GPS")
    page.locator(".portal-edit-panel .portal-edit-save").click()
    page.locator(".portal-edit-panel .alert-success").wait_for()
    after = _record(page, base, village["id"])
    assert after["version"] == before["version"] + 1
    lon, lat = after["geometry"]["coordinates"]
    assert lon > before["geometry"]["coordinates"][0] and lat < before["geometry"]["coordinates"][1]
    assert page.locator(".leaflet-pm-draggable").count() == 0


def test_an_editor_adds_a_photo_then_deletes_the_village_and_undoes_it(editor_page, editing_server):
    base, village = editing_server
    page = editor_page
    _open_village(page, base, village)
    _popup_action(page, village, "photos")
    panel = page.locator(".portal-edit-panel")
    panel.locator("input[type=file]").set_input_files(
        {"name": "tram.png", "mimeType": "image/png", "buffer": _png()}
    )
    panel.locator(".portal-edit-save").click()
    thumb = page.locator(".portal-edit-panel .portal-edit-photos img")
    thumb.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.portal-edit-photos img');"
        " return i && i.complete && i.naturalWidth === 64; }"
    )
    page.locator(".portal-edit-panel .btn-close").click()

    _popup_action(page, village, "delete")
    panel.locator("textarea[id^='portal-edit-reason-']").fill("Nhập trùng")
    panel.locator(".portal-edit-save").click()
    panel.locator(".alert-success").wait_for()
    assert _record(page, base, village["id"])["deleted"] is True
    panel.locator("button", has_text="Hoàn tác").click()
    panel.locator(".alert-success", has_text="khôi phục").wait_for()
    restored = _record(page, base, village["id"])
    assert restored["deleted"] is False and len(restored["photos"]) == 1
