"""Security headers, cookie flags, error pages without detail, and small-number suppression."""

from __future__ import annotations

import datetime as dt
import doctest
import io
import json
import re

import pytest
from flask import abort
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

import shapely

from layers import get_layer
from portal import create_app
from portal.services.accounts import create_user
from portal.services.disclosure import ShownProgress, Suppressed, suppress_small
from portal.store import loader
from portal.store.models import Area
from portal.store.progress import AreaProgress
from portal.web import security
from portal.web.database import get_database
from portal.web.security import content_security_policy, script_hash, tile_origin

PASSWORD = "correct horse battery staple"
SECRET = "qzsecret-db-password-/etc/shadow"
PAGES = [
    "/", "/?lang=en", "/planning", "/planning?layer=housing&level=district", "/geopark",
    "/telecom", "/about", "/login", "/no-such-page", "/api/layers", "/api/progress?layer=housing",
    "/api/no-such", "/static/css/portal.css",
]
ALLOWED_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
HARDENING = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = values
    return directives


def foreign_sources(policy: dict[str, list[str]]) -> list[str]:
    return [
        source for values in policy.values() for source in values
        if source not in ALLOWED_SOURCES and not source.startswith(("'nonce-", "'sha256-"))
    ]


def commune_code(app) -> str:
    with get_database(app).sessions() as session:
        return session.scalar(select(Area.code).where(Area.level == "commune").limit(1))


def sign_in(app, client, role: str, areas: tuple[str, ...] = ()):
    name = f"{role}-{'-'.join(areas) or 'tinh'}"
    with get_database(app).transaction() as session:
        create_user(session, name, PASSWORD, role, areas=areas)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": name, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return response


# --- Content-Security-Policy and hardening headers --------------------------------------------


@pytest.mark.parametrize("url", [*PAGES, "AREA"])
def test_every_answer_carries_a_csp_that_names_no_other_origin(client, app, url):
    if url == "AREA":
        url = f"/area/commune/{commune_code(app)}"
    response = client.get(url)
    response.close()
    policy = parse_csp(response.headers["Content-Security-Policy"])
    assert foreign_sources(policy) == []
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    for name, value in HARDENING.items():
        assert response.headers[name] == value, name
    assert response.headers["Permissions-Policy"] == "geolocation=(self)"


def test_a_view_keeps_its_own_stricter_policy(app):
    def image():
        return "x", 200, {"Content-Security-Policy": "default-src 'none'; sandbox"}

    app.add_url_rule("/test-image", "test_image", image)
    response = app.test_client().get("/test-image")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_json_answer_allows_no_inline_script(client):
    policy = parse_csp(client.get("/api/layers").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]


def test_a_configured_tile_server_is_allowed_for_images_only(db_url, tmp_path):
    app = create_app({"database_url": db_url, "instance_path": tmp_path,
                      "auto_seed": False,
                      "basemap_url": "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"})
    policy = parse_csp(app.test_client().get("/").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://*.tiles.example.org:8443"]
    others = {k: v for k, v in policy.items() if k != "img-src"}
    assert foreign_sources(others) == []
    app.extensions["portal_db"].engine.dispose()


@pytest.mark.parametrize(
    ("url", "origin"),
    [("http://tiles.local/{z}/{x}/{y}.png", "http://tiles.local"),
     ("/tiles/{z}/{x}/{y}.png", None),
     ("javascript:alert(1)//{z}", None),
     ("https://evil.example; script-src *", None)],
)
def test_only_a_plain_tile_host_reaches_the_policy(url, origin):
    assert tile_origin(url) == origin


def test_the_security_helpers_doctests_pass():
    failures, tested = doctest.testmod(security)
    assert tested and not failures


def test_a_nonce_drops_unsafe_inline_for_scripts_but_keeps_hashes():
    policy = parse_csp(content_security_policy(nonce="n0nce", hashes=[script_hash("x()")]))
    assert policy["script-src"] == ["'self'", "'nonce-n0nce'", script_hash("x()")]


def with_nonces(source: str) -> str:
    """The lead's template edit: every <script> tag carries the response's nonce."""
    return re.sub(r"<script(?![^>]*\bnonce=)", '<script nonce="{{ csp_nonce() }}"', source)


def nonce_templates(app) -> None:
    env = app.jinja_env
    sources = {name: with_nonces(env.loader.get_source(env, name)[0])
               for name in env.list_templates() if name.endswith(".html")}
    env.loader = ChoiceLoader([DictLoader(sources), env.loader])


def inline_scripts(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<script((?:(?!\ssrc=)[^>])*)>(.*?)</script>", html, re.S)


@pytest.mark.parametrize("url", ["/", "/planning", "/geopark", "/telecom", "/about", "/login",
                                 "/no-such-page", "AREA"])
def test_with_nonces_in_the_templates_every_inline_script_is_allowed_by_nonce_or_hash(app, url):
    nonce_templates(app)
    if url == "AREA":
        url = f"/area/commune/{commune_code(app)}"
    response = app.test_client().get(url)
    scripts = parse_csp(response.headers["Content-Security-Policy"])["script-src"]
    assert "'unsafe-inline'" not in scripts
    # A page kept for visitors (portal.web.page_cache) names its scripts by hash, not nonce.
    nonce = next((s[len("'nonce-"):-1] for s in scripts if s.startswith("'nonce-")), None)
    for attributes, body in inline_scripts(response.get_data(as_text=True)):
        allowed = (nonce and f'nonce="{nonce}"' in attributes) or script_hash(body) in scripts
        assert allowed, body[:200]


def test_a_page_that_never_asks_for_the_nonce_keeps_unsafe_inline_and_no_hash(app):
    # Hashes or a nonce would switch 'unsafe-inline' off in browsers and break the page.
    from flask import render_template_string

    from portal.web.mapbuilder import MapHtml

    def legacy():
        folium = MapHtml(header=Markup("<script>var a;</script>"), body=Markup(""),
                         script=Markup("b();"))
        return render_template_string("<script>{{ m.script }}</script><script>c()</script>",
                                      m=folium)

    app.add_url_rule("/test-legacy", "test_legacy", legacy)
    response = app.test_client().get("/test-legacy")
    scripts = parse_csp(response.headers["Content-Security-Policy"])["script-src"]
    assert scripts == ["'self'", "'unsafe-inline'"]


# --- cookies and caching -----------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, app):
    cookie = session_cookie(sign_in(app, client, "planner"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"]


def test_cookies_are_secure_when_served_behind_https(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "true")
    app = create_app({"database_url": db_url, "instance_path": tmp_path,
                      "auto_seed": False})
    cookie = session_cookie(app.test_client().get("/login", base_url="https://localhost"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    app.extensions["portal_db"].engine.dispose()


def test_a_signed_in_user_gets_answers_no_cache_keeps(client, app):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in(app, client, "viewer")
    for url in ("/", "/planning?layer=housing", "/api/progress?layer=housing", "/api/layers"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url
    with client.get("/static/css/portal.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


# --- errors ------------------------------------------------------------------------------------


@pytest.fixture
def crashing(app):
    def crash():
        raise RuntimeError(SECRET)

    def described():
        abort(400, description=SECRET)

    def throttled():
        raise TooManyRequests(description=SECRET)

    for path, view in (("/boom", crash), ("/api/boom", crash), ("/described", described),
                       ("/api/described", described), ("/api/throttled", throttled)):
        app.add_url_rule(path, f"test_{path.replace('/', '_')}", view)
    return app


def assert_no_detail(text: str) -> None:
    for leak in (SECRET, "Traceback", "RuntimeError", 'File "', "werkzeug"):
        assert leak not in text, leak


def test_a_crash_is_a_500_page_without_the_exception_text(crashing, client):
    response = client.get("/boom")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert_no_detail(response.get_data(as_text=True))
    assert response.headers["Content-Security-Policy"]


def test_a_crash_in_the_api_is_the_one_error_shape_without_detail(crashing, client):
    response = client.get("/api/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body == {"ok": False, "status": 500, "error": body["error"], "errors": []}
    assert body["error"]
    assert_no_detail(response.get_data(as_text=True))


@pytest.mark.parametrize("url", ["/described", "/api/described"])
def test_an_http_error_never_shows_its_description(crashing, client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert_no_detail(response.get_data(as_text=True))


def test_too_many_requests_is_429_in_both_languages(crashing, client):
    vi = client.get("/api/throttled")
    en = client.get("/api/throttled?lang=en")
    assert vi.status_code == en.status_code == 429
    assert vi.get_json()["status"] == 429 and vi.get_json()["ok"] is False
    assert "Wait a minute" in en.get_json()["error"]
    assert "chờ một phút" in vi.get_json()["error"]
    assert_no_detail(vi.get_data(as_text=True) + en.get_data(as_text=True))


def test_an_upload_over_the_limit_is_413_in_the_one_shape_and_both_languages(client, app):
    # Under the test client's 500 kB spooling threshold: no temporary file left open.
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    sign_in(app, client, "housing_editor")
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/import").get_data(as_text=True)).group(1)
    answers = {}
    for lang in ("vi", "en"):
        big = io.BytesIO(b"ma_xa,ten\n" + b"x" * (400 * 1024))
        answers[lang] = client.post(
            f"/api/layers/housing/imports?lang={lang}", data={"file": (big, "big.csv")},
            headers={"X-CSRFToken": token}, content_type="multipart/form-data",
        )
    for lang, response in answers.items():
        assert response.status_code == 413, lang
        body = response.get_json()
        assert set(body) == {"ok", "status", "error", "errors"} and body["status"] == 413
        assert "0.25 MB" in body["error"]
    assert "larger than the limit" in answers["en"].get_json()["error"]
    assert "giới hạn" in answers["vi"].get_json()["error"]


# --- small-number suppression ------------------------------------------------------------------


def row(code="01", count=10, done=0.0, target=10.0, source="plan", **statuses) -> AreaProgress:
    percent = round(100 * done / target, 1) if target else None
    return AreaProgress(code=code, name=f"Xã {code}", count=count, target=target, done=done,
                        percent=percent, expected_percent=50.0,
                        lagging=percent is not None and percent < 50, target_source=source,
                        status_counts=statuses)


def test_one_small_status_hides_a_second_so_the_total_cannot_give_it_back():
    shown = suppress_small([row(count=10, a=1, b=9)])[0]
    assert shown.status_counts == {"a": "<3", "b": "≥3"}
    assert shown.count == 10 and shown.suppressed is True


def test_a_zero_is_hidden_before_a_large_count_and_shows_as_less_than_3():
    shown = suppress_small([row(count=10, a=1, c=9)], statuses=["a", "b", "c"])[0]
    assert shown.status_counts == {"a": "<3", "b": "<3", "c": 9}


def test_a_small_done_hides_the_percent_and_the_lagging_flag():
    shown = suppress_small([row(count=10, done=2.0, target=10.0)])[0]
    assert (shown.done, shown.percent, shown.lagging) == ("<3", None, None)
    assert shown.target == 10.0 and shown.count == 10


def test_done_statuses_protect_each_other_when_done_is_shown():
    shown = suppress_small([row(count=20, done=7.0, d1=2, d2=5, n=13)],
                           done_statuses={"d1", "d2"})[0]
    assert shown.status_counts["d1"] == "<3" and shown.status_counts["d2"] == "≥3"
    # d1 + d2 = done and n = count - done: d1 and d2 stay hidden together, n may show.
    assert shown.status_counts["n"] == 13


def test_a_column_with_one_small_area_hides_another_so_the_province_cannot_give_it_back():
    rows = [row("01", count=2, target=8.0), row("02", count=0, target=5.0),
            row("03", count=40, target=50.0)]
    shown = {r.code: r for r in suppress_small(rows)}
    assert shown["01"].count == "<3" and shown["02"].count == "<3"
    assert shown["03"].count == 40


def test_a_target_taken_from_the_records_is_hidden_with_the_count():
    shown = suppress_small([row(count=2, target=2.0, source="records", a=2)])[0]
    assert shown.count == shown.target == "<3" and shown.percent is None


def test_areas_the_reader_may_see_are_unchanged_and_protect_nothing():
    rows = [row("01", count=2, a=2), row("02", count=50, a=50)]
    shown = {r.code: r for r in suppress_small(rows, exempt={"01"})}
    assert shown["01"] == ShownProgress.unchanged(rows[0])
    assert shown["02"].count == 50


def test_hidden_counts_are_plain_strings_in_json():
    data = suppress_small([row(count=1, a=1)])[0].as_dict()
    assert json.loads(json.dumps(data))["count"] == "<3"
    assert isinstance(data["count"], Suppressed)


@pytest.fixture
def two_early_households(app):
    """Two households in one commune, months before any other record: count 2, done 1."""
    with get_database(app).transaction() as session:
        area = session.scalars(select(Area).where(Area.level == "commune")
                               .order_by(Area.code.desc())).first()
        code = area.code
        loader.write_records(session, [
            loader.RecordRow(
                layer_id="housing", record_id=f"EARLY-{i}", name=f"Hộ sớm {i}",
                attributes={"beneficiary": "Nguyễn Văn Sớm", "category": "poor",
                            "work": "repair"},
                geometry=shapely.Point(area.label_lon, area.label_lat),
                history=[loader.StateRow(date=dt.date(2024, 3, 1), status=status)],
            )
            for i, status in enumerate(("registered", "completed"))
        ])
    return code


EARLY = "as_of=2024-06-01"


def test_the_public_sees_less_than_3_and_an_authorised_planner_the_real_numbers(
    client, app, two_early_households
):
    code = two_early_households
    url = f"/api/progress?layer=housing&level=commune&{EARLY}"
    public = {r["code"]: r for r in client.get(url).get_json()}[code]
    assert (public["count"], public["done"], public["percent"]) == ("<3", "<3", None)
    assert public["suppressed"] is True
    province = client.get(f"/api/progress?layer=housing&level=province&{EARLY}").get_json()[0]
    assert province["count"] == "<3"
    sign_in(app, client, "planner")
    planner = {r["code"]: r for r in client.get(url).get_json()}[code]
    assert (planner["count"], planner["done"], planner["suppressed"]) == (2, 1.0, False)


def test_a_scoped_housing_editor_sees_real_numbers_in_the_own_commune_only(
    client, app, two_early_households
):
    code = two_early_households
    sign_in(app, client, "housing_editor", (code,))
    rows = client.get(f"/api/progress?layer=housing&level=commune&{EARLY}")
    assert rows.headers["Cache-Control"] == "private, no-store"
    by_code = {r["code"]: r for r in rows.get_json()}
    assert by_code[code]["count"] == 2 and by_code[code]["suppressed"] is False
    province = client.get(f"/api/progress?layer=housing&level=province&{EARLY}").get_json()[0]
    assert province["count"] == "<3"


@pytest.mark.parametrize("page", ["/planning?layer=housing&level=commune&{early}",
                                  "/area/commune/{code}?{early}", "/planning?{early}"])
def test_pages_show_less_than_3_to_the_public_and_numbers_to_a_planner(
    client, app, two_early_households, page
):
    url = page.format(code=two_early_households, early=EARLY)
    public = client.get(url)
    assert public.status_code == 200
    assert "&lt;3" in public.get_data(as_text=True)
    sign_in(app, client, "planner")
    planner = client.get(url).get_data(as_text=True)
    assert "&lt;3" not in planner


def test_layers_with_public_records_are_never_suppressed(client):
    rows = client.get("/api/progress?layer=signal&level=commune&as_of=2025-03-01").get_json()
    assert not any(r["suppressed"] for r in rows)
    assert all(isinstance(r["count"], int) for r in rows)
    assert get_layer("signal").records_public
