"""A small coverage store: an elevation raster of one hill near Lạng Sơn city and six villages.

The terrain is a function of longitude and latitude (metres from the station on the WGS 84
ellipsoid's local scale), so the same hills can be written on a UTM grid and on a VN-2000 grid.
The station stands on flat ground at 300 m; a hill 400 m high stands 1.5 km north of it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from affine import Affine
from sqlalchemy import delete, select

import rasterio
import rasterio.warp
import shapely

from geodata.crs import from_wgs84, to_wgs84
from geodata.viewshed import metres_per_degree
from portal.store import change_log, loader
from portal.store.models import Feature, FeatureState
from portal.store.rasters import add_raster, raster_folder

STATION = (106.7600, 21.8500)
HILL = (0.0, 1500.0, 400.0, 300.0)  # east, north (m), height, spread (m)
BASE = 300.0
#: name, east and north of the station (metres), status.
VILLAGES = (
    ("Bản Khuổi Phầy", 1500.0, 0.0, "listed"),       # flat, east: seen
    ("Bản Nà Sla", 0.0, 3000.0, "listed"),           # behind the hill: hidden
    ("Thôn Pò Mần", -2500.0, -2500.0, "site_agreed"),  # flat, south-west: seen
    ("Bản Đỉnh Đồi", 0.0, 1500.0, "power"),          # on the round hilltop: 400 m higher
    ("Bản Có Sóng", 3000.0, 0.0, "on_air"),           # covered already: not listed
    ("Bản Xa Xôi", 9000.0, 9000.0, "listed"),         # 12.7 km away, off the grid
)


def offset_lonlat(east: float, north: float) -> tuple[float, float]:
    """Return the point ``east``/``north`` metres from the station (local ellipsoid scale)."""
    per_lat, per_lon = metres_per_degree(STATION[1])
    return STATION[0] + east / per_lon, STATION[1] + north / per_lat


def terrain(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Return the ground elevation (m) at WGS 84 points."""
    per_lat, per_lon = metres_per_degree(STATION[1])
    east = (lons - STATION[0]) * per_lon
    north = (lats - STATION[1]) * per_lat
    he, hn, height, spread = HILL
    return BASE + height * np.exp(-((east - he) ** 2 + (north - hn) ** 2) / (2 * spread**2))


def write_dem(path: Path, crs: str, cell: float = 30.0, half_m: float = 7000.0) -> None:
    """Write the terrain on a ``cell`` m grid of ``crs`` around the station."""
    xs, ys = from_wgs84([STATION[0]], [STATION[1]], crs)
    n = int(2 * half_m / cell)
    west, north = float(xs[0]) - half_m, float(ys[0]) + half_m
    cols, rows = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    lons, lats = to_wgs84((west + cols * cell).ravel(), (north - rows * cell).ravel(), crs)
    dem = terrain(lons, lats).reshape(n, n).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                       crs=crs, nodata=-9999.0, tiled=True, blockxsize=256, blockysize=256,
                       transform=Affine(cell, 0, west, 0, -cell, north)) as out:
        out.write(dem, 1)


def add_elevation(session, instance: Path, crs: str = "EPSG:32648", *, kind: str = "elevation",
                  public: bool = False, name: str = "dem.tif") -> int:
    """Write the DEM into ``<instance>/rasters/`` and add its row; return its id."""
    folder = raster_folder(instance)
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / name, crs)
    with rasterio.open(folder / name) as dataset:
        west, south, east, north = rasterio.warp.transform_bounds(dataset.crs, "EPSG:4326",
                                                                  *dataset.bounds)
        fields = {"crs": dataset.crs.to_wkt(), "width": dataset.width,
                  "height": dataset.height}
    row = add_raster(
        session, kind=kind, name_vi="DEM thử", name_en="Test DEM", unit="m", source="test",
        as_of=dt.date(2025, 1, 1), provenance="illustrative", public=public, file_name=name,
        sha256="0" * 64, file_bytes=(folder / name).stat().st_size, band_count=1,
        dtype="float32", nodata=-9999.0, west=west, south=south, east=east, north=north,
        style={}, stats=[], **fields)
    return row.id


def place_villages(session) -> dict[str, int]:
    """Replace the signal layer's records by ``VILLAGES``; return their ids by name."""
    ids = select(Feature.id).where(Feature.layer_id == "signal")
    session.execute(delete(FeatureState).where(FeatureState.feature_id.in_(ids)))
    session.execute(delete(Feature).where(Feature.layer_id == "signal"))
    change_log.note_all(session)
    records = []
    for n, (name, east, north, status) in enumerate(VILLAGES):
        records.append(loader.RecordRow(
            layer_id="signal", record_id=f"LS-COV-{n}", name=name,
            geometry=shapely.Point(*offset_lonlat(east, north)),
            attributes={"village": name, "households": 40},
            history=[loader.StateRow(dt.date(2025, 3, 1), status)]))
    loader.write_records(session, records)
    return dict(session.execute(select(Feature.name, Feature.id)
                                .where(Feature.layer_id == "signal")).all())



