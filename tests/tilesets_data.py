"""Tile archives made in the tests: MBTiles and PMTiles of PNG or vector tiles over Lạng Sơn."""

from __future__ import annotations

import gzip
import io
import json
import math
import sqlite3
from pathlib import Path

import mapbox_vector_tile
from PIL import Image
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

#: Lạng Sơn city, where every test archive has its tiles.
LAT, LON = 21.85, 106.76
LANGSON_BOUNDS = (106.0, 21.3, 107.4, 22.5)
EUROPE_BOUNDS = (2.2, 48.8, 2.5, 48.9)  # Paris


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile holding a point."""
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def png_tile(seed: int) -> bytes:
    """A distinct 256x256 PNG per seed."""
    image = Image.new("RGB", (256, 256), ((seed * 37) % 256, (seed * 91) % 256, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_tiles(zooms=(8, 9, 10)) -> dict[tuple[int, int, int], bytes]:
    """One PNG tile per zoom over Lạng Sơn city, each different."""
    return {tile_of(LAT, LON, z): png_tile(z) for z in zooms}


def mvt_tile(layers=("earth", "water", "roads")) -> bytes:
    """A vector tile with one polygon in each named layer."""
    square = "POLYGON ((0 0, 0 4096, 4096 4096, 4096 0, 0 0))"
    return mapbox_vector_tile.encode(
        [{"name": name, "features": [{"geometry": square, "properties": {"kind": name}}]}
         for name in layers])


def write_mbtiles(path: Path, tiles: dict, fmt: str = "png", bounds=LANGSON_BOUNDS,
                  extra_sql: str = "", metadata: dict | None = None) -> Path:
    """An MBTiles as tools write it (TMS rows), with ``extra_sql`` run at the end."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
                 "tile_data BLOB)")
    zooms = [z for z, _x, _y in tiles]
    values = {"name": "test", "format": fmt, "bounds": ",".join(map(str, bounds)),
              "minzoom": str(min(zooms)), "maxzoom": str(max(zooms)),
              "attribution": "© OpenStreetMap contributors", **(metadata or {})}
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", values.items())
    for (z, x, y), data in tiles.items():
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    if extra_sql:
        conn.executescript(extra_sql)
    conn.commit()
    conn.close()
    return path


def write_pmtiles(path: Path, tiles: dict, tile_type=TileType.PNG, bounds=LANGSON_BOUNDS,
                  compression=Compression.NONE, metadata: dict | None = None) -> Path:
    """A PMTiles v3 written with the ``pmtiles`` package."""
    zooms = [z for z, _x, _y in tiles]
    with open(path, "wb") as handle:
        writer = Writer(handle)
        for (z, x, y), data in sorted(tiles.items(), key=lambda i: zxy_to_tileid(*i[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        west, south, east, north = bounds
        writer.finalize({
            "tile_type": tile_type, "tile_compression": compression,
            "min_zoom": min(zooms), "max_zoom": max(zooms),
            "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
            "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7),
            "center_zoom": min(zooms), "center_lon_e7": int(LON * 1e7),
            "center_lat_e7": int(LAT * 1e7),
        }, {"attribution": "© Protomaps © OpenStreetMap", **(metadata or {})})
    return path


def vector_tiles(layers=("earth", "water", "roads"), zooms=(8, 9)) -> dict:
    """Gzipped vector tiles over Lạng Sơn city, as Protomaps builds hold them."""
    return {tile_of(LAT, LON, z): gzip.compress(mvt_tile(layers), mtime=0) for z in zooms}


def metadata_json(layers) -> dict:
    """The MBTiles ``json`` metadata row listing vector layers."""
    return {"json": json.dumps({"vector_layers": [{"id": name} for name in layers]})}
