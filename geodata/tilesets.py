"""Tile archives an administrator hands over: MBTiles (SQLite) and PMTiles, read and checked.

`inspect_tileset` opens a file read-only and tells what it holds (`TilesetInfo`: raster png/jpg/
webp or vector mvt, zooms, bounds, attribution) or raises `TilesetError` in Vietnamese and English:
not a tile archive, a truncated one, another tile type, bounds that miss Lạng Sơn, a tile whose
declared size is beyond `MAX_TILE_BYTES`, an MBTiles with triggers or with views reading outside
the file, a vector archive without the Protomaps basemap layers (`geodata.tileset_checks`).
`open_tileset` returns a reader of one tile by its XYZ address (MBTiles rows are TMS: counted
from the south).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from geodata.tileset_checks import (
    MAX_TILE_BYTES,
    PROTOMAPS_LAYERS,
    SQLITE_MAGIC,
    TilesetError,
    TilesetInfo,
    check_bounds,
)
from geodata.tilesets_mbtiles import MbtilesTiles, inspect_mbtiles
from geodata.tilesets_pmtiles import PmtilesTiles, inspect_pmtiles

__all__ = ["MAX_TILE_BYTES", "PROTOMAPS_LAYERS", "TilesetError", "TilesetInfo", "gzip_bytes",
           "inspect_tileset", "open_tileset", "sniff_container"]


def sniff_container(path: Path) -> str:
    """Return ``mbtiles`` or ``pmtiles`` from the file's first bytes, else raise."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "mbtiles"
    if head.startswith(b"PMTiles"):
        return "pmtiles"
    raise TilesetError(
        "The file is neither an MBTiles (SQLite) nor a PMTiles archive.",
        "Tệp không phải MBTiles (SQLite) cũng không phải PMTiles.")


def inspect_tileset(path: Path) -> TilesetInfo:
    """Open ``path`` read-only, check it and return what it holds (raises `TilesetError`)."""
    container = sniff_container(path)
    info = inspect_mbtiles(path) if container == "mbtiles" else inspect_pmtiles(path)
    check_bounds(info.bounds)
    return info




def open_tileset(path: Path):
    """Return a reader with ``tile(z, x, y) -> bytes | None`` for a checked archive."""
    return MbtilesTiles(path) if sniff_container(path) == "mbtiles" else PmtilesTiles(path)


def gzip_bytes(data: bytes) -> bytes:
    """Return ``data`` gzipped (vector tiles as PMTiles and MBTiles usually hold them)."""
    return gzip.compress(data, mtime=0)
