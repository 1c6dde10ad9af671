"""Every page passes axe-core without a serious or critical violation, and the keyboard works.

axe-core comes from npm (``package.json``'s devDependencies, installed by ``npm ci`` in
``scripts/setup.sh``) and is injected by Playwright from ``node_modules/axe-core/axe.min.js``:
it is never served by the portal nor copied to ``portal/static/vendor``, so visitors never load
it. The contexts bypass the Content-Security-Policy only so that the injected script may run.

Each page is checked in Vietnamese and English, at 1440x900 and 390x844, signed out and signed
in as an administrator (one browser, one context per combination). A failure lists each
violation as ``[impact] rule-id | page (lang, viewport, who) | CSS target | what to fix``, so
that whoever adds markup sees exactly what to change.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.store.models import Area

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ADMIN = "quantri.a11y"
PASSWORD = "Bàn phím và trình đọc 2025"

PUBLIC_PAGES = [
    "/", "/planning", "/area/commune/{commune}", "/geopark", "/telecom", "/about", "/changes",
    "/login",
]
SIGNED_IN_PAGES = [
    *[p for p in PUBLIC_PAGES if p != "/login"], "/import", "/admin/audit", "/admin/users",
    "/admin/users/{admin_id}", "/admin/boundaries",
]
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
FAILING_IMPACTS = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def _prepare(url: str) -> dict:
    """Create an administrator and pick a commune for the area page."""
    db = open_database(url)
    with db.transaction() as session:
        user = create_user(session, ADMIN, PASSWORD, "admin", display_name="Quản trị A11y")
        session.flush()
        commune = session.execute(
            select(Area.code).where(Area.level == "commune").order_by(Area.code).limit(1)
        ).scalar_one()
        admin_id = user.id
    db.engine.dispose()
    return {"commune": commune, "admin_id": admin_id}


@pytest.fixture(scope="module")
def a11y_server(serve_portal):
    """A private portal with an administrator; yields (base URL, page placeholders)."""
    values: dict = {}
    with serve_portal("a11y", prepare=lambda path: values.update(_prepare(path))) as (base, _db):
        yield base, values


@pytest.fixture(scope="module")
def admin_state(signed_in_state, a11y_server):
    """The administrator's signed-in cookies, signed in once (sign-ins are rate-limited)."""
    base, _values = a11y_server
    return signed_in_state(base, ADMIN, PASSWORD)


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _open(tab, url: str, path: str, settle) -> None:
    """Open a page and wait until its map, charts and requests have settled."""
    tab.goto(url)
    settle(tab, path)


def axe_violations(tab, url: str, path: str, settle) -> list[dict]:
    """Open ``url`` in ``tab``, run axe-core, return its serious and critical violations."""
    _open(tab, url, path, settle)
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[tuple[str, dict]]) -> str:
    """One line per failing element, then a count by rule: what the failure message shows."""
    lines = []
    for where, v in violations:
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(
                f"[{v['impact']}] {v['id']} | {where} | {node['target']} | {v['help']}: {summary}"
            )
    counts = Counter()
    for _where, v in violations:
        counts[v["id"]] += len(v["nodes"])
    lines.append("by rule: " + ", ".join(f"{rule} {n}" for rule, n in counts.most_common()))
    return "\n".join(lines)


def test_axe_core_is_installed_and_never_served():
    """The test's engine is there (``npm ci``) and stays out of the files pages load."""
    assert AXE.is_file(), "node_modules/axe-core is missing: run `npm ci` (scripts/setup.sh)"
    from portal.web import assets

    shipped = [*assets.VENDOR_FILES, *assets.VENDOR_FILES.values(),
               *assets.PAGE_ASSETS["js"], *assets.MAP_ASSETS["js"]]  # fmt: skip
    assert not [name for name in shipped if "axe" in name.lower()]


@pytest.mark.parametrize("who", ["signed out", "admin"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_serious_axe_violations(settled, browser, a11y_server, admin_state, lang, viewport, who):
    """Every page, in this language, size and sign-in state, has no serious axe violation."""
    base, values = a11y_server
    options = {"viewport": VIEWPORTS[viewport], "locale": "vi-VN", "bypass_csp": True}
    if who == "admin":
        options["storage_state"] = admin_state
    context = browser.new_context(**options)
    tab = context.new_page()
    pages = SIGNED_IN_PAGES if who == "admin" else PUBLIC_PAGES
    found: list[tuple[str, dict]] = []
    try:
        for template in pages:
            path = template.format(**values)
            where = f"{path} ({lang}, {viewport}, {who})"
            url = base + _with_lang(path, lang)
            found += [(where, v) for v in axe_violations(tab, url, path, settled)]
    finally:
        context.close()
    count = sum(len(v["nodes"]) for _w, v in found)
    assert not found, f"{count} serious or critical axe-core violations:\n{describe(found)}"


@pytest.fixture
def tab(browser, a11y_server):
    """A signed-out desktop tab on the accessibility portal (Vietnamese)."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), cls: e.getAttribute('class') || '', id: e.id,
          text: (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 60),
          outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth)};
}"""


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    settled, tab, a11y_server
):
    base, _values = a11y_server
    _open(tab, f"{base}/planning", "/planning", settled)
    tab.keyboard.press("Tab")
    first = tab.evaluate(FOCUSED)
    assert (first["tag"], first["text"]) == ("a", "Bỏ qua đến nội dung chính")
    assert first["outline"] >= 2
    assert tab.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"


def test_map_shapes_are_no_tab_stops_and_the_search_box_comes_early(settled, tab, a11y_server):
    """The search box was the 270th Tab stop, after 257 unnamed shapes."""
    base, _values = a11y_server
    _open(tab, f"{base}/", "/", settled)
    shapes = tab.evaluate(
        "[...document.querySelectorAll('.leaflet-container path')].map(p => p.tabIndex)"
    )
    assert len(shapes) > 50 and max(shapes) == -1
    unnamed = tab.evaluate("""[...document.querySelectorAll('.leaflet-marker-icon')]
      .filter(m => m.tabIndex >= 0 && !(m.title || m.alt || m.getAttribute('aria-label')
               || m.textContent.trim())).length""")
    assert unnamed == 0
    stops = []
    for _ in range(30):
        tab.keyboard.press("Tab")
        stops.append(tab.evaluate(FOCUSED))
        if "portal-search-input" in stops[-1]["cls"]:
            break
    assert "portal-search-input" in stops[-1]["cls"], stops
    assert len(stops) <= 20, [s["text"] or s["cls"] for s in stops]
    assert [s for s in stops if s["outline"] < 2] == []  # focus visible on every stop


def test_the_telecom_chart_has_a_summary_and_a_table_of_its_figures(settled, tab, a11y_server):
    base, _values = a11y_server
    _open(tab, f"{base}/telecom?lang=en", "/telecom", settled)
    chart = tab.evaluate("""() => {
      const canvas = document.querySelector('#left-chart');
      const c = Chart.getChart(canvas);
      return {labels: c.data.labels, sets: c.data.datasets.map(d => [d.label, d.data]),
              name: canvas.getAttribute('aria-label'), role: canvas.getAttribute('role')};
    }""")
    table = tab.evaluate("""() => {
      const t = document.querySelector('table[data-chart-table="left-chart"]');
      return {head: [...t.tHead.rows[0].cells].map(c => c.textContent),
              rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent)),
              hidden: t.parentElement.classList.contains('visually-hidden')};
    }""")
    assert chart["role"] == "img" and len(chart["labels"]) >= 2
    assert table["hidden"]
    assert table["head"] == ["", *[label for label, _data in chart["sets"]]]
    expected = [[str(label), *[f"{data[i]:,}" for _l, data in chart["sets"]]]
                for i, label in enumerate(chart["labels"])]  # fmt: skip
    assert table["rows"] == expected
    first_set, last_label = chart["sets"][0], chart["labels"][-1]
    assert chart["name"].startswith("Villages left over time: ")
    assert f"{first_set[0]} {first_set[1][0]:,} → {first_set[1][-1]:,}" in chart["name"]
    assert chart["name"].endswith(f"– {last_label})")


def test_every_milestone_badge_has_text_at_4_5_to_1(settled, tab, a11y_server):
    base, _values = a11y_server
    _open(tab, f"{base}/telecom", "/telecom", settled)
    ratios = tab.evaluate("""[...document.querySelectorAll('.badge')].map(b => {
      const s = getComputedStyle(b);
      return [b.textContent.trim(), Portal.a11y.contrast(s.color, s.backgroundColor)];
    })""")
    assert len(ratios) >= 5
    assert [r for r in ratios if r[1] < 4.5] == []
