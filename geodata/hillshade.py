"""Hillshade tiles from an elevation raster: Horn's slope and aspect, greyscale PNG with alpha.

`hillshade` shades an elevation grid by Horn's method (the 3x3 weighted differences of
``gdaldem hillshade`` and ArcGIS): light from azimuth 315 degrees (north-west), altitude 45
degrees, a z-factor for elevations in other units than the horizontal ones (see
`z_factor_for_degrees` for a grid in degrees). A flat cell is ``255 * sin(altitude)``; cells
facing away from the light are 0; nodata, and cells with a nodata neighbour, are transparent.

`hillshade_tiles` reads the raster with rio-tiler (any CRS rasterio reads, VN-2000 included) one
Web-Mercator tile at a time with one pixel of buffer, so each tile's edge cells have their
neighbours and adjacent tiles join without a seam.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np

#: Metres per degree of latitude (WGS84 mean), for `z_factor_for_degrees`.
METRES_PER_DEGREE = 111_320.0
#: Web-Mercator tile size in pixels.
TILE_SIZE = 256
#: Earth's radius of Web-Mercator (EPSG:3857), metres.
_MERCATOR_RADIUS = 6_378_137.0


def z_factor_for_degrees(latitude: float) -> float:
    """Return the z-factor of a grid in degrees with elevations in metres at ``latitude``.

    >>> round(z_factor_for_degrees(0.0) * METRES_PER_DEGREE, 6)
    1.0
    """
    return 1.0 / (METRES_PER_DEGREE * math.cos(math.radians(latitude)))


def hillshade(elevation: np.ndarray, x_size: float, y_size: float, *, azimuth: float = 315.0,
              altitude: float = 45.0, z_factor: float = 1.0) -> np.ma.MaskedArray:
    """Return Horn's hillshade (0-255 floats) of the inner cells of ``elevation``.

    ``elevation`` is a 2-D (masked) array, north up; the answer is two cells smaller in each
    direction (the border cells only lend their values). ``x_size`` and ``y_size`` are a cell's
    width and height in the horizontal unit.

    >>> flat = np.zeros((3, 3))
    >>> round(float(hillshade(flat, 30, 30)[0, 0]), 3) == round(255 * math.sin(math.pi / 4), 3)
    True
    """
    grid = np.ma.masked_invalid(np.ma.asarray(elevation, dtype="float64"))
    values = grid.filled(0.0)
    mask = np.ma.getmaskarray(grid)

    def window(dy: int, dx: int) -> np.ndarray:
        rows, cols = values.shape
        return values[1 + dy:rows - 1 + dy, 1 + dx:cols - 1 + dx]

    a, b, c = window(-1, -1), window(-1, 0), window(-1, 1)
    d, f = window(0, -1), window(0, 1)
    g, h, i = window(1, -1), window(1, 0), window(1, 1)
    dz_dx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * x_size)
    dz_dy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * y_size)
    slope = np.arctan(z_factor * np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(dz_dy, -dz_dx)
    zenith = math.radians(90.0 - altitude)
    light = math.radians((360.0 - azimuth + 90.0) % 360.0)
    shade = 255.0 * (math.cos(zenith) * np.cos(slope)
                     + math.sin(zenith) * np.sin(slope) * np.cos(light - aspect))
    shade = np.clip(shade, 0.0, 255.0)
    rows, cols = mask.shape
    near_nodata = np.zeros((rows - 2, cols - 2), dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near_nodata |= mask[1 + dy:rows - 1 + dy, 1 + dx:cols - 1 + dx]
    return np.ma.masked_array(shade, mask=near_nodata)


def png_grey_alpha(shade: np.ma.MaskedArray) -> bytes:
    """Encode a hillshade as a greyscale PNG with alpha (masked cells transparent)."""
    from PIL import Image

    grey = np.rint(shade.filled(0.0)).astype("uint8")
    alpha = np.where(np.ma.getmaskarray(shade), 0, 255).astype("uint8")
    image = Image.fromarray(np.dstack([grey, alpha]), mode="LA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _tile_cell_size(z: int, y: int) -> float:
    """Return the ground width in metres of a pixel of XYZ tile row ``y`` at zoom ``z``."""
    n = 1 << z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    mercator = 2 * math.pi * _MERCATOR_RADIUS / (n * TILE_SIZE)
    return mercator * math.cos(math.radians(lat))


def hillshade_tiles(dem: Path, min_zoom: int, max_zoom: int, *, z_factor: float = 1.0,
                    azimuth: float = 315.0, altitude: float = 45.0,
                    ) -> Iterator[tuple[tuple[int, int, int], bytes]]:
    """Yield ((z, x, y), PNG bytes) of every XYZ tile the DEM covers from min to max zoom.

    Elevations are in metres unless ``z_factor`` says otherwise (feet: 0.3048). Tiles with no
    elevation at all are left out.
    """
    from rio_tiler.errors import TileOutsideBounds
    from rio_tiler.io import Reader

    with Reader(str(dem)) as source:
        west, south, east, north = source.get_geographic_bounds("epsg:4326")
        for tile in source.tms.tiles(west, south, east, north, list(range(min_zoom,
                                                                          max_zoom + 1))):
            try:
                image = source.tile(tile.x, tile.y, tile.z, tilesize=TILE_SIZE, buffer=1,
                                    indexes=1, resampling_method="bilinear")
            except TileOutsideBounds:
                continue
            band = image.array[0]
            if np.ma.getmaskarray(band).all():
                continue
            size = _tile_cell_size(tile.z, tile.y)
            shade = hillshade(band, size, size, azimuth=azimuth, altitude=altitude,
                              z_factor=z_factor)
            yield (tile.z, tile.x, tile.y), png_grey_alpha(shade)


def dem_bounds(dem: Path) -> tuple[float, float, float, float]:
    """Return a DEM's bounds in longitude/latitude (west, south, east, north)."""
    from rio_tiler.io import Reader

    with Reader(str(dem)) as source:
        return tuple(float(v) for v in source.get_geographic_bounds("epsg:4326"))
