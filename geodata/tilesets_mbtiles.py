"""MBTiles archives (SQLite with ``metadata`` and ``tiles``), opened read-only and checked.

A file is opened with ``mode=ro`` and an authorizer that lets a statement read only this file's
own tables and call a few plain functions: a view that attaches, or reads another database, or
calls anything else fails the check. Triggers are refused outright (a read-only archive has no
use for them).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

from geodata.tileset_checks import (
    MAX_TILE_BYTES,
    VIEW_FUNCTIONS,
    TilesetError,
    TilesetInfo,
    attribution,
    check_protomaps_layers,
    kind_of,
    layers_from_metadata,
    tile_format,
    too_big,
    truncated,
    vector_layer_names,
)

_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ}


def _authorizer(action, arg1, arg2, database, _trigger):
    """Let statements read this file's tables and call plain functions, nothing else."""
    if action == sqlite3.SQLITE_READ and database in ("main", None):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_SELECT:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in VIEW_FUNCTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 in ("table_info", "query_only"):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def connect(path: Path) -> sqlite3.Connection:
    """Open an MBTiles read-only, with the authorizer set (usable from any thread)."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = 1")
    conn.set_authorizer(_authorizer)
    return conn


def _schema(conn: sqlite3.Connection) -> dict[str, str]:
    conn.set_authorizer(None)
    try:
        rows = conn.execute("SELECT name, type FROM sqlite_master").fetchall()
    finally:
        conn.set_authorizer(_authorizer)
    return {name: kind for name, kind in rows}


def _check_schema(schema: dict[str, str]) -> None:
    triggers = sorted(name for name, kind in schema.items() if kind == "trigger")
    if triggers:
        raise TilesetError(
            f"The MBTiles holds triggers ({', '.join(triggers)}); a tile archive has none.",
            f"Tệp MBTiles có trigger ({', '.join(triggers)}); tệp ô bản đồ không có trigger.")
    missing = [name for name in ("metadata", "tiles") if schema.get(name) not in ("table", "view")]
    if missing:
        raise TilesetError(
            f"The SQLite file is not an MBTiles: it has no {' or '.join(missing)} table.",
            f"Tệp SQLite không phải MBTiles: không có bảng {' hoặc '.join(missing)}.")


def _metadata(conn: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}


def _zooms(conn: sqlite3.Connection, metadata: dict[str, str]) -> tuple[int, int]:
    low, high = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    if low is None:
        raise TilesetError("The file holds no tile.", "Tệp không có ô bản đồ nào.")
    try:
        return int(metadata.get("minzoom", low)), int(metadata.get("maxzoom", high))
    except ValueError:
        return int(low), int(high)


def _bounds(metadata: dict[str, str]) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in metadata["bounds"].split(","))
    except (KeyError, ValueError):
        raise TilesetError(
            "The MBTiles metadata has no 'bounds' (west,south,east,north in degrees).",
            "Metadata của MBTiles thiếu 'bounds' (tây,nam,đông,bắc theo độ).") from None
    return west, south, east, north


def _vector_layers(conn: sqlite3.Connection, metadata: dict[str, str]) -> tuple[str, ...]:
    names: set[str] = set()
    if "json" in metadata:
        try:
            names = layers_from_metadata(json.loads(metadata["json"]))
        except ValueError:
            names = set()
    if not names:
        row = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        names = vector_layer_names(bytes(row[0])) if row else set()
    return check_protomaps_layers(names)


def inspect_mbtiles(path: Path) -> TilesetInfo:
    """Check an MBTiles: schema, metadata, tile sizes, bounds and, for vector tiles, layers."""
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise truncated(exc) from exc
    try:
        schema = _schema(conn)
        _check_schema(schema)
        metadata = _metadata(conn)
        fmt = tile_format(metadata.get("format", ""))
        kind = kind_of(fmt)
        low, high = _zooms(conn, metadata)
        (largest,) = conn.execute("SELECT max(length(tile_data)) FROM tiles").fetchone()
        if largest and largest > MAX_TILE_BYTES:
            raise too_big(largest)
        layers = _vector_layers(conn, metadata) if kind == "vector" else ()
        bounds = _bounds(metadata)
    except TilesetError:
        raise
    except sqlite3.DatabaseError as exc:
        if "not authorized" in str(exc):
            raise TilesetError(
                "The MBTiles has a view that reads or makes data beyond its own tables (it "
                "points elsewhere); the portal does not keep such a file.",
                "Tệp MBTiles có view đọc hoặc tạo dữ liệu ngoài các bảng của chính nó (trỏ ra "
                "ngoài); cổng không giữ tệp như vậy.") from exc
        raise truncated(exc) from exc
    finally:
        conn.close()
    return TilesetInfo("mbtiles", kind, fmt, low, high, bounds,
                       attribution(metadata), layers)


class MbtilesTiles:
    """Tiles of an MBTiles by XYZ address (the TMS row flipped), one read-only connection."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """Return the stored bytes of tile z/x/y (XYZ), None when the archive has none."""
        row = self._conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def write_mbtiles(path: Path, metadata: dict[str, str], tiles) -> int:
    """Write an MBTiles of ``tiles`` ((z, x, y) XYZ, bytes); return how many were written."""
    conn = sqlite3.connect(path)
    count = 0
    try:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                      "tile_row INTEGER, tile_data BLOB)")
        conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, "
                     "tile_row)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", sorted(metadata.items()))
        for (z, x, y), data in tiles:
            conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                         (z, x, (1 << z) - 1 - y, sqlite3.Binary(data)))
            count += 1
        conn.commit()
    finally:
        conn.close()
    return count
