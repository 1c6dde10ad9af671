"""PNG map tiles of a kept raster (rio-tiler), and the legend of its style.

A tile is cut from the COG on the Web-Mercator XYZ grid (the stored file stays in its own CRS:
only the picture is warped), band 1 rescaled from the style's ``vmin``-``vmax`` to 0-255 and
coloured with the style's colormap (or three bands shown as they are); nodata cells and the
outside of the raster are transparent.
"""

from __future__ import annotations

import hashlib
import json
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
    with safe_env(), Reader(str(path)) as reader:
        try:
            image = reader.tile(x, y, z, tilesize=TILE_SIZE, indexes=bands)
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
