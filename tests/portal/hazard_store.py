"""A flood-depth grid with a known wet rectangle, an elevation plane, and projects around them.

Both grids are 100 x 100 cells of 20 m in UTM 48N, over the forests of Đình Lập (no demo record
within them), as a provincial office hands them over: float32 GeoTIFFs with -9999 as nodata.

Flood depth (m): dry land 0; the wet rectangle rows 20-39, cols 30-59 at 1.2 m with a nodata
hole at rows 25-29, cols 40-44 (a gap in the survey); a shallow pond at rows 60-69, cols 10-29
(0.3 m); a patch at exactly the threshold, rows 70-74, cols 70-79 (0.5 m); the last ten columns
nodata (outside the survey). Elevation (m): 300 + 2 x column, no nodata. Population: 25 people
per 100 m cell on a 6 km grid around both (official), so 1 km around any project on the flood
grid holds 2,500 people per km² times the area of the 256-gon.

Industry records stand at cell centres (row, col), one polygon covers cells inside the wet
rectangle, one point is off both grids; two housing records stand in the water, the second
moved to another commune, so a reader of one commune sees only the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
from affine import Affine
from sqlalchemy import select, update

import rasterio
import shapely

from geodata.crs import to_wgs84
from portal.store import loader
from portal.store.models import Area, Feature
from portal.store.rasters import add_raster, raster_folder

WEST, NORTH, CELL, SIZE = 737_000.0, 2_393_000.0, 20.0, 100
CRS = "EPSG:32648"
NODATA = -9999.0
DAY = dt.date(2025, 3, 1)
#: The population grid: 60 x 60 cells of 100 m around the flood grid, 25 people in each.
PEOPLE_PER_CELL = 25.0

#: name, (row, col) of the cell whose centre the record stands on, status; and what it is.
PROJECTS = (
    ("KCN Vùng Trũng", (30, 50), "construction"),        # deep in the water: 1.2 m
    ("CCN Bờ Trong", (35, 59), "planning"),              # last wet column: 1.2 m
    ("CCN Bờ Ngoài", (35, 60), "planning"),              # first dry column beyond: 0 m
    ("CCN Ao Nông", (65, 20), "site_clearance"),         # shallow pond: 0.3 m
    ("Nhà máy Mức Ngưỡng", (72, 75), "construction"),   # exactly 0.5 m: at the threshold
    ("CCN Lỗ Khảo Sát", (27, 42), "planning"),           # in the nodata hole: no value
    ("CCN Ngoài Vùng Đo", (50, 95), "planning"),         # nodata columns: no value
)
#: The polygon project: cells rows 22-28, cols 32-38 (all wet, west of the hole).
POLYGON = ("KCN Ven Suối", ((22, 32), (29, 39)), "site_clearance")
#: A project 5 km west of both grids.
FAR = ("CCN Xa Lưới", "completed")
#: The projects the flood grid flags (at or over 0.5 m), with their depth.
FLOODED = {"KCN Vùng Trũng": 1.2, "CCN Bờ Trong": 1.2, "Nhà máy Mức Ngưỡng": 0.5,
           "KCN Ven Suối": 1.2}
#: Housing records in the water: (row, col).
HOUSEHOLDS = (("Hộ ông Lường Văn Pả", (21, 31)), ("Hộ bà Hoàng Thị Slam", (38, 58)))


def flood_depth() -> np.ndarray:
    """Return the flood-depth grid (metres; -9999 nodata)."""
    depth = np.zeros((SIZE, SIZE), dtype="float32")
    depth[20:40, 30:60] = 1.2
    depth[25:30, 40:45] = NODATA
    depth[60:70, 10:30] = 0.3
    depth[70:75, 70:80] = 0.5
    depth[:, 90:] = NODATA
    return depth


def elevation() -> np.ndarray:
    """Return the elevation grid: 300 m plus 2 m per column eastwards."""
    return np.tile(300.0 + 2.0 * np.arange(SIZE, dtype="float32"), (SIZE, 1)).astype("float32")


def lonlat(row: float, col: float) -> tuple[float, float]:
    """Return the WGS 84 point at fractional cell position (row, col) (.5: a centre)."""
    lons, lats = to_wgs84([WEST + col * CELL], [NORTH - row * CELL], CRS)
    return float(lons[0]), float(lats[0])


def centre(cell: tuple[int, int]) -> tuple[float, float]:
    """Return the WGS 84 centre of a cell."""
    return lonlat(cell[0] + 0.5, cell[1] + 0.5)


def _write_raster(session, instance: Path, name: str, data: np.ndarray, *, kind: str,
                  names: tuple[str, str], unit: str, provenance: str,
                  grid: tuple[float, float, float] = (WEST, NORTH, CELL)) -> int:
    folder = raster_folder(instance)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    left, top, cell = grid
    height, width = data.shape
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs=CRS, nodata=NODATA,
                       transform=Affine(cell, 0, left, 0, -cell, top)) as sink:
        sink.write(data, 1)
        wkt = sink.crs.to_wkt()
    west, north = lonlat((NORTH - top) / CELL, (left - WEST) / CELL)
    east, south = lonlat((NORTH - top + height * cell) / CELL, (left - WEST + width * cell) / CELL)
    row = add_raster(
        session, kind=kind, name_vi=names[0], name_en=names[1], unit=unit,
        source="Sở Nông nghiệp và Môi trường (thử)", as_of=dt.date(2025, 1, 1),
        provenance=provenance, public=True, file_name=name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(), file_bytes=path.stat().st_size,
        crs=wkt, width=width, height=height, band_count=1, dtype="float32", nodata=NODATA,
        west=west, south=south, east=east, north=north, style={}, stats=[],
        created_by="test")
    return row.id


def add_rasters(session, instance: Path) -> None:
    """Write the flood-depth, elevation and population grids into ``instance``; register them."""
    _write_raster(session, instance, "ngap_lut.tif", flood_depth(), kind="flood_depth",
                  names=("Độ sâu ngập lũ 2024", "Flood depth 2024"), unit="m",
                  provenance="illustrative")
    _write_raster(session, instance, "do_cao.tif", elevation(), kind="elevation",
                  names=("Mô hình số độ cao", "Elevation model"), unit="m",
                  provenance="approximate")
    _write_raster(session, instance, "dan_so.tif", np.full((60, 60), PEOPLE_PER_CELL, "float32"),
                  kind="population", names=("Dân số 2024", "Population 2024"), unit="người",
                  provenance="official", grid=(WEST - 2000.0, NORTH + 2000.0, 100.0))


def add_records(session) -> dict[str, int]:
    """Add the projects and households; return the feature ids by name."""
    def record(layer: str, n: int, name: str, geometry, status: str, **attributes):
        return loader.RecordRow(
            layer_id=layer, record_id=f"LS-HZ-{layer[:3].upper()}-{n}", name=name,
            geometry=geometry, attributes=attributes, history=[loader.StateRow(DAY, status)])

    rows = [record("industry", n, name, shapely.Point(*centre(cell)), status, kind="cluster")
            for n, (name, cell, status) in enumerate(PROJECTS)]
    (top, left), (bottom, right) = POLYGON[1]
    ring = [lonlat(top, left), lonlat(top, right), lonlat(bottom, right), lonlat(bottom, left)]
    rows.append(record("industry", 90, POLYGON[0], shapely.Polygon(ring), POLYGON[2],
                       kind="park"))
    far = lonlat(50, -250)
    rows.append(record("industry", 91, FAR[0], shapely.Point(*far), FAR[1], kind="cluster"))
    rows += [record("housing", n, name, shapely.Point(*centre(cell)), "approved",
                    beneficiary=name)
             for n, (name, cell) in enumerate(HOUSEHOLDS)]
    loader.write_records(session, rows)
    names = [r.name for r in rows]
    ids = dict(session.execute(select(Feature.name, Feature.id)
                               .where(Feature.name.in_(names))).all())
    # The second household belongs to another commune than the first.
    first = session.scalar(select(Feature.commune_code).where(
        Feature.id == ids[HOUSEHOLDS[0][0]]))
    other = session.scalar(select(Area.code).where(Area.level == "commune",
                                                   Area.code != first).order_by(Area.code))
    session.execute(update(Feature).where(Feature.id == ids[HOUSEHOLDS[1][0]])
                    .values(commune_code=other))
    return ids


def commune_of(session, feature_id: int) -> str:
    """Return a record's commune code."""
    return session.scalar(select(Feature.commune_code).where(Feature.id == feature_id))
