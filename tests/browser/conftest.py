"""Live portals on 127.0.0.1 and headless Chromium (Debian's package) driven by Playwright.

Every browser module serves the portal through `serve_portal` (in ``tests/conftest.py``: the
console script on a copy of the session's prepared store). Read-only tests share one server,
``live_server``; a module whose tests write gets its own.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

import shapely

from portal.services.accounts import create_user
from portal.store import loader
from portal.store.db import open_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVIL_NAME = '<img src=x onerror="window.__xss=1">Hang `${1+1}` {{7*7}}'
# A spot with no other geopark site within a few kilometres (Đình Lập's forests).
EVIL_POINT = (107.3000, 21.6100)


def with_account(username: str, password: str, role: str) -> Callable[[str], None]:
    """Return a store preparation (``serve_portal(prepare=...)``) that adds one account."""

    def prepare(url: str) -> None:
        db = open_database(url)
        with db.transaction() as session:
            create_user(session, username, password, role)
        db.engine.dispose()

    return prepare


@pytest.fixture(scope="session")
def evil_record() -> tuple[str, tuple[float, float]]:
    """Name and position of the geopark record whose name is an XSS attempt."""
    return EVIL_NAME, EVIL_POINT


def _add_evil_record(url: str) -> None:
    db = open_database(url)
    with db.transaction() as session:
        loader.write_records(session, [loader.RecordRow(
            layer_id="geopark", record_id="XSS-TEST", name=EVIL_NAME,
            attributes={"site_type": "geosite"},
            geometry=shapely.Point(*EVIL_POINT),
            history=[loader.StateRow(date=dt.date(2025, 1, 5), status="surveyed")],
        )])
    db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(serve_portal):
    """The real portal, shared by every read-only browser test (with the XSS record added)."""
    with serve_portal("live", prepare=_add_evil_record) as (base, _db_url):
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Debian's chromium package is required (scripts/setup.sh --test)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that a test must fail on: console errors, requests to other hosts.

    A console error containing one of ``allowed`` (a test that provokes an HTTP error names it
    there) is not counted.
    """

    def __init__(self, base: str) -> None:
        self.host = urlparse(base).netloc
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.allowed: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error" and not any(a in message.text for a in self.allowed):
            self.errors.append(message.text)

    def on_request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != self.host:
            self.foreign.append(request.url)


@pytest.fixture(scope="session")
def watched_tab(browser):
    """Return a context manager opening a tab on ``base`` in a new browser context.

    ``watched_tab(base, **context_options)`` yields the tab (its `PageWatch` as ``tab.watch``,
    its ``allowed_errors`` list the watch's); on leaving, the context is closed and console
    errors or requests to other hosts fail the test.
    """

    @contextmanager
    def open_tab(base: str, **context_options) -> Iterator:
        options = {"viewport": {"width": 1440, "height": 900}, "locale": "vi-VN"}
        context = browser.new_context(**(options | context_options))
        tab = context.new_page()
        watch = PageWatch(base)
        tab.on("console", watch.on_console)
        tab.on("pageerror", lambda exc: watch.errors.append(f"page error: {exc}"))
        tab.on("request", watch.on_request)
        tab.watch = watch
        tab.allowed_errors = watch.allowed
        try:
            yield tab
        finally:
            context.close()
        assert not watch.errors, f"browser console errors: {watch.errors}"
        assert not watch.foreign, f"requests outside 127.0.0.1: {watch.foreign}"

    return open_tab


# Pages drawn by the map client (portal-map.js); /geopark draws its own small map.
MAP_CLIENT_PAGES = {"/", "/planning", "/telecom", "/area"}


def settle(tab, path: str) -> None:
    """Wait until the page at ``path`` (already opened in ``tab``) has drawn and gone quiet."""
    stem = "/" + urlparse(path).path.strip("/").split("/")[0]
    if stem in MAP_CLIENT_PAGES:
        tab.wait_for_function(
            "() => window.PortalMap && window.PortalMap.state && window.PortalMap.state.loaded",
            timeout=30000,
        )
    if stem == "/geopark":
        tab.wait_for_function("() => window.GeoparkPublic && GeoparkPublic.state.loaded")
    if stem == "/telecom":
        tab.wait_for_selector("#left-chart[data-ready='true']")
    tab.wait_for_load_state("networkidle")


@pytest.fixture(scope="session")
def settled():
    """Return ``settle(tab, path)``: waits until an opened page has drawn and gone quiet."""
    return settle


def _sign_in(tab, base: str, username: str, password: str) -> None:
    tab.goto(f"{base}/login")
    tab.fill("#username", username)
    tab.fill("#password", password)
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert tab.locator("form[action*='logout']").count() == 1, f"{username} is not signed in"


@pytest.fixture(scope="session")
def sign_in():
    """Return ``sign_in(tab, base, username, password)``: signs the tab in through the form."""
    return _sign_in


@pytest.fixture(scope="session")
def signed_in_state(browser):
    """Return ``state(base, username, password)``: the user's cookies, signed in once.

    Sign-ins are rate-limited per user, so a module signs in once and opens its tabs with
    ``storage_state=``.
    """

    def state(base: str, username: str, password: str, locale: str = "vi-VN") -> dict:
        context = browser.new_context(locale=locale)
        try:
            _sign_in(context.new_page(), base, username, password)
            return context.storage_state()
        finally:
            context.close()

    return state


@pytest.fixture
def page(watched_tab, live_server):
    """A fresh browser page; the test fails on any console error or foreign request."""
    with watched_tab(live_server) as tab:
        yield tab


@pytest.fixture
def open_map(page, live_server):
    """Open a map page and wait until the client has drawn boundaries and visible layers."""

    def go(path: str = "/", timeout_ms: int = 30000):
        page.goto(live_server + path)
        page.wait_for_function(
            "() => window.PortalMap && window.PortalMap.state && window.PortalMap.state.loaded",
            timeout=timeout_ms,
        )
        return page

    return go


@pytest.fixture
def screenshot(page):
    """Save a screenshot under artifacts/screenshots for people to look at."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return shoot
