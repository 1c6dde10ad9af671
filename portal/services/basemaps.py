"""Basemaps kept as files in ``<instance>/basemaps/``: added, listed, chosen, removed, read.

Each basemap is one checked tile archive (``<name>.mbtiles`` or ``<name>.pmtiles``, see
`geodata.tilesets`) and a JSON sidecar ``<name>.json`` (names in vi/en, kind raster|vector,
format, zooms, bounds, attribution, sha256). ``default.json`` holds the administrator's choice of
the map's default basemap (``null``: no basemap); without it the first basemap by name is the
default. No database table: the folder travels in backups (``backup.FILE_FOLDERS``).

An archive is copied under a temporary name, checked there, and only then renamed into place
with its sidecar, so a refused file leaves nothing behind. Every change renames or removes a
file in the folder, so the folder's modification time (`basemaps_version`) tells a cache of
pages that the basemaps changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from geodata.errors import BilingualError
from geodata.tileset_checks import TilesetInfo
from geodata.tilesets import inspect_tileset, open_tileset, sniff_container

FOLDER = "basemaps"
DEFAULT_FILE = "default.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp",
              "mvt": "application/vnd.mapbox-vector-tile"}
#: URL extensions each format answers to.
EXTENSIONS = {"png": ("png",), "jpg": ("jpg", "jpeg"), "webp": ("webp",), "mvt": ("mvt", "pbf")}


class BasemapError(BilingualError):
    """A basemap the portal refuses to add, find or remove; messages in vi and en."""

    default_field = "name"


@dataclass(frozen=True)
class Basemap:
    """One kept basemap, as its sidecar describes it."""

    name: str
    name_vi: str
    name_en: str
    container: str
    kind: str
    format: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    attribution: str
    sha256: str
    size: int
    added: str

    def label(self, locale: str) -> str:
        """Return the name in ``locale`` (vi or en), the other one when that is empty."""
        first, second = (self.name_en, self.name_vi) if locale == "en" else (self.name_vi,
                                                                              self.name_en)
        return first or second or self.name

    @property
    def extension(self) -> str:
        """Return the URL extension of its tiles."""
        return EXTENSIONS[self.format][0]


def folder(instance: Path) -> Path:
    """Return the basemaps folder of an instance folder."""
    return Path(instance) / FOLDER


def basemaps_version(instance: Path) -> int:
    """Return a number that changes whenever a basemap or the default choice changes."""
    try:
        return os.stat(folder(instance)).st_mtime_ns
    except OSError:
        return 0


def check_name(name: str) -> str:
    """Return ``name`` if it is a basemap name (a-z, 0-9, ``-``, ``_``; 40 at most), else raise."""
    if not _NAME.match(name or ""):
        raise BasemapError(
            f"{name!r} cannot name a basemap: use 1-40 lower-case letters a-z, digits, '-' or "
            "'_', starting with a letter or digit.",
            f"{name!r} không dùng làm tên bản đồ nền được: dùng 1-40 chữ thường a-z, chữ số, "
            "'-' hoặc '_', bắt đầu bằng chữ hoặc số.")
    return name


def name_from_file(path: Path) -> str:
    """Return a basemap name made from a file's name (``Lang Son.pmtiles`` -> ``lang-son``)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", Path(path).stem.lower()).strip("-_")
    return slug[:40] or "basemap"


def _read_sidecar(path: Path) -> Basemap | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["bounds"] = tuple(float(v) for v in data["bounds"])
        basemap = Basemap(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    archive = path.with_suffix(f".{basemap.container}")
    return basemap if archive.is_file() else None


def list_basemaps(instance: Path) -> list[Basemap]:
    """Return the kept basemaps, by name (sidecars without their archive are skipped)."""
    root = folder(instance)
    if not root.is_dir():
        return []
    found = (_read_sidecar(path) for path in sorted(root.glob("*.json"))
             if path.name != DEFAULT_FILE and not path.name.startswith("."))
    return [basemap for basemap in found if basemap is not None]


def get_basemap(instance: Path, name: str) -> Basemap | None:
    """Return the kept basemap ``name``, None when there is none."""
    if not _NAME.match(name or ""):
        return None
    return _read_sidecar(folder(instance) / f"{name}.json")


def default_name(instance: Path, basemaps: list[Basemap] | None = None) -> str | None:
    """Return the default basemap's name: the chosen one, else the first, None for none."""
    basemaps = list_basemaps(instance) if basemaps is None else basemaps
    names = [basemap.name for basemap in basemaps]
    try:
        chosen = json.loads((folder(instance) / DEFAULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return names[0] if names else None
    choice = chosen.get("default") if isinstance(chosen, dict) else None
    return choice if choice in names else None


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def set_default(instance: Path, name: str | None) -> None:
    """Choose the map's default basemap (None: no basemap)."""
    if name is not None and get_basemap(instance, name) is None:
        raise _unknown(name)
    folder(instance).mkdir(parents=True, exist_ok=True)
    _write_atomic(folder(instance) / DEFAULT_FILE, json.dumps({"default": name}))


def _unknown(name: str) -> BasemapError:
    return BasemapError(f"There is no basemap named {name!r}.",
                        f"Không có bản đồ nền tên {name!r}.")


def _copy_with_checksum(source: Path, dest: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(dest, "wb") as writer:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def add_basemap(instance: Path, source: Path, *, name: str | None = None, name_vi: str = "",
                name_en: str = "", attribution: str | None = None) -> Basemap:
    """Check ``source`` and keep a copy as a basemap; nothing is kept when it is refused."""
    source = Path(source)
    name = check_name(name or name_from_file(source))
    if get_basemap(instance, name) is not None:
        raise BasemapError(f"A basemap named {name!r} exists already: remove it first.",
                           f"Đã có bản đồ nền tên {name!r}: hãy xoá nó trước.")
    if not source.is_file():
        raise BasemapError(f"{source.name} is not a file.", f"{source.name} không phải tệp.",
                           field="file")
    container = sniff_container(source)
    root = folder(instance)
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        sha256 = _copy_with_checksum(source, temporary)
        info: TilesetInfo = inspect_tileset(temporary)
        basemap = Basemap(
            name=name, name_vi=name_vi.strip()[:120], name_en=name_en.strip()[:120],
            container=container, kind=info.kind, format=info.format, min_zoom=info.min_zoom,
            max_zoom=info.max_zoom, bounds=info.bounds,
            attribution=(info.attribution if attribution is None else attribution)[:500],
            sha256=sha256, size=temporary.stat().st_size, added=dt.date.today().isoformat())
        os.replace(temporary, root / f"{name}.{container}")
    finally:
        temporary.unlink(missing_ok=True)
    _write_atomic(root / f"{name}.json",
                  json.dumps(asdict(basemap), ensure_ascii=False, indent=1))
    return basemap


def remove_basemap(instance: Path, name: str) -> Basemap:
    """Remove a kept basemap (its archive and sidecar); the default falls back if it was it."""
    basemap = get_basemap(instance, name)
    if basemap is None:
        raise _unknown(name)
    root = folder(instance)
    (root / f"{name}.json").unlink(missing_ok=True)
    (root / f"{name}.{basemap.container}").unlink(missing_ok=True)
    return basemap


def build_hillshade(instance: Path, dem: Path, *, name: str, min_zoom: int, max_zoom: int,
                    z_factor: float = 1.0, name_vi: str = "", name_en: str = "",
                    attribution: str = "") -> Basemap:
    """Shade an elevation raster into an MBTiles of PNG tiles and keep it as basemap ``name``."""
    import tempfile

    from geodata.hillshade import dem_bounds, hillshade_tiles
    from geodata.tilesets_mbtiles import write_mbtiles

    check_name(name)
    if not 0 <= min_zoom <= max_zoom <= 18:
        raise BasemapError(
            f"Zooms {min_zoom}-{max_zoom}: the minimum must be 0 to 18 and not above the maximum.",
            f"Mức thu phóng {min_zoom}-{max_zoom}: mức nhỏ nhất từ 0 đến 18 và không lớn hơn mức "
            "lớn nhất.", field="zoom")
    try:
        bounds = dem_bounds(dem)
    except Exception as exc:  # noqa: BLE001 - rasterio's many errors on a file it cannot read
        raise BasemapError(f"{Path(dem).name} is not an elevation raster rasterio can read "
                           f"({exc}).",
                           f"{Path(dem).name} không phải raster độ cao đọc được ({exc}).",
                           field="file") from exc
    metadata = {"name": name, "format": "png", "type": "overlay", "minzoom": str(min_zoom),
                "maxzoom": str(max_zoom), "bounds": ",".join(f"{v:.6f}" for v in bounds),
                "attribution": attribution, "description": "hillshade (Horn, 315/45)"}
    with tempfile.TemporaryDirectory() as work:
        archive = Path(work) / f"{name}.mbtiles"
        written = write_mbtiles(archive, metadata, hillshade_tiles(
            Path(dem), min_zoom, max_zoom, z_factor=z_factor))
        if not written:
            raise BasemapError(f"{Path(dem).name} has no elevation inside zooms "
                               f"{min_zoom}-{max_zoom}.",
                               f"{Path(dem).name} không có giá trị độ cao nào.", field="file")
        return add_basemap(instance, archive, name=name, name_vi=name_vi or name,
                           name_en=name_en or name, attribution=attribution)


# --- tiles --------------------------------------------------------------------------------------

_READERS: dict[tuple, tuple[threading.Lock, object]] = {}
_READERS_LOCK = threading.Lock()


def _reader(path: Path):
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _READERS_LOCK:
        if key not in _READERS:
            for old in [k for k in _READERS if k[0] == key[0]]:
                _READERS.pop(old)[1].close()
            _READERS[key] = (threading.Lock(), open_tileset(path))
        return _READERS[key]


def _tile_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    import math

    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


@dataclass(frozen=True)
class Tile:
    """A tile's bytes with its media type and, for gzipped vector tiles, its encoding."""

    data: bytes
    mimetype: str
    encoding: str | None
    etag: str


def read_tile(instance: Path, name: str, z: int, x: int, y: int, ext: str) -> Tile | None:
    """Return tile z/x/y (XYZ) of basemap ``name``; None outside its zooms, bounds or format."""
    basemap = get_basemap(instance, name)
    if basemap is None or ext not in EXTENSIONS[basemap.format]:
        return None
    if not basemap.min_zoom <= z <= basemap.max_zoom or not (0 <= x < 1 << z and 0 <= y < 1 << z):
        return None
    west, south, east, north = _tile_box(z, x, y)
    b_west, b_south, b_east, b_north = basemap.bounds
    if east <= b_west or west >= b_east or north <= b_south or south >= b_north:
        return None
    lock, reader = _reader(folder(instance) / f"{name}.{basemap.container}")
    with lock:
        data = reader.tile(z, x, y)
    if data is None:
        return None
    encoding = "gzip" if basemap.kind == "vector" and data[:2] == b"\x1f\x8b" else None
    etag = hashlib.sha256(basemap.sha256.encode() + f"/{z}/{x}/{y}".encode()).hexdigest()[:32]
    return Tile(data, _MIMETYPES[basemap.format], encoding, etag)
