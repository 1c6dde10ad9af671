"""GeoTIFFs as a provincial office hands them over, built with rasterio and numpy, known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

#: Lạng Sơn city, in degrees.
CITY = (106.76, 21.85)
NODATA = -9999.0


def write_tif(path: Path, data: np.ndarray, crs, transform, nodata=None, **options) -> Path:
    """Write ``data`` (bands, rows, cols) as a GeoTIFF."""
    bands, height, width = data.shape
    profile = {"driver": "GTiff", "width": width, "height": height, "count": bands,
               "dtype": data.dtype.name, "transform": transform, **options}
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(data)
    return path


def elevation_vn2000(path: Path, epsg: int = 9215) -> Path:
    """A 200 x 200 elevation grid in VN-2000 / TM-3 (30 m cells) around Lạng Sơn city.

    West half 100 m, east half 900 m; the north-west 50 x 50 cells are nodata.
    """
    to_grid = Transformer.from_crs(4326, epsg, always_xy=True)
    x, y = to_grid.transform(CITY[0] - 0.03, CITY[1] + 0.03)
    data = np.full((1, 200, 200), 100.0, dtype="float32")
    data[0, :, 100:] = 900.0
    data[0, :50, :50] = NODATA
    return write_tif(path, data, f"EPSG:{epsg}", from_origin(x, y, 30.0, 30.0), NODATA)


def rgb_wgs84(path: Path) -> Path:
    """A 3-band 100 x 100 uint8 image in EPSG:4326 near the city: red, nodata 0 in the south."""
    data = np.zeros((3, 100, 100), dtype="uint8")
    data[0, :50], data[1, :50], data[2, :50] = 200, 30, 40
    transform = from_origin(CITY[0] - 0.05, CITY[1] + 0.05, 0.001, 0.001)
    return write_tif(path, data, "EPSG:4326", transform, 0)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int, int]:
    """Return the XYZ tile holding a point, and the point's pixel column and row in it."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    lat_r = np.radians(lat)
    fy = (1 - np.log(np.tan(lat_r) + 1 / np.cos(lat_r)) / np.pi) / 2 * n
    x, y = int(fx), int(fy)
    return x, y, int((fx - x) * 256), int((fy - y) * 256)
