"""Raster tiles and shared caches: a public raster's tile is the same for everyone.

A public raster's tile is read without the sign-in session (nothing set, no ``Vary: Cookie``),
so a proxy may keep it for everyone, a month, revalidated by its ETag; a private raster's tile
is for signed-in staff only and says ``private``; to a visitor it is the same 404 as a raster
that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest

from portal.services.accounts import create_user
from portal.services.rasters import RasterMeta, import_raster
from portal.web.database import get_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from raster_files import CITY, elevation_vn2000, rgb_wgs84, tile_of  # noqa: E402

PASSWORD = "Mẫu Sơn 1541 m"
MONTH = "public, max-age=2592000"


def _keep(app, path: Path, *, kind: str, public: bool) -> int:
    meta = RasterMeta(kind=kind, name_vi="Lớp", name_en="Layer", unit="m", source="Sở NN&MT",
                      as_of=dt.date(2025, 6, 30), provenance="official", public=public)
    return import_raster(get_database(app), path, meta,
                         Path(app.config["PORTAL_SETTINGS"].instance_path), actor="test")


@pytest.fixture
def planner(app):
    with get_database(app).transaction() as session:
        create_user(session, "quy.hoach", PASSWORD, "planner")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = client.post("/login?lang=en", data={"username": "quy.hoach", "password": PASSWORD,
                                                 "csrf_token": token})
    assert answer.status_code == 302
    return client


def _no_session(answer) -> None:
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")


def test_a_public_raster_tile_carries_no_session_and_the_same_headers_for_everyone(
        app, tmp_path, client, planner):
    raster_id = _keep(app, rgb_wgs84(tmp_path / "anh_ve_tinh.tif"), kind="other", public=True)
    x, y, _, _ = tile_of(CITY[0], CITY[1], 13)
    url = f"/tiles/rasters/{raster_id}/13/{x}/{y}.png"
    seen = []
    for reader in (client, planner):  # a visitor, then a signed-in planner
        answer = reader.get(url)
        assert answer.status_code == 200 and answer.mimetype == "image/png"
        assert answer.headers["Cache-Control"] == MONTH
        _no_session(answer)
        seen.append((answer.data, answer.headers["ETag"]))
        again = reader.get(url, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["Cache-Control"] == MONTH
        assert again.headers["ETag"] == answer.headers["ETag"]
        _no_session(again)
    assert seen[0] == seen[1]
    # Outside the raster: a 404 without a session too.
    outside = client.get(f"/tiles/rasters/{raster_id}/13/{x + 5}/{y}.png")
    assert outside.status_code == 404
    _no_session(outside)


def test_a_private_raster_tile_needs_the_session_and_says_private(app, tmp_path, client,
                                                                   planner):
    raster_id = _keep(app, elevation_vn2000(tmp_path / "do_cao.tif"), kind="elevation",
                      public=False)
    x, y, _, _ = tile_of(CITY[0], CITY[1], 13)
    url = f"/tiles/rasters/{raster_id}/13/{x}/{y}.png"
    shown = planner.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.headers["Cache-Control"].split(",")[0] == "private"
    assert "public" not in shown.headers["Cache-Control"]
    hidden = client.get(url)
    missing = client.get(f"/tiles/rasters/{raster_id + 1000}/13/{x}/{y}.png")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data
    assert hidden.get_json()["error"] == missing.get_json()["error"]
    assert "public" not in hidden.headers.get("Cache-Control", "")
