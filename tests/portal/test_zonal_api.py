"""``/api/rasters/<id>/zonal``: figures per area from a kept raster, checked against shapely.

A population grid (7 people per 500 m cell, UTM 48N, as a statistics office would hand it over)
is written into the instance's ``rasters/`` folder and registered with ``add_raster``; expected
sums are 7 x the stored area's UTM area / the cell's area.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from affine import Affine
from sqlalchemy import select

import geopandas as gpd
import rasterio
import shapely

from portal.services import zonal
from portal.store import loader
from portal.store.models import Area
from portal.store.rasters import add_raster, raster_folder
from portal.web.database import get_database

DATA = Path(__file__).resolve().parents[1] / "data"
UTM48N = "EPSG:32648"
CELL = 500.0
WEST, NORTH, WIDTH, HEIGHT = 585_000.0, 2_500_000.0, 350, 310  # the province and a margin


def _put_raster(app, tmp_path, *, kind="population", public=True, values=None,
                name="danso", day=dt.date(2025, 1, 1)) -> int:
    """Write a GeoTIFF into ``<instance>/rasters/`` and register it; return its id."""
    folder = raster_folder(tmp_path)
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.tif"
    grid = np.full((HEIGHT, WIDTH), 7.0, "float32") if values is None else values
    with rasterio.open(path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1,
                       dtype=grid.dtype.name, crs=UTM48N, nodata=-9999.0,
                       transform=Affine(CELL, 0.0, WEST, 0.0, -CELL, NORTH)) as sink:
        sink.write(grid, 1)
        crs_wkt = sink.crs.to_wkt()
    with get_database(app).transaction() as session:
        return add_raster(
            session, kind=kind, name_vi=f"Lưới {kind}", name_en=f"{kind} grid",
            unit="người/ô" if kind == "population" else "độ", source="Cục Thống kê (thử)",
            as_of=day, provenance="illustrative", public=public, file_name=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            file_bytes=path.stat().st_size, crs=crs_wkt, width=WIDTH, height=HEIGHT,
            band_count=1, dtype=grid.dtype.name, nodata=-9999.0, west=106.0, south=21.3,
            east=107.4, north=22.5, style={}, stats=[], created_by="test",
        ).id


def _expected_people(app, level: str) -> dict[str, float]:
    """Return 7 x each stored area's UTM area / a cell's area, from shapely alone."""
    with get_database(app).sessions() as session:
        rows = session.execute(select(Area.code, Area.geom).where(Area.level == level)).all()
    frame = gpd.GeoSeries(shapely.from_wkb([r.geom for r in rows]), crs=4326).to_crs(UTM48N)
    return {r.code: 7.0 * area / CELL**2 for r, area in zip(rows, frame.area, strict=True)}


def test_the_table_gives_each_communes_people_exactly(app, client, tmp_path):
    raster_id = _put_raster(app, tmp_path)
    answer = client.get(f"/api/rasters/{raster_id}/zonal?level=commune").get_json()
    expected = _expected_people(app, "commune")
    assert len(answer["rows"]) == len(expected) == 65
    for row in answer["rows"]:
        assert row["sum"] == pytest.approx(expected[row["code"]], rel=1e-6)
        assert row["mean"] == pytest.approx(7.0, rel=1e-12)
        assert row["covered_share"] == pytest.approx(1.0, rel=1e-6)
    assert answer["raster"]["unit"] == "người/ô"
    assert answer["raster"]["provenance"] == "illustrative"
    assert answer["boundaries"] == {"provenance": "approximate", "approximate": True,
                                    "store": "approximate"}
    assert answer["columns"][:4] == ["mean", "sum", "min", "max"]
    district = client.get(f"/api/rasters/{raster_id}/zonal?level=district").get_json()
    expected = _expected_people(app, "district")
    assert {r["code"]: round(r["sum"], 3) for r in district["rows"]} == {
        code: round(value, 3) for code, value in expected.items()}


def test_a_threshold_share_is_the_area_above_it(app, client, tmp_path):
    xs = np.arange(WIDTH)[None, :].repeat(HEIGHT, axis=0)
    slope = np.where(xs < WIDTH // 2, 10.0, 30.0).astype("float32")  # west gentle, east steep
    raster_id = _put_raster(app, tmp_path, kind="slope", values=slope, name="doc")
    east = shapely.box(WEST + CELL * (WIDTH // 2), NORTH - CELL * HEIGHT, WEST + CELL * WIDTH,
                       NORTH)
    answer = client.get(f"/api/rasters/{raster_id}/zonal?level=commune&threshold=25").get_json()
    below = client.get(f"/api/rasters/{raster_id}/zonal?level=commune&threshold=25&above=0")
    with get_database(app).sessions() as session:
        rows = session.execute(select(Area.code, Area.geom).where(Area.level == "commune")).all()
    shapes = dict(zip([r.code for r in rows], gpd.GeoSeries(shapely.from_wkb(
        [r.geom for r in rows]), crs=4326).to_crs(UTM48N), strict=True))
    assert answer["threshold"] == 25.0 and "share" in answer["columns"]
    for row, other in zip(answer["rows"], below.get_json()["rows"], strict=True):
        polygon = shapes[row["code"]]
        assert row["share"] == pytest.approx(polygon.intersection(east).area / polygon.area,
                                             abs=1e-6)
        assert row["share"] + other["share"] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(("query", "field"), [
    ("level=village", "level"), ("threshold=steep", "threshold"), ("threshold=nan", "threshold"),
    ("above=2", "above"), ("format=pdf", "format"),
])
def test_a_bad_parameter_is_a_400_naming_it_in_both_languages(app, client, tmp_path, query,
                                                              field):
    raster_id = _put_raster(app, tmp_path)
    answers = [client.get(f"/api/rasters/{raster_id}/zonal?{query}&lang={lang}")
               for lang in ("vi", "en")]
    assert [a.status_code for a in answers] == [400, 400]
    vi, en = (a.get_json() for a in answers)
    assert vi["errors"][0]["field"] == en["errors"][0]["field"] == field
    assert field in en["error"] and field in vi["error"] and vi["error"] != en["error"]


def test_a_private_raster_is_not_found_for_visitors_but_read_by_staff(app, client, tmp_path,
                                                                       login):
    raster_id = _put_raster(app, tmp_path, public=False, kind="flood_depth", name="ngap")
    assert client.get(f"/api/rasters/{raster_id}/zonal").status_code == 404
    assert client.get(f"/api/rasters/{raster_id}/zonal?format=csv").status_code == 404
    assert client.get("/api/rasters/999999/zonal").status_code == 404
    listed = "/api/rasters?as_of=2025-12-31"  # what the planning page offers
    assert raster_id not in [r["id"] for r in client.get(listed).get_json()["rasters"]]
    login("viewer")
    assert client.get(f"/api/rasters/{raster_id}/zonal").status_code == 200
    assert raster_id in [r["id"] for r in client.get(listed).get_json()["rasters"]]


def test_the_csv_and_xlsx_exports_hold_the_json_figures(app, client, tmp_path):
    raster_id = _put_raster(app, tmp_path)
    url = f"/api/rasters/{raster_id}/zonal?level=commune&threshold=5"
    answer = client.get(url).get_json()
    response = client.get(url + "&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["Mã địa bàn (Area code)", "Địa bàn (Area)", "Trung bình (Mean)"]
    assert "Tổng (Sum)" in table[0]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == table[0]
    total = table[0].index("Tổng (Sum)")
    share = table[0].index("Tỷ lệ diện tích vượt ngưỡng (Share beyond the threshold)")
    for row, line, xrow in zip(answer["rows"], table[1:], cells[1:], strict=True):
        assert line[0] == xrow[0] == row["code"] and line[1] == xrow[1] == row["name"]
        assert float(line[total]) == pytest.approx(row["sum"], rel=1e-12)
        assert xrow[total] == pytest.approx(row["sum"], rel=1e-12)
        assert float(line[share]) == xrow[share] == row["share"]


def test_new_official_boundaries_give_new_figures_not_the_cached_ones(app, client, runner,
                                                                     tmp_path):
    raster_id = _put_raster(app, tmp_path)
    url = f"/api/rasters/{raster_id}/zonal?level=commune"
    before = {r["code"]: r["sum"] for r in client.get(url).get_json()["rows"]}
    computed = zonal.TABLES.computed
    with get_database(app).transaction() as session:
        loader.bump_data_version(session)  # an edit: the areas are the same, the table kept
    assert {r["code"]: r["sum"] for r in client.get(url).get_json()["rows"]} == before
    assert zonal.TABLES.computed == computed
    result = runner.invoke(args=[
        "import-boundaries", str(DATA / "communes_2025_official_like.gpkg"), "--level",
        "commune", "--vintage", "2025", "--source", "Sở Nông nghiệp và Môi trường (thử)",
        "--date", "2025-07-01", "--lang", "en",
    ])
    assert result.exit_code == 0, result.output
    answer = client.get(url).get_json()
    after = {r["code"]: r["sum"] for r in answer["rows"]}
    expected = _expected_people(app, "commune")
    assert after != before and zonal.TABLES.computed == computed + 1
    assert all(after[code] == pytest.approx(value, rel=1e-6) for code, value in expected.items())
    assert answer["boundaries"]["provenance"] == "official"
    assert answer["boundaries"]["approximate"] is False


def test_records_per_thousand_people_use_the_current_population_grid(app, client, tmp_path):
    people = _put_raster(app, tmp_path)
    slope = _put_raster(app, tmp_path, kind="slope", name="doc")
    url = f"/api/rasters/{slope}/zonal?level=commune&as_of=2025-09-30&layer=signal"
    answer = client.get(url).get_json()
    assert answer["per_capita"]["population"]["id"] == people
    counts = {r["code"]: r["count"] for r in client.get(
        "/api/progress?layer=signal&level=commune&as_of=2025-09-30").get_json()}
    expected = _expected_people(app, "commune")
    assert any(counts.values())
    for row in answer["rows"]:
        assert row["records"] == counts.get(row["code"], 0)
        assert row["per_1000"] == pytest.approx(
            1000 * row["records"] / expected[row["code"]], rel=1e-6)
    before_grid = client.get(url.replace("2025-09-30", "2024-06-30")).get_json()
    assert before_grid["per_capita"] is None and "per_1000" not in before_grid["rows"][0]
    assert math.isfinite(answer["rows"][0]["population"])
