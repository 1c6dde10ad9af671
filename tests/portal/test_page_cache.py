"""Public pages kept whole for visitors: the same bytes for everyone not signed in, per data
version and language, their inline scripts allowed by hash; never for a signed-in user."""

from __future__ import annotations

import gzip
import re

import brotli

from portal.web.page_cache import public_page, without_nonce
from portal.web.security import script_hash

LATER = "2100-01-01"


def script_sources(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"script-src ([^;]+)", policy).group(1).split()


def inline_script_bodies(html: str) -> list[str]:
    return re.findall(r"<script((?:(?!\ssrc=)[^>])*)>(.*?)</script>", html, re.S)


def left_to_connect(page: str) -> int:
    figure = re.search(r'data-figure="left">([\d.]+)<', page).group(1)
    return int(figure.replace(".", ""))


def test_two_visitors_get_the_same_bytes_with_every_inline_script_allowed_by_hash(app):
    first = app.test_client().get("/")
    second = app.test_client().get("/")
    assert first.status_code == 200 and second.status_code == 200
    assert first.data == second.data
    html = first.get_data(as_text=True)
    assert "nonce=" not in html
    sources = script_sources(first)
    assert sources[0] == "'self'" and "'unsafe-inline'" not in sources
    assert not any(s.startswith("'nonce-") for s in sources)
    bodies = inline_script_bodies(html)
    assert len(bodies) >= 2
    assert all(script_hash(body) in sources for _attributes, body in bodies)
    assert first.headers["Content-Security-Policy"] == second.headers["Content-Security-Policy"]


def test_a_kept_page_is_compressed_once_and_revalidated_by_its_tag(app):
    client = app.test_client()
    plain = client.get("/planning?layer=signal")
    gzipped = client.get("/planning?layer=signal", headers={"Accept-Encoding": "gzip"})
    brotlied = client.get("/planning?layer=signal", headers={"Accept-Encoding": "br, gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert brotlied.headers["Content-Encoding"] == "br"
    assert gzip.decompress(gzipped.data) == plain.data
    assert brotli.decompress(brotlied.data) == plain.data
    assert set(brotlied.headers["Vary"].replace(" ", "").split(",")) == {"Accept-Encoding",
                                                                         "Cookie"}
    tag = brotlied.headers["ETag"]
    again = client.get("/planning?layer=signal",
                       headers={"Accept-Encoding": "br, gzip", "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert tag != gzipped.headers["ETag"]


def test_an_edit_retires_the_kept_page(app):
    visitor = app.test_client()
    before = left_to_connect(visitor.get(f"/telecom?as_of={LATER}").get_data(as_text=True))
    fid, version = waiting_village(app)
    staff = app.test_client()
    staff_token = sign_in(app, staff, "telecom_editor")
    deleted = staff.delete(f"/api/layers/signal/features/{fid}",
                           json={"version": version, "reason": "Trùng bản ghi"},
                           headers={"X-CSRFToken": staff_token})
    assert deleted.status_code == 200, deleted.get_json()
    after = left_to_connect(visitor.get(f"/telecom?as_of={LATER}").get_data(as_text=True))
    assert after == before - 1


def test_a_signed_in_user_never_gets_the_visitors_page(app, client, login):
    kept = client.get("/")
    assert "csrf-token" not in kept.get_data(as_text=True)
    login("planner", name="lan.planner")
    page = client.get("/")
    html = page.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}"' in html
    assert 'name="csrf-token"' in html and "lan.planner" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in page.headers
    client.post("/logout", headers={"X-CSRFToken": re.search(
        r'name="csrf-token" content="([^"]+)"', html).group(1)})
    assert client.get("/").data == kept.data


def test_each_language_gets_its_own_page(app):
    client = app.test_client()
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)  # the cookie it was given
    vietnamese = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="vi"' in vietnamese and vietnamese != english


def test_only_the_scripts_that_carried_the_nonce_are_allowed():
    page = ('<script nonce="abc">start()</script>'
            '<p>Bản <script>steal()</script></p>'
            '<script nonce="abc" src="/static/js/a.js"></script>')
    html, hashes = without_nonce(page, "abc")
    assert hashes == {script_hash("start()")}
    assert script_hash("steal()") not in hashes
    assert html == ('<script>start()</script><p>Bản <script>steal()</script></p>'
                    '<script src="/static/js/a.js"></script>')
    assert without_nonce('<script nonce="abc">var n = "abc";</script>', "abc") is None


def test_a_page_that_sets_a_cookie_or_never_used_the_nonce_is_not_kept(app):
    from flask import make_response, render_template_string

    calls = []

    @public_page
    def counted():
        calls.append(1)
        response = make_response(render_template_string(
            '<script nonce="{{ csp_nonce() }}">go()</script>{{ n }}', n=len(calls)))
        response.set_cookie("seen", "1")
        return response

    @public_page
    def legacy():
        calls.append(1)
        return render_template_string("<script>old()</script>")

    app.add_url_rule("/test-cookie", "test_cookie", counted)
    app.add_url_rule("/test-legacy", "test_legacy", legacy)
    client = app.test_client()
    assert client.get("/test-cookie").data != client.get("/test-cookie").data
    legacy_page = client.get("/test-legacy")
    client.get("/test-legacy")
    assert len(calls) == 4
    assert "'unsafe-inline'" in script_sources(legacy_page)


def test_made_up_addresses_neither_flood_nor_evict_the_main_cache(app):
    from portal.web.cache import PAGE_CACHE_SIZE

    client = app.test_client()
    page = client.get("/about")
    kept = [v for k, v in app.extensions["portal_page_cache"]._items.items() if k[0] == "page"]
    assert len(kept) == 1 and kept[0].body.get(None) == page.data
    assert client.get("/api/progress?layer=signal&level=commune").status_code == 200
    main = dict(app.extensions["portal_cache"]._items)
    assert not [k for k in main if k[0] == "page"]
    for n in range(PAGE_CACHE_SIZE + 20):  # a crawler's junk query strings
        assert client.get(f"/about?utm_source={n}").status_code == 200
    assert dict(app.extensions["portal_cache"]._items) == main
    assert len(app.extensions["portal_page_cache"]._items) == PAGE_CACHE_SIZE


# --- helpers ---------------------------------------------------------------------------------


def waiting_village(app) -> tuple[int, int]:
    """(id, version) of a dead-zone village not yet on air."""
    from sqlalchemy import select

    from portal.store.models import Feature, FeatureState
    from portal.web.database import get_database

    with get_database(app).sessions() as session:
        row = session.execute(
            select(Feature.id, Feature.version)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "listed")
            .order_by(Feature.id).limit(1)
        ).one()
    return row.id, row.version


def sign_in(app, client, role: str) -> str:
    """Create a ``role`` account, sign ``client`` in, return its CSRF token."""
    from portal.services.accounts import create_user
    from portal.web.database import get_database
    from tests.conftest import LOGIN_PASSWORD, _sign_in_form_token

    with get_database(app).transaction() as session:
        create_user(session, f"{role}-test", LOGIN_PASSWORD, role)
    answer = client.post("/login", data={"username": f"{role}-test", "password": LOGIN_PASSWORD,
                                         "csrf_token": _sign_in_form_token(client)})
    assert answer.status_code == 302
    page = client.get("/import").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_panning_a_map_does_not_push_pages_and_area_figures_out_of_the_cache(app):
    from portal.web.cache import VIEW_CACHE_SIZE

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/api/progress?layer=signal&level=commune").status_code == 200
    kept = dict(app.extensions["portal_cache"]._items)
    app.extensions["portal_cache"].size = len(kept) + 5  # room for a few answers more
    for step in range(VIEW_CACHE_SIZE + 10):
        west = 106.2 + step * 0.001
        answer = client.get(f"/api/layers/signal/features?zoom=14&bbox={west:.3f},21.7,"
                            f"{west + 0.1:.3f},21.8")
        assert answer.status_code == 200
    assert dict(app.extensions["portal_cache"]._items) == kept
    assert len(app.extensions["portal_view_cache"]._items) == VIEW_CACHE_SIZE
