"""Every page draws fully in headless Chromium with the Content-Security-Policy in force.

The pages are served by the shared live portal. The edits these tests once applied to a second
portal of their own (a nonce on every ``<script>`` of the templates, hidden counts drawn as "<3"
in the map client) are in the portal now, so the real templates and scripts are what is tested:
no page needs ``'unsafe-inline'`` for its scripts.
"""

from __future__ import annotations

import pytest

PAGES = [
    "/", "/?lang=en&layer=housing&level=district", "/planning", "/planning?layer=housing",
    "/geopark", "/telecom", "/about", "/login", "/area/commune/{commune}",
]
# A record of violations, set before any page script runs (DevTools' init scripts are not
# subject to the page's policy).
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def commune_code(base: str, page) -> str:
    areas = page.request.get(f"{base}/api/areas?level=commune").json()
    return areas["features"][0]["properties"]["code"]


def open_page(tab, base: str, path: str, settle) -> dict[str, list[str]]:
    """Open ``path``, wait until it has drawn, return its parsed policy."""
    response = tab.goto(base + path)
    header = response.headers["content-security-policy"]
    settle(tab, path)
    assert tab.evaluate("window.__csp") == [], path
    return {name: values for name, *values in (d.split() for d in header.split(";"))}


def assert_only_own_origin(policy: dict[str, list[str]]) -> None:
    for values in policy.values():
        for source in values:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:") or (
                source.startswith(("'nonce-", "'sha256-"))
            ), source


@pytest.mark.parametrize("path", PAGES)
def test_every_page_draws_with_the_policy_in_force_and_no_unsafe_inline_script(
    settled, page, live_server, path
):
    page.add_init_script(WATCH_CSP)
    path = path.format(commune=commune_code(live_server, page))
    policy = open_page(page, live_server, path, settled)
    assert_only_own_origin(policy)
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"], path


@pytest.fixture
def strict_page(watched_tab, live_server):
    """A 1280 px page recording CSP violations; console errors and other hosts fail the test."""
    with watched_tab(live_server, viewport={"width": 1280, "height": 860}) as tab:
        tab.add_init_script(WATCH_CSP)
        yield tab


def test_a_hidden_small_count_shows_as_less_than_3_in_bubbles_and_popups(settled, strict_page,
                                                                         live_server):
    # Before any record was done most communes had 0 to 2 households in the programme.
    open_page(strict_page, live_server,
              "/?layer=housing&level=commune&show=housing&as_of=2025-02-10", settled)
    bubbles = strict_page.locator(".area-count[data-layer='housing']")
    texts = bubbles.all_inner_texts()
    assert "<3" in texts, texts
    assert not [t for t in texts if "NaN" in t or t.strip() == "–"]
    small = strict_page.locator(".area-count[data-count='<3']").first
    small.click()
    popup = strict_page.locator(".leaflet-popup-content").last
    popup.wait_for()
    text = popup.inner_text()
    assert "<3" in text and "NaN" not in text, text
