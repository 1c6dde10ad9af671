"""Kept basemaps drawn in headless Chromium: tiles from /basemap/ only, nothing from elsewhere.

The portal serves its own copy of the store with two basemaps made here: a raster MBTiles of
PNG tiles over the province (the default) and a vector PMTiles of the Protomaps schema. The
main map and the visitors' page draw the raster tiles from ``/basemap/anh/...``; switching the
main map's base layer to the vector basemap draws it with protomaps-leaflet from
``/basemap/vector/....mvt``. Every request goes to 127.0.0.1 (`watched_tab` fails otherwise).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pmtiles.tile import Compression, TileType

from portal.services import basemaps as service
from tests.tilesets_data import LANGSON_BOUNDS, tile_of, vector_tiles, write_mbtiles, write_pmtiles

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/basemap-shots")


def _province_tiles(zooms=range(7, 12)):
    """Every XYZ tile address over the province's box, zooms 7 to 11."""
    west, south, east, north = LANGSON_BOUNDS
    for z in zooms:
        _z, x0, y0 = tile_of(north, west, z)
        _z, x1, y1 = tile_of(south, east, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield z, x, y


def _raster_tiles() -> dict:
    """Pale PNG tiles with a grid and their address, over the whole province."""
    tiles = {}
    for z, x, y in _province_tiles():
        image = Image.new("RGB", (256, 256), (222, 232, 214))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 255, 255), outline=(170, 190, 160))
        draw.text((8, 8), f"{z}/{x}/{y}", fill=(90, 110, 80))
        out = io.BytesIO()
        image.save(out, format="PNG")
        tiles[(z, x, y)] = out.getvalue()
    return tiles


def _vector_tiles() -> dict:
    """The same Protomaps-layer tile at every address over the province (as an extract has)."""
    one = next(iter(vector_tiles(zooms=(9,)).values()))
    return dict.fromkeys(_province_tiles(), one)


@pytest.fixture(scope="module")
def basemap_server(stores, template_url, tmp_path_factory, portal_process):
    """The portal on a copy of the store whose instance keeps two basemaps."""
    folder = tmp_path_factory.mktemp("basemap-live")
    db_url = stores.new(folder, template_url)
    made = tmp_path_factory.mktemp("basemap-files")
    service.add_basemap(folder, write_mbtiles(made / "anh.mbtiles", _raster_tiles()),
                        name_vi="Nền ảnh", name_en="Image base", attribution="Thử nghiệm")
    service.add_basemap(folder, write_pmtiles(made / "vector.pmtiles", _vector_tiles(),
                                              TileType.MVT, compression=Compression.GZIP),
                        name_vi="Nền vector", name_en="Vector base")
    service.set_default(folder, "anh")
    try:
        with portal_process(db_url, folder) as portal:
            yield portal.base
    finally:
        stores.drop(db_url)


def _basemap_requests(tab) -> list[str]:
    tab.basemap_urls = []
    tab.on("requestfinished", lambda request: tab.basemap_urls.append(request.url)
           if "/basemap/" in request.url else None)
    return tab.basemap_urls


def test_the_main_map_draws_the_kept_basemaps_and_switches_to_the_vector_one(
        basemap_server, watched_tab, settled):
    with watched_tab(basemap_server) as tab:
        urls = _basemap_requests(tab)
        tab.goto(f"{basemap_server}/")
        settled(tab, "/")
        assert any(f"{basemap_server}/basemap/anh/" in url and url.endswith(".png")
                   for url in urls), urls
        labels = tab.locator(".leaflet-control-layers-base label").all_inner_texts()
        assert [label.strip() for label in labels] == ["Nền ảnh", "Nền vector", "Không có nền"]
        assert tab.locator(".leaflet-control-attribution", has_text="Thử nghiệm").count() == 1
        tab.evaluate("""() => {
          const inputs = document.querySelectorAll('.leaflet-control-layers-base input');
          inputs[1].click();
        }""")
        tab.wait_for_function(
            "() => performance.getEntriesByType('resource').some("
            "e => e.name.includes('/basemap/vector/') && e.name.endsWith('.mvt'))")
        tab.wait_for_load_state("networkidle")
        assert tab.locator(".leaflet-tile-pane canvas").count() > 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "main-vector.png"))
        assert not tab.evaluate(
            "() => document.querySelector('.portal-map').classList.contains('portal-map-offline')")


def test_the_visitors_page_draws_the_default_basemap_on_a_phone(basemap_server, watched_tab,
                                                               settled):
    with watched_tab(basemap_server, viewport={"width": 390, "height": 844},
                     is_mobile=True, has_touch=True) as tab:
        urls = _basemap_requests(tab)
        tab.goto(f"{basemap_server}/geopark")
        settled(tab, "/geopark")
        assert any("/basemap/anh/" in url for url in urls), urls
        assert tab.locator("#geopark-map img.leaflet-tile-loaded").count() > 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "geopark-phone.png"))
