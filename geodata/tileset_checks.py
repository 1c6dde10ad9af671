"""What every tile archive is checked for: type, bounds, tile sizes, the Protomaps layers.

`inspect_tileset` opens a file read-only and tells what it holds (`TilesetInfo`: raster png/jpg/
webp or vector mvt, zooms, bounds, attribution) or raises `TilesetError` in Vietnamese and English:
not a tile archive, a truncated one, another tile type, bounds that miss Lạng Sơn, a tile whose
declared size is beyond `MAX_TILE_BYTES`, an MBTiles with triggers or with views reading outside
the file, a vector archive without the Protomaps basemap layers. `open_tileset` returns a reader
of one tile by its XYZ address (MBTiles rows are TMS: counted from the south).
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field

from pmtiles.tile import TileType

from geodata.crs import LANGSON_BBOX
from geodata.errors import BilingualError

#: Largest tile accepted, as stored and once unpacked (a zip bomb declares far more).
MAX_TILE_BYTES = 16 * 1024 * 1024
#: Most bytes a PMTiles directory may unpack to (a Vietnam extract's directories are far smaller).
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024
#: The layers every Protomaps basemap tile set has, that the vector style draws first.
PROTOMAPS_LAYERS = ("earth", "water", "roads")
#: Raster formats a browser draws as an image, and the vector format protomaps-leaflet reads.
RASTER_FORMATS = ("png", "jpg", "webp")
VECTOR_FORMATS = ("mvt",)
_FORMAT_ALIASES = {"jpeg": "jpg", "pbf": "mvt", "mvt": "mvt"}
PMTILES_TYPES = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp",
                  TileType.MVT: "mvt"}
SQLITE_MAGIC = b"SQLite format 3\x00"
#: SQL functions a view of an MBTiles may call (the usual deduplicating views call none).
VIEW_FUNCTIONS = {"length", "lower", "upper", "substr", "coalesce", "ifnull", "abs", "max",
                   "min", "count", "cast", "hex", "typeof"}


class TilesetError(BilingualError):
    """A tile archive the portal will not keep; ``user_msg`` (en) and ``user_msg_vi`` say why."""


@dataclass(frozen=True)
class TilesetInfo:
    """What a tile archive holds: its container, kind, tile format, zooms, bounds, attribution."""

    container: str  # "mbtiles" | "pmtiles"
    kind: str  # "raster" | "vector"
    format: str  # png | jpg | webp | mvt
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]  # west, south, east, north (degrees)
    attribution: str = ""
    layers: tuple[str, ...] = field(default=())


def tile_format(name: str) -> str:
    """Return the portal's name of a tile format (``jpeg`` -> ``jpg``, ``pbf`` -> ``mvt``)."""
    name = (name or "").strip().lower()
    return _FORMAT_ALIASES.get(name, name)


def kind_of(fmt: str) -> str:
    """Return ``raster`` or ``vector`` for a tile format, else raise `TilesetError`."""
    if fmt in RASTER_FORMATS:
        return "raster"
    if fmt in VECTOR_FORMATS:
        return "vector"
    raise TilesetError(
        f"Tiles of type {fmt or 'unknown'!r} cannot be a basemap: use png, jpg or webp images, "
        "or mvt/pbf vector tiles.",
        f"Ô bản đồ loại {fmt or 'không rõ'!r} không dùng làm nền được: cần ảnh png, jpg, webp "
        "hoặc ô vector mvt/pbf.")


def check_bounds(bounds: tuple[float, float, float, float]) -> None:
    """Raise `TilesetError` unless ``bounds`` (west, south, east, north) meet Lạng Sơn."""
    west, south, east, north = bounds
    p_west, p_south, p_east, p_north = LANGSON_BBOX
    if not all(math.isfinite(v) for v in bounds) or west >= east or south >= north:
        raise TilesetError(f"The file's bounds {bounds} are not a box of longitudes and "
                           "latitudes.",
                           f"Phạm vi của tệp {bounds} không phải khung kinh độ, vĩ độ.")
    if east <= p_west or west >= p_east or north <= p_south or south >= p_north:
        box = ", ".join(f"{v:g}" for v in bounds)
        raise TilesetError(
            f"The file covers {box} (west, south, east, north), which does not reach Lạng Sơn "
            f"province ({', '.join(map(str, LANGSON_BBOX))}).",
            f"Tệp phủ vùng {box} (tây, nam, đông, bắc), không chạm tỉnh Lạng Sơn "
            f"({', '.join(map(str, LANGSON_BBOX))}).")


def unpacked(data: bytes, limit: int = MAX_TILE_BYTES) -> bytes:
    """Return ``data`` gunzipped when it is gzip/zlib, refusing more than ``limit`` bytes."""
    if data[:2] != b"\x1f\x8b" and data[:1] != b"\x78":
        return data
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise TilesetError("A tile is damaged (its compression cannot be read).",
                           "Một ô bản đồ bị hỏng (không giải nén được).") from exc
    if len(out) > limit:
        raise too_big(limit)
    return out


def too_big(size: int) -> TilesetError:
    """Return the error of a tile declaring ``size`` bytes, beyond `MAX_TILE_BYTES`."""
    return TilesetError(
        f"A tile declares {size:,} bytes, more than the {MAX_TILE_BYTES:,} a map tile can hold: "
        "the file is damaged or made to exhaust the server.",
        f"Một ô bản đồ khai báo {size:,} byte, quá {MAX_TILE_BYTES:,} byte của một ô: tệp bị "
        "hỏng hoặc được làm để làm cạn máy chủ.")


def vector_layer_names(tile: bytes) -> set[str]:
    """Return the layer names of one Mapbox Vector Tile (gzipped or not)."""
    import mapbox_vector_tile

    try:
        decoded = mapbox_vector_tile.decode(unpacked(tile))
    except TilesetError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a damaged tile
        raise TilesetError("A vector tile of the file cannot be read.",
                           "Không đọc được một ô vector của tệp.") from exc
    return set(decoded)


def check_protomaps_layers(names: set[str]) -> tuple[str, ...]:
    """Return the layers sorted, or raise `TilesetError` naming the Protomaps layers missing."""
    missing = [name for name in PROTOMAPS_LAYERS if name not in names]
    if missing:
        held = ", ".join(sorted(names)) or "-"
        raise TilesetError(
            f"The vector tiles do not follow the Protomaps basemap schema: they lack the layers "
            f"{', '.join(missing)} (they hold: {held}). Use a Protomaps build cut with "
            "`pmtiles extract`.",
            f"Ô vector không theo lược đồ bản đồ nền Protomaps: thiếu các lớp "
            f"{', '.join(missing)} (tệp có: {held}). Hãy dùng bản Protomaps cắt bằng "
            "`pmtiles extract`.")
    return tuple(sorted(names))


def layers_from_metadata(metadata: dict) -> set[str]:
    """Return the layer ids a TileJSON-like ``vector_layers`` entry lists."""
    layers = metadata.get("vector_layers")
    if isinstance(layers, str):
        try:
            layers = json.loads(layers)
        except ValueError:
            layers = None
    if not isinstance(layers, list):
        return set()
    return {str(layer.get("id")) for layer in layers if isinstance(layer, dict)}


def truncated(exc: Exception) -> TilesetError:
    """Return the error of a damaged or cut-short file."""
    return TilesetError(f"The file is damaged or cut short ({exc}).",
                        f"Tệp bị hỏng hoặc bị cắt cụt ({exc}).")


def attribution(metadata) -> str:
    """Return the attribution a metadata dict gives (at most 500 characters)."""
    if isinstance(metadata, dict):
        return str(metadata.get("attribution") or "")[:500]
    return ""
