"""Raster layers: upload through the page, checks, the catalogue JSON, tiles, access, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rio_tiler.colormap import cmap
from sqlalchemy import func, select

from rasterio.transform import from_origin

from portal.services.accounts import create_user
from portal.services.rasters import RasterMeta, import_raster
from portal.store.models import AuditEvent
from portal.store.rasters import Raster
from portal.web.database import get_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from raster_files import CITY, elevation_vn2000, rgb_wgs84, tile_of, write_tif  # noqa: E402

PASSWORD = "Mẫu Sơn 1541 m"


def _user(app, name: str, role: str) -> None:
    with get_database(app).transaction() as session:
        create_user(session, name, PASSWORD, role)


def _token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def _sign_in(client, name: str) -> None:
    answer = client.post("/login?lang=en", data={"username": name, "password": PASSWORD,
                                                 "csrf_token": _token(client)})
    assert answer.status_code == 302


@pytest.fixture
def planner(app):
    _user(app, "quy.hoach", "planner")
    client = app.test_client()
    _sign_in(client, "quy.hoach")
    return client


def _form(path: Path, token: str, **fields) -> dict:
    form = {"csrf_token": token, "kind": "elevation", "name_vi": "Độ cao TP Lạng Sơn",
            "name_en": "Elevation of Lạng Sơn city", "unit": "m", "source": "Sở NN&MT",
            "as_of": "30/06/2025", "provenance": "official", "public": "1"}
    form.update(fields)
    form["file"] = (io.BytesIO(path.read_bytes()), path.name)
    return form


def _upload(client, path: Path, **fields):
    return client.post("/rasters?lang=en", data=_form(path, _token(client, "/rasters"), **fields),
                       content_type="multipart/form-data")


def _rows(app) -> list[Raster]:
    with get_database(app).sessions() as session:
        return list(session.scalars(select(Raster).order_by(Raster.id)))


def _folder(app) -> list[str]:
    folder = Path(app.config["PORTAL_SETTINGS"].instance_path) / "rasters"
    return sorted(os.listdir(folder)) if folder.exists() else []


def _keep(app, path: Path, *, kind="elevation", day=dt.date(2025, 6, 30), public=True,
          name="Độ cao") -> int:
    meta = RasterMeta(kind=kind, name_vi=name, name_en=name, unit="m", source="test",
                      as_of=day, provenance="illustrative", public=public)
    return import_raster(get_database(app), path, meta,
                         Path(app.config["PORTAL_SETTINGS"].instance_path), actor="test")


def _pixel(client, url: str, lon: float, lat: float, z: int = 13):
    x, y, px, py = tile_of(lon, lat, z)
    answer = client.get(url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "image/png"
    return Image.open(io.BytesIO(answer.data)).convert("RGBA").getpixel((px, py)), answer


# --- upload through the page -------------------------------------------------------------------

def test_a_planner_uploads_a_vn2000_elevation_grid_listed_and_tiled(app, planner, tmp_path):
    answer = _upload(planner, elevation_vn2000(tmp_path / "dem_tp_lang_son.tif"))
    assert answer.status_code == 303
    (row,) = _rows(app)
    assert (row.kind, row.as_of, row.provenance, row.public) == (
        "elevation", dt.date(2025, 6, 30), "official", True)
    assert (row.width, row.height, row.band_count, row.dtype, row.nodata) == (
        200, 200, 1, "float32", -9999.0)
    assert "VN-2000 / TM-3 107-15" in row.crs  # kept in its own grid, never reprojected
    assert row.stats == [{"min": 100.0, "max": 900.0, "mean": pytest.approx(526.6667),
                          "valid_cells": 37500}]
    assert row.style == {"colormap": "terrain", "bands": [1], "vmin": 100.0, "vmax": 900.0,
                         "opacity": 0.7}
    assert _folder(app) == [row.file_name] and row.file_name.startswith("elevation-")
    with get_database(app).sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "raster_add"))
        assert event.actor == "quy.hoach" and event.detail["raster_id"] == row.id

    page = planner.get(f"/rasters?added={row.id}&lang=en").get_data(as_text=True)
    assert 'id="raster-added"' in page and "Elevation of Lạng Sơn city" in page
    assert "VN-2000 / TM-3 107-15 (EPSG:9215)" in page

    listed = planner.get("/api/rasters?lang=en").get_json()["rasters"]
    assert [(r["id"], r["kind"], r["name"], r["unit"], r["provenance"]) for r in listed] == [
        (row.id, "elevation", "Elevation of Lạng Sơn city", "m", "official")]
    assert listed[0]["tiles"] == f"/tiles/rasters/{row.id}/{{z}}/{{x}}/{{y}}.png"
    assert [s["value"] for s in listed[0]["legend"]] == [100, 260, 420, 580, 740, 900]

    terrain = cmap.get("terrain")
    west, _ = _pixel(planner, listed[0]["tiles"], CITY[0] - 0.02, CITY[1] - 0.01)
    east, _ = _pixel(planner, listed[0]["tiles"], CITY[0] + 0.02, CITY[1] - 0.01)
    hole, _ = _pixel(planner, listed[0]["tiles"], CITY[0] - 0.025, CITY[1] + 0.025)
    assert west == tuple(int(v) for v in terrain[0])  # 100 m: the bottom of the ramp
    assert east == tuple(int(v) for v in terrain[255])  # 900 m: its top
    assert hole[3] == 0  # nodata: transparent


def test_a_three_band_wgs84_image_is_kept_and_drawn_in_its_own_colours(app, tmp_path, client):
    raster_id = _keep(app, rgb_wgs84(tmp_path / "anh.tif"), kind="other")
    entry = client.get(f"/api/rasters/{raster_id}").get_json()
    assert entry["bands"] == 3 and entry["style"]["bands"] == [1, 2, 3]
    assert entry["legend"] == []
    red, _ = _pixel(client, entry["tiles"], CITY[0], CITY[1] + 0.02)
    assert red == (200, 30, 40, 255)
    empty, _ = _pixel(client, entry["tiles"], CITY[0], CITY[1] - 0.02)
    assert empty[3] == 0


# --- refusals: 422, nothing written ------------------------------------------------------------

def _vrt(source: str) -> bytes:
    return (f'<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Byte" '
            f'band="1"><SimpleSource><SourceFilename relativeToVRT="0">{source}</SourceFilename>'
            f'</SimpleSource></VRTRasterBand></VRTDataset>').encode()


def _bad_file(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.tif"
    if kind == "no-crs":
        return write_tif(path, np.ones((1, 10, 10), "float32"), None, from_origin(0, 10, 1, 1))
    if kind == "europe":
        return write_tif(path, np.ones((1, 10, 10), "float32"), "EPSG:4326",
                         from_origin(10.0, 50.0, 0.01, 0.01))
    if kind == "truncated":
        elevation_vn2000(path)
        os.truncate(path, path.stat().st_size // 2)
        return path
    if kind == "huge":
        import rasterio

        with rasterio.open(path, "w", driver="GTiff", width=100_000, height=100_000, count=1,
                           dtype="float32", crs="EPSG:4326", tiled=True, sparse_ok=True,
                           blockxsize=4096, blockysize=4096,
                           compress="deflate", transform=from_origin(106.0, 22.5, 1e-5, 1e-5)):
            pass
        return path
    path.write_bytes(_vrt("/vsicurl/http://example.invalid/x.tif" if kind == "vrt-url"
                          else "/etc/passwd"))
    return path


REFUSALS = {
    "no-crs": "The raster has no coordinate system",
    "europe": "does not overlap Lạng Sơn province",
    "truncated": "The raster is damaged or truncated: its cells from row 91 (of 200)",
    "huge": "The raster declares 100,000 x 100,000 cells",
    "vrt-url": "The file is not a GeoTIFF (.tif)",
    "vrt-local": "The file is not a GeoTIFF (.tif)",
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_a_bad_raster_is_refused_beside_the_form_and_nothing_is_kept(app, planner, tmp_path,
                                                                       kind):
    before = (_rows(app), _folder(app))
    answer = _upload(planner, _bad_file(kind, tmp_path), name_en="Kept name")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    error = re.search(r'id="raster-error"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert REFUSALS[kind] in error
    assert 'value="Kept name"' in page  # the form keeps what was typed
    assert (_rows(app), _folder(app)) == before == ([], [])


def test_the_refusal_is_in_vietnamese_on_a_vietnamese_page(app, planner, tmp_path):
    path = _bad_file("no-crs", tmp_path)
    answer = planner.post("/rasters?lang=vi", data=_form(path, _token(planner, "/rasters")),
                          content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Lớp raster không có hệ tọa độ" in answer.get_data(as_text=True)


def test_a_bad_date_or_kind_is_refused_naming_the_field(app, planner, tmp_path):
    path = elevation_vn2000(tmp_path / "dem.tif")
    answer = _upload(planner, path, as_of="31/02/2025")
    assert answer.status_code == 422
    assert "<strong>as_of</strong>: Date: write it as dd/mm/yyyy" in answer.get_data(as_text=True)
    answer = _upload(planner, path, kind="rainfall")
    assert answer.status_code == 422 and "Kind: one of elevation" in answer.get_data(as_text=True)
    assert _rows(app) == [] and _folder(app) == []


# --- who may upload ----------------------------------------------------------------------------

def test_a_housing_editor_gets_403_and_a_visitor_is_sent_to_sign_in(app, tmp_path, client):
    _user(app, "nha.o", "housing_editor")
    assert client.get("/rasters").status_code == 302
    _sign_in(client, "nha.o")
    assert client.get("/rasters").status_code == 403
    token = _token(client, "/import")
    answer = client.post("/rasters", data=_form(elevation_vn2000(tmp_path / "d.tif"), token),
                         content_type="multipart/form-data")
    assert answer.status_code == 403 and _rows(app) == []


def test_a_post_without_csrf_is_a_400(app, planner, tmp_path):
    form = _form(elevation_vn2000(tmp_path / "dem.tif"), "")
    del form["csrf_token"]
    answer = planner.post("/rasters", data=form, content_type="multipart/form-data")
    assert answer.status_code == 400 and _rows(app) == []


def test_withdrawing_hides_the_raster_and_keeps_its_file(app, planner, tmp_path, client):
    raster_id = _keep(app, elevation_vn2000(tmp_path / "dem.tif"))
    answer = planner.post(f"/rasters/{raster_id}/withdraw",
                          data={"csrf_token": _token(planner, "/rasters")})
    assert answer.status_code == 303
    assert client.get("/api/rasters").get_json()["rasters"] == []
    assert client.get(f"/tiles/rasters/{raster_id}/13/6525/3586.png").status_code == 404
    (row,) = _rows(app)
    assert row.withdrawn_at is not None and _folder(app) == [row.file_name]
    assert planner.post(f"/rasters/{raster_id}/withdraw",
                        data={"csrf_token": _token(planner, "/rasters")}).status_code == 404


# --- the catalogue: dates and visitors -----------------------------------------------------------

def test_as_of_picks_the_raster_current_on_that_day(app, tmp_path, client):
    old = _keep(app, elevation_vn2000(tmp_path / "a.tif"), day=dt.date(2020, 1, 1), name="2020")
    path = elevation_vn2000(tmp_path / "b.tif", epsg=9215)
    with open(path, "r+b") as handle:  # another survey: other bytes, other file
        handle.seek(-4, 2)
        handle.write(np.float32(250.0).tobytes())
    new = _keep(app, path, day=dt.date(2025, 1, 1), name="2025")

    def shown(day):
        query = f"?as_of={day}" if day else ""
        return [r["id"] for r in client.get(f"/api/rasters{query}").get_json()["rasters"]]

    assert shown("2019-12-31") == []
    assert shown("2024-12-31") == [old]
    assert shown("31/12/2024") == [old]
    assert shown("2025-01-01") == [new]
    assert shown(None) == [new]
    assert client.get("/api/rasters?as_of=2025-13-01").status_code == 400


def test_a_visitor_never_gets_a_private_raster(app, tmp_path, client, planner):
    public = _keep(app, rgb_wgs84(tmp_path / "rgb.tif"), kind="other")
    private = _keep(app, elevation_vn2000(tmp_path / "dem.tif"), public=False)
    assert [r["id"] for r in client.get("/api/rasters").get_json()["rasters"]] == [public]
    assert client.get(f"/api/rasters/{private}").status_code == 404
    assert client.get("/api/rasters/999999").status_code == 404
    x, y, _, _ = tile_of(CITY[0], CITY[1], 13)
    tile = f"/tiles/rasters/{private}/13/{x}/{y}.png"
    assert client.get(tile).status_code == 404
    assert client.get(tile).get_json()["error"] == client.get(
        f"/tiles/rasters/999999/13/{x}/{y}.png").get_json()["error"]
    # Staff see it.
    assert {r["id"] for r in planner.get("/api/rasters").get_json()["rasters"]} == {
        public, private}
    assert planner.get(tile).status_code == 200
    assert planner.get(tile).headers["Cache-Control"].startswith("private")


def test_a_public_tile_is_cached_long_with_an_etag_and_sets_no_cookie(app, tmp_path, client):
    raster_id = _keep(app, rgb_wgs84(tmp_path / "rgb.tif"), kind="other")
    x, y, _, _ = tile_of(CITY[0], CITY[1], 13)
    url = f"/tiles/rasters/{raster_id}/13/{x}/{y}.png"
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=2592000"
    assert "Set-Cookie" not in answer.headers
    (row,) = _rows(app)
    assert answer.headers["ETag"].strip('"').startswith(row.sha256[:20])
    again = client.get(url, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_tile_outside_the_raster_or_the_grid_is_a_404(app, tmp_path, client):
    raster_id = _keep(app, rgb_wgs84(tmp_path / "rgb.tif"), kind="other")
    x, y, _, _ = tile_of(CITY[0], CITY[1], 13)
    assert client.get(f"/tiles/rasters/{raster_id}/13/{x + 5}/{y}.png").status_code == 404
    assert client.get(f"/tiles/rasters/{raster_id}/13/{2**13}/{y}.png").status_code == 404
    assert client.get(f"/tiles/rasters/{raster_id}/23/0/0.png").status_code == 404
    assert client.get(f"/tiles/rasters/{raster_id}/13/a/{y}.png").status_code == 404


# --- the data page and the command line ---------------------------------------------------------

def test_the_import_page_lists_the_rasters_with_their_legend(app, planner, tmp_path):
    raster_id = _keep(app, elevation_vn2000(tmp_path / "dem.tif"))
    page = planner.get("/import?lang=en").get_data(as_text=True)
    assert f'data-raster-legend="{raster_id}"' in page
    assert 'data-provenance="illustrative"' in page and "Illustrative" in page


def test_the_cli_imports_a_raster(app, runner, tmp_path):
    path = elevation_vn2000(tmp_path / "dem.tif")
    result = runner.invoke(args=[
        "import-raster", str(path), "--kind", "elevation", "--name-vi", "Độ cao",
        "--name-en", "Elevation", "--unit", "m", "--source", "Sở NN&MT", "--as-of",
        "30/06/2025", "--provenance", "approximate", "--public"])
    assert result.exit_code == 0, result.output
    (row,) = _rows(app)
    assert result.output.strip() == f"raster {row.id}: elevation 2025-06-30"
    assert (row.provenance, row.public, row.created_by) == ("approximate", True, "cli")
    refused = runner.invoke(args=[
        "import-raster", str(_bad_file("europe", tmp_path)), "--kind", "elevation",
        "--name-vi", "x", "--name-en", "x", "--as-of", "30/06/2025", "--provenance",
        "official", "--lang", "en"])
    assert refused.exit_code == 1
    assert "does not overlap Lạng Sơn province" in refused.output
    with get_database(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(Raster)) == 1
