"""Offline basemaps: kept from files an administrator gives, served from /basemap/, on every map.

Every archive is made in the test (`tests.tilesets_data`): MBTiles and PMTiles of PNG tiles and
Protomaps-schema vector tiles over Lạng Sơn city, and a VN-2000 elevation raster.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from affine import Affine
from pmtiles.tile import Compression, TileType

import rasterio
from pyproj import Transformer

from portal import create_app
from portal.services import basemaps as service
from portal.services.backup import create_backup, restore_backup
from portal.web.database import get_database
from tests.portal.test_backup import portal_cli
from tests.portal.test_page_cache import sign_in
from tests.tilesets_data import (
    EUROPE_BOUNDS,
    png_tile,
    png_tiles,
    tile_of,
    vector_tiles,
    write_mbtiles,
    write_pmtiles,
)


def add(runner, path, *args):
    return runner.invoke(args=["add-basemap", str(path), *args])


def kept_files(instance):
    folder = instance / "basemaps"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("writer, suffix", [(write_mbtiles, "mbtiles"), (write_pmtiles, "pmtiles")])
def test_a_kept_archive_serves_the_exact_bytes_put_in_and_404_outside(app, runner, tmp_path,
                                                                     writer, suffix):
    tiles = png_tiles((8, 9, 10))
    source = writer(tmp_path / f"Nen Lang Son.{suffix}", tiles)
    result = add(runner, source, "--name-vi", "Nền Lạng Sơn", "--name-en", "Lạng Sơn base")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Basemap added: nen-lang-son: raster png")
    client = app.test_client()
    for (z, x, y), data in tiles.items():
        answer = client.get(f"/basemap/nen-lang-son/{z}/{x}/{y}.png")
        assert answer.status_code == 200 and answer.data == data
        assert answer.mimetype == "image/png"
        assert answer.headers["Cache-Control"] == "public, max-age=2592000"
        assert "Set-Cookie" not in answer.headers and "Cookie" not in answer.headers.get("Vary", "")
        again = client.get(f"/basemap/nen-lang-son/{z}/{x}/{y}.png",
                           headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
    z, x, y = tile_of(21.85, 106.76, 9)
    for missing in (
        f"/basemap/nen-lang-son/11/{x * 4}/{y * 4}.png",  # above its zooms
        f"/basemap/nen-lang-son/7/{x // 2}/{y // 2}.png",  # below its zooms
        f"/basemap/nen-lang-son/9/{x - 40}/{y}.png",  # outside its bounds
        f"/basemap/nen-lang-son/9/{x + 1}/{y}.png",  # inside, but not in the archive
        f"/basemap/nen-lang-son/{z}/{x}/{y}.jpg",  # another format
        f"/basemap/khong-co/{z}/{x}/{y}.png",  # no such basemap
        f"/basemap/nen-lang-son/9/{2 ** 9}/{y}.png",  # outside the zoom's grid
    ):
        answer = client.get(missing)
        assert (answer.status_code, answer.data) == (404, b""), missing
    sidecar = json.loads((tmp_path / "basemaps" / "nen-lang-son.json").read_text("utf-8"))
    assert {k: sidecar[k] for k in ("name_vi", "name_en", "kind", "format", "min_zoom",
                                    "max_zoom", "container")} == {
        "name_vi": "Nền Lạng Sơn", "name_en": "Lạng Sơn base", "kind": "raster",
        "format": "png", "min_zoom": 8, "max_zoom": 10, "container": suffix}
    assert len(sidecar["sha256"]) == 64 and sidecar["bounds"] == [106.0, 21.3, 107.4, 22.5]


def test_a_vector_basemap_is_served_gzipped_as_stored(app, runner, tmp_path):
    tiles = vector_tiles()
    source = write_pmtiles(tmp_path / "vn.pmtiles", tiles, TileType.MVT,
                           compression=Compression.GZIP)
    assert add(runner, source, "--name", "protomaps").exit_code == 0
    (z, x, y), data = next(iter(tiles.items()))
    answer = app.test_client().get(f"/basemap/protomaps/{z}/{x}/{y}.mvt")
    assert answer.status_code == 200 and answer.data == data
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.mimetype == "application/vnd.mapbox-vector-tile"
    assert app.test_client().get(f"/basemap/protomaps/{z}/{x}/{y}.pbf").data == data


@pytest.mark.parametrize("make, english, vietnamese", [
    (lambda d: (d / "anh.mbtiles").write_bytes(png_tile(1)) and d / "anh.mbtiles",
     "The file is neither an MBTiles (SQLite) nor a PMTiles archive.",
     "Tệp không phải MBTiles (SQLite) cũng không phải PMTiles."),
    (lambda d: write_mbtiles(d / "paris.mbtiles", png_tiles(), bounds=EUROPE_BOUNDS),
     "The file covers 2.2, 48.8, 2.5, 48.9 (west, south, east, north), which does not reach "
     "Lạng Sơn province (106.0, 21.3, 107.4, 22.5).",
     "Tệp phủ vùng 2.2, 48.8, 2.5, 48.9 (tây, nam, đông, bắc), không chạm tỉnh Lạng Sơn "
     "(106.0, 21.3, 107.4, 22.5)."),
    (lambda d: write_pmtiles(d / "omt.pmtiles", vector_tiles(("transportation", "water")),
                             TileType.MVT, compression=Compression.GZIP),
     "The vector tiles do not follow the Protomaps basemap schema: they lack the layers earth, "
     "roads (they hold: transportation, water). Use a Protomaps build cut with `pmtiles "
     "extract`.",
     "Ô vector không theo lược đồ bản đồ nền Protomaps: thiếu các lớp earth, roads (tệp có: "
     "transportation, water). Hãy dùng bản Protomaps cắt bằng `pmtiles extract`."),
])
def test_a_refused_file_is_reported_in_both_languages_and_nothing_is_kept(app, runner, tmp_path,
                                                                          make, english,
                                                                          vietnamese):
    source_dir = tmp_path / "given"
    source_dir.mkdir()
    result = add(runner, make(source_dir))
    assert result.exit_code == 1
    assert result.output == f"Error: {vietnamese}\n{english}\n"
    assert kept_files(tmp_path) == []


def test_a_truncated_pmtiles_is_refused_and_nothing_is_kept(runner, tmp_path):
    whole = write_pmtiles(tmp_path / "whole.pmtiles", png_tiles())
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(whole.read_bytes()[:200])
    result = add(runner, cut)
    assert result.exit_code == 1 and "Tệp bị hỏng hoặc bị cắt cụt" in result.output
    assert "The file is damaged or cut short" in result.output
    assert kept_files(tmp_path) == []


def test_list_default_and_remove(app, runner, tmp_path):
    assert add(runner, write_mbtiles(tmp_path / "b.mbtiles", png_tiles())).exit_code == 0
    assert add(runner, write_pmtiles(tmp_path / "a.pmtiles", png_tiles())).exit_code == 0
    listed = runner.invoke(args=["list-basemaps"]).output.splitlines()
    assert [line[:4] for line in listed] == ["* a:", "  b:"]
    again = add(runner, write_mbtiles(tmp_path / "b2.mbtiles", png_tiles()), "--name", "b")
    assert again.exit_code == 1 and "A basemap named 'b' exists already" in again.output
    service.set_default(tmp_path, "b")
    assert service.default_name(tmp_path) == "b"
    assert runner.invoke(args=["remove-basemap", "b"]).exit_code == 0
    assert kept_files(tmp_path) == ["a.json", "a.pmtiles", "default.json"]
    assert service.default_name(tmp_path) is None  # the chosen one is gone: no basemap
    gone = runner.invoke(args=["remove-basemap", "b"])
    assert gone.exit_code == 1 and gone.output.endswith("There is no basemap named 'b'.\n")


def test_every_map_offers_the_kept_basemaps_the_default_first(app, runner, tmp_path):
    client = app.test_client()
    before = client.get("/").get_data(as_text=True)
    assert "PortalBasemaps.init" not in before
    assert add(runner, write_mbtiles(tmp_path / "langson.mbtiles", png_tiles()),
               "--name-vi", "Nền ảnh", "--attribution", "Sở Nông nghiệp").exit_code == 0
    page = client.get("/").get_data(as_text=True)  # the kept page is not served again
    config = json.loads(re.search(r"PortalBasemaps\.init\([^,]+, (\{.*?\})\);", page).group(1))
    assert config == {"basemaps": [{
        "name": "langson", "label": "Nền ảnh", "kind": "raster",
        "url": "/basemap/langson/{z}/{x}/{y}.png", "attribution": "Sở Nông nghiệp",
        "minZoom": 8, "maxZoom": 10, "bounds": [[21.3, 106.0], [22.5, 107.4]],
        "default": True}], "none": "Không có nền"}
    english = client.get("/geopark?lang=en").get_data(as_text=True)
    data = json.loads(re.search(r'id="geopark-data"[^>]*>(.*?)</script>', english, re.S).group(1))
    assert [b["url"] for b in data["basemaps"]] == ["/basemap/langson/{z}/{x}/{y}.png"]
    assert data["noBasemap"] == "No basemap"


def test_the_basemap_url_setting_still_wins(db_url, tmp_path):
    write = write_mbtiles(tmp_path / "langson.mbtiles", png_tiles())
    service.add_basemap(tmp_path, write)
    app = create_app({"database_url": db_url, "instance_path": tmp_path, "auto_seed": False,
                      "default_as_of": "2025-11-30",
                      "basemap_url": "https://tiles.example.vn/{z}/{x}/{y}.png"})
    page = app.test_client().get("/").get_data(as_text=True)
    assert "tiles.example.vn" in page and "PortalBasemaps.init" not in page
    get_database(app).engine.dispose()


def test_the_admin_page_lists_basemaps_and_saves_the_default(app, tmp_path):
    service.add_basemap(tmp_path, write_mbtiles(tmp_path / "a.mbtiles", png_tiles()))
    service.add_basemap(tmp_path, write_pmtiles(tmp_path / "b.pmtiles", png_tiles()))
    planner = app.test_client()
    planner_token = sign_in(app, planner, "planner")
    assert planner.get("/admin/basemaps").status_code == 403
    refused = planner.post("/admin/basemaps", data={"default": "b", "csrf_token": planner_token})
    assert refused.status_code == 403 and service.default_name(tmp_path) == "a"
    admin = app.test_client()
    token = sign_in(app, admin, "admin")
    page = admin.get("/admin/basemaps?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-basemap="a"' in html and 'data-basemap="b"' in html
    assert admin.post("/admin/basemaps", data={"default": "b"}).status_code == 400  # no CSRF
    assert service.default_name(tmp_path) == "a"
    saved = admin.post("/admin/basemaps", data={"default": "b", "csrf_token": token})
    assert saved.status_code == 302 and service.default_name(tmp_path) == "b"
    none = admin.post("/admin/basemaps", data={"default": "-", "csrf_token": token})
    assert none.status_code == 302 and service.default_name(tmp_path) is None
    unknown = admin.post("/admin/basemaps", data={"default": "zz", "csrf_token": token})
    assert unknown.status_code == 400 and service.default_name(tmp_path) is None


def test_a_planner_posting_without_csrf_gets_400(app, tmp_path):
    planner = app.test_client()
    sign_in(app, planner, "planner")
    assert planner.post("/admin/basemaps", data={"default": "-"}).status_code == 400


def _vn2000_dem(path, size=200, cell=30.0):
    x, y = Transformer.from_crs(4326, 9215, always_xy=True).transform(106.76, 21.85)
    rows = np.arange(size, dtype="float64")[:, None]
    data = (300.0 + rows * 0.0 + np.zeros((size, size))).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:9215", nodata=-9999.0,
                       transform=Affine(cell, 0.0, x - size * cell / 2, 0.0, -cell,
                                        y + size * cell / 2)) as dataset:
        dataset.write(data, 1)
    return path


def test_build_hillshade_keeps_a_basemap_served_where_the_dem_lies(app, runner, tmp_path):
    dem = _vn2000_dem(tmp_path / "dem_vn2000.tif")
    result = runner.invoke(args=["build-hillshade", str(dem), "--name", "dia-hinh",
                                 "--min-zoom", "11", "--max-zoom", "12"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Hillshade basemap added: dia-hinh: raster png (mbtiles), "
                                    "zoom 11-12")
    z, x, y = tile_of(21.85, 106.76, 12)
    answer = app.test_client().get(f"/basemap/dia-hinh/{z}/{x}/{y}.png")
    assert answer.status_code == 200 and answer.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert app.test_client().get(f"/basemap/dia-hinh/{z}/{x + 5}/{y}.png").status_code == 404


def test_build_hillshade_refuses_a_file_that_is_no_raster(runner, tmp_path):
    table = tmp_path / "do_cao.csv"
    table.write_text("x,y,z\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(args=["build-hillshade", str(table), "--name", "dia-hinh"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: do_cao.csv không phải raster độ cao đọc được (")
    assert "do_cao.csv is not an elevation raster rasterio can read (" in result.output
    assert kept_files(tmp_path) == []


def test_backup_and_restore_carry_the_basemaps(db_path, tmp_path):
    # Both ends on SQLite whatever the suite runs on: a PostgreSQL backup is never restored
    # into SQLite, and the basemap files travel the same way on either.
    source = create_app({"instance_path": tmp_path, "auto_seed": False,
                         "database_url": f"sqlite:///{db_path}"})
    tiles = png_tiles()
    service.add_basemap(tmp_path, write_pmtiles(tmp_path / "langson.pmtiles", tiles))
    service.set_default(tmp_path, "langson")
    manifest = create_backup(get_database(source).engine, tmp_path, tmp_path / "b.zip", "0.1.0")
    get_database(source).engine.dispose()
    assert {"files/basemaps/langson.pmtiles", "files/basemaps/langson.json",
            "files/basemaps/default.json"} <= set(manifest["files"])
    instance = tmp_path / "new"
    assert portal_cli(instance, "init").returncode == 0
    restored = create_app({"instance_path": instance, "auto_seed": False,
                           "database_url": f"sqlite:///{instance / 'portal.sqlite3'}"})
    restore_backup(get_database(restored).engine, instance, tmp_path / "b.zip")
    assert service.default_name(instance) == "langson"
    (z, x, y), data = next(iter(tiles.items()))
    assert restored.test_client().get(f"/basemap/langson/{z}/{x}/{y}.png").data == data
    get_database(restored).engine.dispose()
