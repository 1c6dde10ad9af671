"""The map as its users see it, in headless Chromium: popups clear of the controls (a bottom sheet
on a phone), pages that keep their address, names that read without a base map, and figures
that follow an editor's save without a reload.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState
from tests.browser.record_forms import open_record_form

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# Zoomed in on the province's middle, where communes cover the whole map.
INSIDE = "lat=21.84&lon=106.62&z=11&show="
LOADED = "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"

# A point next to a corner's controls (beside the top ones, above the bottom ones) that lies
# on a commune; null when none is found.
NEAR_CORNER = """([v, h]) => {
  const map = PortalMap.state.map, c = map.getContainer(), r = c.getBoundingClientRect();
  const box = c.querySelector('.leaflet-' + v + '.leaflet-' + h).getBoundingClientRect();
  for (let step = 12; step < 500; step += 12) {
    const x = h === 'left' ? box.right + step : box.left - step;
    for (let dy = 20; dy < 300; dy += 15) {
      const y = v === 'top' ? r.top + dy : r.bottom - dy;
      const hit = document.elementFromPoint(x, y);
      if (hit && hit.classList.contains('area-shape')) return [x, y];
    }
  }
  return null;
}"""

# The open popup's box, the map's, and the controls whose boxes meet the popup's.
POPUP_STATE = """() => {
  const map = PortalMap.state.map, c = map.getContainer().getBoundingClientRect();
  const pop = document.querySelector('.leaflet-popup');
  if (!pop) return null;
  const p = pop.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
  const meets = r => r.width && r.height && r.left < p.right && p.left < r.right
    && r.top < p.bottom && p.top < r.bottom;
  const under = [...map.getContainer().querySelectorAll('.leaflet-control')]
    .filter(e => meets(e.getBoundingClientRect())).map(e => e.className);
  // What the reader sees on a grid over the popup: the popup itself, or what covers it.
  const covered = [];
  for (let i = 1; i < 6; i++) for (let j = 1; j < 6; j++) {
    const x = p.left + p.width * i / 6, y = p.top + p.height * j / 6;
    const top = document.elementFromPoint(x, y);
    if (!top || !pop.contains(top)) covered.push([x, y, top && top.className]);
  }
  return {
    popup: [p.left, p.top, p.right, p.bottom], map: [c.left, c.top, c.right, c.bottom],
    inside: p.left >= c.left && p.right <= c.right && p.top >= c.top && p.bottom <= c.bottom,
    under, covered, sheet: pop.classList.contains('portal-sheet'),
    focused: pop.contains(document.activeElement),
  };
}"""

SETTLED = "() => { const m = PortalMap.state.map; return !(m._panAnim && m._panAnim._inProgress); }"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(LOADED, timeout=30000)


def _popup_next_to(page, corner: str) -> dict:
    point = page.evaluate(NEAR_CORNER, corner.split())
    assert point, f"no commune next to the {corner} controls"
    page.mouse.click(*point)
    page.wait_for_selector(".leaflet-popup")
    page.wait_for_function(SETTLED)
    return page.evaluate(POPUP_STATE)


@pytest.mark.parametrize("corner", ["top left", "top right", "bottom left", "bottom right"])
def test_a_popup_opened_next_to_a_control_is_fully_in_view_and_under_no_control(
    watched_tab, live_server, corner
):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/?{INSIDE}")
        state = _popup_next_to(page, corner)
        assert state["inside"], state
        assert state["under"] == [], state
        assert state["covered"] == [], state
        assert not state["sheet"]


@pytest.mark.parametrize("corner", ["top left", "top right", "bottom left", "bottom right"])
def test_on_a_phone_a_record_opens_as_a_bottom_sheet_above_every_control(
    watched_tab, live_server, corner
):
    with watched_tab(live_server, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        _open(page, f"{live_server}/?{INSIDE}")
        state = _popup_next_to(page, corner)
        assert state["sheet"] and state["inside"] and state["focused"], state
        assert state["covered"] == [], state
        left, _top, right, bottom = state["popup"]
        assert (left, right, bottom) == (state["map"][0], state["map"][2], state["map"][3])
        page.keyboard.press("Escape")
        page.wait_for_selector(".leaflet-popup", state="detached")


# The options panel (the record filters panel shares its look and class).
OPTIONS = ".portal-settings:not(.portal-filters)"


def test_legend_and_options_start_folded_on_a_half_width_map_and_remember_the_choice(
    watched_tab, live_server
):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/area/commune/06325")
        # The legend, the options and the record filters.
        folded = (
            "() => [...document.querySelectorAll('.portal-legend, .portal-settings')]"
            ".map(d => d.open)"
        )
        assert page.evaluate(folded) == [False, False, False]
        page.click(".portal-legend > summary")
        _open(page, f"{live_server}/area/commune/06325")
        assert page.evaluate("() => document.querySelector('.portal-legend').open") is True
        _open(page, f"{live_server}/")
        assert page.evaluate(f"() => document.querySelector('{OPTIONS}').open") is True


def test_an_area_page_reloads_to_itself_and_names_a_date_only_once_one_is_picked(
    watched_tab, live_server
):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/area/commune/06325?layer=signal")
        page.wait_for_function("() => location.search.includes('lat=')")
        assert page.evaluate("() => location.pathname") == "/area/commune/06325"
        assert "as_of" not in page.url
        page.reload()
        page.wait_for_function(LOADED, timeout=30000)
        assert page.evaluate("() => location.pathname") == "/area/commune/06325"
        assert page.locator("h1").inner_text() == "Xã Bắc Sơn"
        assert "as_of" not in page.url

        page.click(f"{OPTIONS} > summary")
        page.fill("#portal-setting-as-of", "2025-06-30")
        page.dispatch_event("#portal-setting-as-of", "change")
        page.wait_for_function("() => location.search.includes('as_of=2025-06-30')")
        assert page.evaluate("() => location.pathname") == "/area/commune/06325"


def test_a_fractional_zoom_survives_a_reload(watched_tab, live_server):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/?lat=21.85&lon=106.62&z=10.75")
        assert page.evaluate("() => PortalMap.state.map.getZoom()") == 10.75
        page.wait_for_function("() => location.search.includes('z=10.75')")
        page.reload()
        page.wait_for_function(LOADED, timeout=30000)
        assert page.evaluate("() => PortalMap.state.map.getZoom()") == 10.75


LABELS = """(kind) => [...document.querySelectorAll('.map-label-' + kind + ' span')].map(s => {
  const r = s.getBoundingClientRect();
  return {name: s.textContent, box: [r.left, r.top, r.right, r.bottom]};
})"""


def _overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (al, at, ar, ab), (bl, bt, br, bb) = a["box"], b["box"]
            if al < br and bl < ar and at < bb and bt < ab:
                pairs.append((a["name"], b["name"]))
    return pairs


def test_district_names_at_province_zoom_commune_names_one_step_in_none_overlapping(
    watched_tab, live_server
):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/?show=")
        # Names are placed once the boundaries of the level have been drawn, after "loaded".
        page.wait_for_function(
            "() => document.querySelectorAll('.map-label-district span').length >= 8"
        )
        districts = page.evaluate(LABELS, "district")
        names = {d["name"] for d in districts}
        assert len(districts) >= 8 and {"Bắc Sơn", "Cao Lộc", "Hữu Lũng"} <= names, names
        assert page.evaluate(LABELS, "area") == []
        assert _overlapping(districts) == []

        page.evaluate("() => PortalMap.state.map.setZoom(PortalMap.state.map.getZoom() + 1)")
        page.wait_for_function("() => document.querySelectorAll('.map-label-area').length > 20")
        communes = page.evaluate(LABELS, "area")
        assert page.evaluate(LABELS, "district") == []
        assert _overlapping(communes) == []


def test_border_gates_are_named_where_they_stand_apart(watched_tab, live_server):
    with watched_tab(live_server, viewport=DESKTOP) as page:
        _open(page, f"{live_server}/?show=border&lat=21.96&lon=106.72&z=11")
        gates = page.evaluate(LABELS, "point")
        assert any(g["name"].startswith("Cửa khẩu") for g in gates), gates
        assert _overlapping(gates + page.evaluate(LABELS, "area")) == []


# ------------------------------------------------------------------ a save, seen without reload

EDITOR = "song.mobifone"
PASSWORD = "Trạm Đồng Đăng 2025"


def _prepare(url: str) -> dict:
    """Pick a village whose next step puts it on air and create an editor of its commune."""
    db = open_database(url)
    with db.transaction() as session:
        row = session.execute(
            select(Feature.id, Feature.commune_code, Feature.x, Feature.y)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "station_built")
            .order_by(Feature.id)
            .limit(1)
        ).one()  # fmt: skip
        create_user(session, EDITOR, PASSWORD, "telecom_editor", areas=(row.commune_code,))
    db.engine.dispose()
    return {"id": row.id, "commune": row.commune_code, "x": row.x, "y": row.y}


@pytest.fixture(scope="module")
def writer_server(serve_portal):
    """A private portal whose maps show today, the date of a save; yields (url, village)."""
    village: dict = {}
    with serve_portal(
        "map-view-edit",
        prepare=lambda path: village.update(_prepare(path)),
        default_as_of=dt.date.today().isoformat(),
    ) as (base, _db_url):
        yield base, village


def test_after_a_save_the_counters_the_chart_and_the_map_change_without_a_reload(
    sign_in, watched_tab, writer_server
):
    base, village = writer_server
    with watched_tab(base, viewport={"width": 1280, "height": 860}) as page:
        sign_in(page, base, EDITOR, PASSWORD)
        _open(page, f"{base}/telecom?lat={village['y']:.5f}&lon={village['x']:.5f}&z=15")
        page.wait_for_selector(".portal-map[data-portal-edit='ready']", timeout=15000)
        assert "as_of" not in page.url
        left = int(page.locator("[data-figure=left]").inner_text())
        on_air = page.locator(".milestones [data-status=on_air]").inner_text()
        history = page.get_attribute("canvas[data-chart]", "data-history")
        page.evaluate("() => { window.__samePage = true; }")
        events = page.evaluate_handle(
            "() => { const seen = []; document.addEventListener('portal:data-changed',"
            " e => seen.push(e.detail)); return seen; }"
        )

        marker = f"path.feature-marker[data-layer='signal'][data-id='{village['id']}']"
        panel = open_record_form(page, marker, village["id"], "status", "select")
        panel.locator("select").first.select_option("on_air")
        panel.locator("textarea").fill("Trạm đã phát sóng")
        panel.locator(".portal-edit-save").click()
        panel.locator(".alert-success").wait_for()

        page.wait_for_function(
            "(left) => document.querySelector('[data-figure=left]').textContent.trim() === left",
            arg=str(left - 1),
        )
        assert page.locator(".milestones [data-status=on_air]").inner_text() != on_air
        assert page.get_attribute("canvas[data-chart]", "data-history") != history
        page.wait_for_function(
            "(sel) => { const m = document.querySelector(sel);"
            " return m && m.getAttribute('fill') === '#43a047'; }",
            arg=marker,
        )
        assert events.json_value() == [{"layer": "signal", "recordId": str(village["id"])}]
        assert page.evaluate("() => window.__samePage") is True
        assert "as_of" not in page.url
