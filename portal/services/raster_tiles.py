"""PNG map tiles of a kept raster (rio-tiler), and the legend of its style.

A tile is cut from the COG on the Web-Mercator XYZ grid (the stored file stays in its own CRS:
only the picture is warped), band 1 rescaled from the style's ``vmin``-``vmax`` to 0-255 and
coloured with the style's colormap (or three bands shown as they are); nodata cells and the
outside of the raster are transparent.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from rio_tiler.colormap import cmap
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from geodata.raster_checks import safe_env

TILE_SIZE = 256
#: Colours a legend's ramp shows (evenly spaced from vmin to vmax).
LEGEND_STOPS = 6
MEDIA_TYPE = "image/png"


class OutsideRaster(Exception):
    """The tile asked for does not meet the raster."""


class _Reader(Reader):
    """rio-tiler's reader without its own "does the tile meet the raster" test.

    That test reprojects the tile's box to the raster's CRS through a new PROJ pipeline on every
    call (over 100 ms for VN-2000 under load); the route tests the tile against the raster's
    WGS 84 box first, and a tile beside the grid in that box only comes out transparent.
    """

    def tile_exists(self, tile_x: int, tile_y: int, tile_z: int) -> bool:  # noqa: D102
        return True


#: Readers kept open per thread (a GDAL dataset is not shared between threads), by path.
_OPEN = threading.local()
OPEN_READERS = 8


def _reader(path: Path) -> Reader:
    readers: OrderedDict = getattr(_OPEN, "readers", None) or OrderedDict()
    _OPEN.readers = readers
    key = str(path)
    if key in readers:
        readers.move_to_end(key)
        return readers[key]
    with safe_env():
        reader = _Reader(key)
    readers[key] = reader
    while len(readers) > OPEN_READERS:
        readers.popitem(last=False)[1].close()
    return reader


def style_key(style: dict[str, Any]) -> str:
    """Return a short digest of a style (part of a tile's ETag and URL)."""
    text = json.dumps(style, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _colour(rgba: tuple[int, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def legend_stops(style: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the legend's colour ramp: ``[{"value", "color"}]`` from vmin to vmax.

    >>> stops = legend_stops({"colormap": "blues", "vmin": 0, "vmax": 5})
    >>> len(stops), stops[0]["value"], stops[-1]["value"], stops[-1]["color"]
    (6, 0.0, 5.0, '#08306b')
    >>> legend_stops({"colormap": None, "bands": [1, 2, 3]})
    []
    """
    name = style.get("colormap")
    if not name:
        return []
    colours = cmap.get(name)
    vmin, vmax = float(style.get("vmin", 0)), float(style.get("vmax", 1))
    stops = []
    for i in range(LEGEND_STOPS):
        share = i / (LEGEND_STOPS - 1)
        stops.append({"value": round(vmin + share * (vmax - vmin), 6),
                      "color": _colour(colours[round(share * 255)])})
    return stops


def render_tile(path: Path, style: dict[str, Any], z: int, x: int, y: int) -> bytes:
    """Return the PNG of tile ``z/x/y`` of the COG at ``path``; OutsideRaster when it misses it."""
    bands = tuple(style.get("bands") or [1])
    with safe_env():
        try:
            image = _reader(Path(path)).tile(x, y, z, tilesize=TILE_SIZE, indexes=bands)
        except TileOutsideBounds as exc:
            raise OutsideRaster(f"{z}/{x}/{y}") from exc
    name = style.get("colormap")
    if name:
        vmin, vmax = float(style.get("vmin", 0)), float(style.get("vmax", 1))
        image = image.rescale(in_range=((vmin, vmax),))
        return image.render(img_format="PNG", colormap=cmap.get(name))
    if image.data.dtype != np.uint8:
        image = image.rescale(in_range=((float(style.get("vmin", 0)),
                                         float(style.get("vmax", 255))),) * len(bands))
    return image.render(img_format="PNG")
