"""The planning page's raster section in Chromium: a slope grid's figures per commune, the
share above a threshold on the map, the table sorted by a click and numbers written the
Vietnamese way.

The module runs its own portal: a copy of the prepared store with a slope grid (UTM 48N,
500 m cells: 10° in the western half of the province, 30° in the eastern) in its
``rasters/`` folder, registered as a public raster.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

import rasterio

from portal.store.db import open_database
from portal.store.rasters import add_raster, raster_folder

pytestmark = pytest.mark.browser

WEST, NORTH, CELL, WIDTH, HEIGHT = 585_000.0, 2_500_000.0, 500.0, 350, 310
PLANNING = "/planning?layer=signal&level=commune&as_of=2025-09-30"
LOADED = "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded"


def _prepare(url: str, instance: Path) -> None:
    """Put a slope grid into the served instance's rasters folder and register it."""
    folder = raster_folder(instance)
    folder.mkdir(exist_ok=True)
    path = folder / "do_doc.tif"
    slope = np.where(np.arange(WIDTH) < WIDTH // 2, 10.0, 30.0)[None, :].repeat(HEIGHT, 0)
    with rasterio.open(path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1,
                       dtype="float32", crs="EPSG:32648", nodata=-9999.0,
                       transform=Affine(CELL, 0.0, WEST, 0.0, -CELL, NORTH)) as sink:
        sink.write(slope.astype("float32"), 1)
        wkt = sink.crs.to_wkt()
    db = open_database(url)
    with db.transaction() as session:
        add_raster(session, kind="slope", name_vi="Độ dốc", name_en="Slope", unit="độ",
                   source="Sở NN&MT (thử)", as_of=dt.date(2025, 1, 1),
                   provenance="illustrative", public=True, file_name=path.name,
                   sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                   file_bytes=path.stat().st_size, crs=wkt, width=WIDTH, height=HEIGHT,
                   band_count=1, dtype="float32", nodata=-9999.0, west=106.0, south=21.3,
                   east=107.4, north=22.5, style={}, stats=[], created_by="test")
    db.engine.dispose()


@pytest.fixture(scope="module")
def zonal_server(stores, template_url, tmp_path_factory, portal_process):
    """A portal whose store (SQLite or PostgreSQL) has one public slope grid."""
    folder = tmp_path_factory.mktemp("zonal")
    db_url = stores.new(folder, template_url)
    try:
        _prepare(db_url, folder)
        with portal_process(db_url, folder) as portal:
            yield portal.base
    finally:
        stores.drop(db_url)


def test_a_visitor_colours_the_map_by_the_share_of_steep_land_and_sorts_the_table(
        zonal_server, watched_tab):
    with watched_tab(zonal_server) as page:
        page.goto(zonal_server + PLANNING)
        page.wait_for_function(LOADED, timeout=30000)
        rows = page.locator("#zonal-table tbody tr[data-code]")
        rows.first.wait_for(timeout=30000)
        assert rows.count() == 65
        assert "Độ dốc" in page.locator("#zonal-raster").inner_text()
        page.fill("#zonal-threshold", "25")
        page.click("#zonal-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#zonal-figure option[value=share]')")
        page.select_option("#zonal-figure", "share")
        fills = page.evaluate(
            "() => Array.from(document.querySelectorAll("
            "'.leaflet-portal-areas-pane path[data-code]')).map(p => p.getAttribute('fill'))")
        assert len(fills) == 65 and len(set(fills)) >= 2  # steep east, gentle west
        header = page.locator("#zonal-table thead th", has_text="Tỷ lệ diện tích vượt ngưỡng")
        header.locator("button").click()
        shares = page.locator("#zonal-table tbody tr td:nth-child(10)").all_inner_texts()
        assert shares[0] == "100\u00a0%" and shares[-1] == "0\u00a0%"  # the Vietnamese percent
        assert header.get_attribute("aria-sort") == "descending"
        # A table row under the pointer outlines its area, which keeps the raster's colour.
        fill_of = ("code => document.querySelector("
                   "`.leaflet-portal-areas-pane path[data-code='${code}']`).getAttribute('fill')")
        code = rows.first.get_attribute("data-code")
        before = page.evaluate(fill_of, code)
        rows.first.hover()
        page.wait_for_function(
            "code => document.querySelector(`.leaflet-portal-areas-pane "
            "path[data-code='${code}']`).getAttribute('stroke-width') === '4'", arg=code)
        assert page.evaluate(fill_of, code) == before
        csv_link = page.locator("#zonal-csv").get_attribute("href")
        assert "format=csv" in csv_link and "threshold=25" in csv_link
