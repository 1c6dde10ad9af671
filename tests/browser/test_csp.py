"""Every page draws fully in headless Chromium with the Content-Security-Policy in force.

Two portals: the live server as it is, and one in this process with the edits proposed for
the templates (``with_nonces``: a nonce on every ``<script>``) and the map client
(``PENDING_JS``: hidden counts drawn as "<3"). Each replacement applies only while its old text
is still there, so once the edits land both portals are the same and these two can go.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
from urllib.parse import urlparse

import pytest
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.serving import make_server

from portal import create_app

PAGES = [
    "/", "/?lang=en&layer=housing&level=district", "/planning", "/planning?layer=housing",
    "/geopark", "/telecom", "/about", "/login", "/area/commune/{commune}",
]
MAP_PAGES = {"/", "/planning", "/geopark", "/telecom", "/area"}
# A record of violations, set before any page script runs (DevTools' init scripts are not
# subject to the page's policy).
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""

#: portal-map.js: hidden counts ("<3", "≥3" strings) show as text, never NaN or "–".
PENDING_JS = [
    (
        "  function fmtNum(value) {\n    return isNum(value)",
        "  function fmtNum(value) {\n"
        "    if (typeof value === 'string') return value;  // a hidden small count: \"<3\"\n"
        "    return isNum(value)",
    ),
    (
        "  function fmtPercent(value) {",
        "  // A target to show: a number above 0, or a hidden small one.\n"
        "  function hasTarget(row) {\n"
        "    return typeof row.target === 'string' || (isNum(row.target) && row.target > 0);\n"
        "  }\n\n"
        "  function fmtPercent(value) {",
    ),
    (
        "        isNum(row.target) && row.target > 0 ? fmtNum(row.done) + ' / ' + "
        "fmtNum(row.target) : t('no_target'));",
        "        hasTarget(row) ? fmtNum(row.done) + ' / ' + fmtNum(row.target) : "
        "t('no_target'));",
    ),
    (
        "    addField(shell.fields, t('target'), isNum(row.target) && row.target > 0 ? "
        "fmtNum(row.target) : t('no_target'));",
        "    addField(shell.fields, t('target'), hasTarget(row) ? fmtNum(row.target) : "
        "t('no_target'));\n"
        "    if (row.suppressed) shell.root.appendChild(el('div', 'portal-popup-note', "
        "t('suppressed_note')));",
    ),
    (
        "    var size = count < 10 ? 'small'",
        "    var size = !isNum(count) || count < 10 ? 'small'",
    ),
    (
        "      if (!row || !point || !(row.count > 0 || row.target > 0)) return;",
        "      if (!row || !point || !(typeof row.count === 'string' || row.count > 0 || "
        "hasTarget(row))) return;",
    ),
    (
        "      records += row.count || 0;",
        "      records += isNum(row.count) ? row.count : 0;",
    ),
]


def with_nonces(source: str) -> str:
    """Templates: every <script> tag carries the response's nonce."""
    return re.sub(r"<script(?![^>]*\bnonce=)", '<script nonce="{{ csp_nonce() }}"', source)


def pending_js(source: str) -> str:
    # Where the old text is gone the edit landed (perhaps reworded): the file is tested as is.
    for old, new in PENDING_JS:
        source = source.replace(old, new, 1)
    return source


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def nonce_server(template_db, tmp_path_factory):
    """The portal with the pending edits, served from a thread on a free 127.0.0.1 port."""
    folder = tmp_path_factory.mktemp("csp")
    shutil.copy(template_db, folder / "portal.sqlite3")
    app = create_app({"database_url": f"sqlite:///{folder / 'portal.sqlite3'}",
                      "instance_path": folder, "default_as_of": "2025-11-30",
                      "auto_seed": False})
    env = app.jinja_env
    sources = {name: with_nonces(env.loader.get_source(env, name)[0])
               for name in env.list_templates() if name.endswith(".html")}
    env.loader = ChoiceLoader([DictLoader(sources), env.loader])
    static = folder / "static"
    shutil.copytree(app.static_folder, static)
    script = static / "js" / "portal-map.js"
    script.write_text(pending_js(script.read_text(encoding="utf-8")), encoding="utf-8")
    app.static_folder = str(static)
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["portal_db"].engine.dispose()


def commune_code(base: str, page) -> str:
    areas = page.request.get(f"{base}/api/areas?level=commune").json()
    return areas["features"][0]["properties"]["code"]


def open_page(tab, base: str, path: str) -> dict[str, list[str]]:
    """Open ``path``, wait until it has drawn, return its parsed policy."""
    response = tab.goto(base + path)
    header = response.headers["content-security-policy"]
    stem = "/" + urlparse(path).path.strip("/").split("/")[0]
    if stem in MAP_PAGES:
        tab.wait_for_function(
            "() => window.PortalMap && window.PortalMap.state && window.PortalMap.state.loaded",
            timeout=30000,
        )
    if stem == "/telecom":
        tab.wait_for_selector("#left-chart[data-ready='true']")
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("window.__csp") == [], path
    return {name: values for name, *values in (d.split() for d in header.split(";"))}


def assert_only_own_origin(policy: dict[str, list[str]]) -> None:
    for values in policy.values():
        for source in values:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:") or (
                source.startswith(("'nonce-", "'sha256-"))
            ), source


@pytest.mark.parametrize("path", PAGES)
def test_every_page_draws_with_the_policy_in_force(page, live_server, path):
    page.add_init_script(WATCH_CSP)
    path = path.format(commune=commune_code(live_server, page))
    policy = open_page(page, live_server, path)
    assert_only_own_origin(policy)
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.fixture
def strict_page(browser, nonce_server):
    """A page on the pending-edits portal; console errors and other hosts fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    tab = context.new_page()
    errors, foreign = [], []
    host = urlparse(nonce_server).netloc
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    tab.on("request", lambda r: foreign.append(r.url)
           if urlparse(r.url).scheme.startswith("http") and urlparse(r.url).netloc != host
           else None)
    tab.add_init_script(WATCH_CSP)
    yield tab
    context.close()
    assert not errors, errors
    assert not foreign, foreign


@pytest.mark.parametrize("path", PAGES)
def test_with_nonces_every_page_draws_without_unsafe_inline_scripts(strict_page, nonce_server,
                                                                    path):
    path = path.format(commune=commune_code(nonce_server, strict_page))
    policy = open_page(strict_page, nonce_server, path)
    assert_only_own_origin(policy)
    assert "'unsafe-inline'" not in policy["script-src"], path


def test_a_hidden_small_count_shows_as_less_than_3_in_bubbles_and_popups(strict_page,
                                                                         nonce_server):
    # Before any record was done most communes had 0 to 2 households in the programme.
    open_page(strict_page, nonce_server,
              "/?layer=housing&level=commune&show=housing&as_of=2025-02-10")
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
