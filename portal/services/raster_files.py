"""A checked GeoTIFF made into a kept Cloud-Optimised GeoTIFF: conversion, statistics, style.

The COG keeps the grid and the coordinate system it was uploaded in (never reprojected, never
resampled: a population grid's counts stay exact); rio-cogeo writes it tiled, deflate-compressed,
with internal overviews, through a temporary file on disk (``in_memory=False``) so memory stays
bounded whatever the raster's size. Statistics are read from the COG window by window.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from rasterio.windows import Window

from geodata.raster_checks import READ_CELLS, open_geotiff, safe_env

#: The kinds of raster the portal knows, with their unit and how they are drawn by default.
KINDS: dict[str, dict[str, str]] = {
    "elevation": {"unit": "m", "colormap": "terrain", "vi": "Độ cao", "en": "Elevation"},
    "slope": {"unit": "°", "colormap": "ylorrd", "vi": "Độ dốc", "en": "Slope"},
    "population": {"unit": "người/ô", "colormap": "viridis", "vi": "Dân số",
                   "en": "Population"},
    "flood_depth": {"unit": "m", "colormap": "blues", "vi": "Độ sâu ngập",
                    "en": "Flood depth"},
    "landslide_hazard": {"unit": "", "colormap": "ylorrd", "vi": "Nguy cơ sạt lở",
                         "en": "Landslide hazard"},
    "land_cover": {"unit": "", "colormap": "tab20", "vi": "Lớp phủ mặt đất",
                   "en": "Land cover"},
    "other": {"unit": "", "colormap": "greys", "vi": "Khác", "en": "Other"},
}
PROVENANCES = ("official", "approximate", "illustrative")
DEFAULT_OPACITY = 0.7


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in 1 MB pieces."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def to_cog(source: Path, target: Path) -> None:
    """Write ``source`` as a COG at ``target``: same CRS and grid, deflate, internal overviews."""
    profile = dict(cog_profiles.get("deflate"))
    with safe_env(), open_geotiff(source) as dataset:
        if dataset.dtypes[0] in ("float32", "float64"):
            profile["predictor"] = 3
        elif dataset.dtypes[0] != "int8":
            profile["predictor"] = 2
        cog_translate(
            dataset, str(target), profile, in_memory=False, quiet=True,
            overview_resampling="nearest", config={"GDAL_NUM_THREADS": "2"},
        )


def band_stats(path: Path) -> list[dict[str, Any]]:
    """Return per band min, max, mean and valid cells, read window by window (nodata left out)."""
    with safe_env(), open_geotiff(path) as dataset:
        count = dataset.count
        low = np.full(count, np.inf)
        high = np.full(count, -np.inf)
        total = np.zeros(count)
        valid = np.zeros(count, dtype=np.int64)
        rows = max(1, READ_CELLS // max(1, dataset.width * count))
        for top in range(0, dataset.height, rows):
            window = Window(0, top, dataset.width, min(rows, dataset.height - top))
            cells = dataset.read(window=window, masked=True)
            for band in range(count):
                values = cells[band].compressed().astype(np.float64)
                values = values[np.isfinite(values)]
                if values.size:
                    low[band] = min(low[band], values.min())
                    high[band] = max(high[band], values.max())
                    total[band] += values.sum()
                    valid[band] += values.size
    return [
        {
            "min": float(low[b]) if valid[b] else None,
            "max": float(high[b]) if valid[b] else None,
            "mean": float(total[b] / valid[b]) if valid[b] else None,
            "valid_cells": int(valid[b]),
        }
        for b in range(count)
    ]


def default_style(kind: str, stats: list[dict[str, Any]], dtype: str) -> dict[str, Any]:
    """Return how a raster of ``kind`` is drawn: an RGB image, or band 1 through a colormap.

    >>> default_style("elevation", [{"min": 200.0, "max": 1500.0}], "float32")["colormap"]
    'terrain'
    >>> default_style("other", [{"min": 0, "max": 255}] * 3, "uint8")["bands"]
    [1, 2, 3]
    """
    first = stats[0] if stats else {}
    vmin = first.get("min") if first.get("min") is not None else 0.0
    vmax = first.get("max") if first.get("max") is not None else 1.0
    if kind == "other" and len(stats) >= 3 and dtype == "uint8":
        return {"colormap": None, "bands": [1, 2, 3], "vmin": 0, "vmax": 255,
                "opacity": DEFAULT_OPACITY}
    if kind in ("population", "flood_depth"):
        vmin = 0.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    return {"colormap": KINDS.get(kind, KINDS["other"])["colormap"], "bands": [1],
            "vmin": float(vmin), "vmax": float(vmax), "opacity": DEFAULT_OPACITY}
