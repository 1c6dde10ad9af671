"""OGC API - Features (Part 1 Core, Part 2 CRS by reference): what ``/ogc`` says, without Flask.

The collections (one per layer of the catalogue, one per boundary level), the coordinate
systems offered, and the reading of the query parameters: each bad value raises
:class:`OgcParameterError` naming the parameter, in English and Vietnamese; the web layer
answers it with a 400 in the portal's error shape. Coordinates are transformed with pyproj
through :mod:`geodata.crs` (VN-2000 bound to WGS 84 with the standard EPSG:6960 shift).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

import shapely
from shapely.geometry import mapping, shape

from geodata.crs import LANGSON_BBOX, from_wgs84, to_wgs84
from layers import CATALOGUE
from layers.base import LayerSpec

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
#: VN-2000 / TM-3 107-15, the Lạng Sơn profile of ``geodata.crs`` (``vn2000_tm3(107.25)``).
VN2000_LANGSON_EPSG = 9215
#: The boundary levels served as collections, by collection id.
BOUNDARY_COLLECTIONS = {"boundaries-district": "district", "boundaries-commune": "commune"}
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
MAX_OFFSET = 10**9
#: Parameters every items request may carry besides the property filters.
ITEM_PARAMETERS = frozenset({"f", "bbox", "bbox-crs", "limit", "offset", "datetime", "crs",
                             "lang"})
#: Record properties a filter may name besides the layer's public fields.
RECORD_FILTERS = ("status", "commune_code", "district_code", "record_id")
BOUNDARY_FILTERS = ("code", "parent_code")


class OgcParameterError(ValueError):
    """A query parameter of ``/ogc`` that cannot be read; ``field`` names it."""

    def __init__(self, field: str, user_msg: str, user_msg_vi: str) -> None:
        super().__init__(user_msg)
        self.field, self.user_msg, self.user_msg_vi = field, user_msg, user_msg_vi


@dataclass(frozen=True)
class OgcCrs:
    """A coordinate system offered by ``/ogc``: its URI and how coordinates are written."""

    uri: str
    #: What ``geodata.crs.from_wgs84`` takes (None: CRS84, the stored longitudes/latitudes).
    target: str | None
    #: Latitude first (EPSG:4326's axis order), else x/longitude first.
    lat_first: bool
    decimals: int

    def from_lonlat(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the first and second axis values of lon/lat points in this system."""
        if self.target is None:
            xs, ys = lons, lats
        else:
            xs, ys = from_wgs84(lons, lats, self.target)
        first, second = (ys, xs) if self.lat_first else (xs, ys)
        return np.round(first, self.decimals), np.round(second, self.decimals)

    def to_lonlat(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return lon/lat of points given in this system's axis order."""
        xs, ys = (second, first) if self.lat_first else (first, second)
        if self.target is None:
            return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        return to_wgs84(xs, ys, self.target)


SYSTEMS: dict[str, OgcCrs] = {
    CRS84: OgcCrs(CRS84, None, False, 6),
    EPSG_URI.format(code=4326): OgcCrs(EPSG_URI.format(code=4326), "EPSG:4326", True, 6),
    EPSG_URI.format(code=3857): OgcCrs(EPSG_URI.format(code=3857), "EPSG:3857", False, 2),
    EPSG_URI.format(code=VN2000_LANGSON_EPSG): OgcCrs(
        EPSG_URI.format(code=VN2000_LANGSON_EPSG), "vn2000-langson", False, 3),
}
_SHORT = re.compile(r"\[?(EPSG|OGC):(?:[0-9.]*:)?([A-Za-z0-9]+)\]?")


def parse_crs(value: str | None, field: str = "crs") -> OgcCrs:
    """Return the system a ``crs`` or ``bbox-crs`` value names (a URI, or ``EPSG:3857``).

    >>> parse_crs("EPSG:3857").uri, parse_crs(None).uri == CRS84
    ('http://www.opengis.net/def/crs/EPSG/0/3857', True)
    """
    if not value:
        return SYSTEMS[CRS84]
    text = value.strip()
    short = _SHORT.fullmatch(text)
    if short:
        text = CRS84 if short[2].upper() == "CRS84" else EPSG_URI.format(code=short[2])
    found = SYSTEMS.get(text.replace("https://", "http://"))
    if found is None:
        raise OgcParameterError(
            field, f"{field} must be one of: {', '.join(SYSTEMS)} (got {value[:80]!r}).",
            f"{field} phải là một trong các hệ: {', '.join(SYSTEMS)} (nhận được {value[:80]!r}).")
    return found


def _numbers(value: str, field: str, count: tuple[int, ...]) -> list[float]:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in count or not all(math.isfinite(n) for n in numbers):
        raise OgcParameterError(
            field, f"{field} must be four numbers: minx,miny,maxx,maxy (got {value[:80]!r}).",
            f"{field} phải là bốn số: minx,miny,maxx,maxy (nhận được {value[:80]!r}).")
    return numbers


def parse_bbox(value: str | None, bbox_crs: str | None) -> tuple[float, float, float, float] | None:
    """Return ``bbox`` (in ``bbox-crs``, CRS84 by default) as lon/lat min/max, or None.

    Six numbers (with heights) are read as four; a box in another system is the lon/lat
    envelope of its edges.

    >>> parse_bbox("106,21,107,22", None)
    (106.0, 21.0, 107.0, 22.0)
    >>> parse_bbox("21,106,22,107", "http://www.opengis.net/def/crs/EPSG/0/4326")
    (106.0, 21.0, 107.0, 22.0)
    """
    if bbox_crs and not value:
        raise OgcParameterError("bbox-crs", "bbox-crs is given without bbox.",
                                "Có bbox-crs nhưng thiếu bbox.")
    if not value:
        return None
    numbers = _numbers(value, "bbox", (4, 6))
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    system = parse_crs(bbox_crs, "bbox-crs")
    low1, low2, high1, high2 = numbers
    if low1 > high1 or low2 > high2:
        raise OgcParameterError(
            "bbox", "bbox must give its lower corner first (minx <= maxx, miny <= maxy).",
            "bbox phải ghi góc dưới trước (minx <= maxx, miny <= maxy).")
    if system.target is None or system.lat_first:
        lons, lats = system.to_lonlat(np.array([low1, high1]), np.array([low2, high2]))
        return float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1])
    steps = np.linspace(0.0, 1.0, 21)
    firsts = np.concatenate([low1 + (high1 - low1) * steps, np.full(21, high1),
                             high1 - (high1 - low1) * steps, np.full(21, low1)])
    seconds = np.concatenate([np.full(21, low2), low2 + (high2 - low2) * steps,
                              np.full(21, high2), high2 - (high2 - low2) * steps])
    lons, lats = system.to_lonlat(firsts, seconds)
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise OgcParameterError("bbox", "bbox lies outside the domain of bbox-crs.",
                                "bbox nằm ngoài miền xác định của bbox-crs.")
    return float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())


_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)"
                      r"(?:[Zz]|[+-]\d{2}:\d{2})?)?")
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def _instant(text: str) -> dt.date | None:
    match = _INSTANT.fullmatch(text.strip())
    if not match:
        return None
    try:
        day = dt.date.fromisoformat(match[1])
        if match[2]:
            dt.time.fromisoformat(match[2])
    except ValueError:
        return None
    return day


def parse_datetime(value: str | None) -> dt.date | None:
    """Return the "as of" date ``datetime`` asks for: a date, or the end of an interval.

    None when no date is asked for, or the interval is open at its end (``2025-01-01/..``).

    >>> parse_datetime("2025-06-30"), parse_datetime("../2025-06-30T12:00:00Z")
    (datetime.date(2025, 6, 30), datetime.date(2025, 6, 30))
    >>> parse_datetime("2025-01-01/..") is None
    True
    """
    if value is None or value == "":
        return None
    parts = value.split("/")
    bad = OgcParameterError(
        "datetime", f"datetime must be a date such as 2025-06-30 or an interval ending on one, "
        f"such as ../2025-06-30 (got {value[:40]!r}).",
        f"datetime phải là một ngày như 2025-06-30 hoặc một khoảng kết thúc vào một ngày, "
        f"như ../2025-06-30 (nhận được {value[:40]!r}).")
    if len(parts) > 2 or (len(parts) == 2 and parts == ["..", ".."]):
        raise bad
    days = [None if p in ("..", "") and len(parts) == 2 else _instant(p) for p in parts]
    if any(d is None and p not in ("..", "") for d, p in zip(days, parts, strict=True)):
        raise bad
    if len(days) == 2 and days[0] and days[1] and days[0] > days[1]:
        raise bad
    end = days[-1]
    if end is not None and not EARLIEST <= end <= LATEST:
        raise OgcParameterError(
            "datetime", f"datetime must be between {EARLIEST} and {LATEST}.",
            f"datetime phải nằm trong khoảng {EARLIEST} đến {LATEST}.")
    return end


def parse_integer(value: str | None, field: str, default: int, lowest: int, highest: int) -> int:
    """Return a whole-number parameter from ``lowest`` to ``highest`` (``default`` when absent).

    >>> parse_integer("250", "limit", 100, 1, 10000), parse_integer(None, "offset", 0, 0, 9)
    (250, 0)
    """
    if value is None or value == "":
        return default
    number = int(value) if re.fullmatch(r"\+?[0-9]{1,12}", value.strip()) else lowest - 1
    if not lowest <= number <= highest:
        raise OgcParameterError(
            field, f"{field} must be a whole number from {lowest} to {highest} "
            f"(got {value[:40]!r}).",
            f"{field} phải là số nguyên từ {lowest} đến {highest} (nhận được {value[:40]!r}).")
    return number


def filter_names(collection_id: str) -> tuple[str, ...]:
    """Return the property names a collection's items may be filtered on (``?status=...``)."""
    if collection_id in BOUNDARY_COLLECTIONS:
        return BOUNDARY_FILTERS
    layer = layer_of(collection_id)
    names = [*RECORD_FILTERS, *(f.name for f in layer.public_fields)]
    return tuple(dict.fromkeys(names))


def property_filters(collection_id: str, args: dict[str, str]) -> dict[str, str]:
    """Return the property filters among ``args``; an unknown parameter raises (a 400)."""
    names = filter_names(collection_id)
    for name in args:
        if name not in ITEM_PARAMETERS and name not in names:
            raise OgcParameterError(
                name, f"Unknown parameter {name[:40]!r}; this collection takes: "
                f"{', '.join(sorted(ITEM_PARAMETERS | set(names)))}.",
                f"Tham số không hợp lệ {name[:40]!r}; bộ dữ liệu này nhận: "
                f"{', '.join(sorted(ITEM_PARAMETERS | set(names)))}.")
    found = {name: args[name] for name in names if name in args}
    for name, value in found.items():
        if any(ord(c) < 32 for c in value) or len(value) > 200:
            raise OgcParameterError(name, f"{name} holds control characters or is too long.",
                                    f"{name} chứa ký tự điều khiển hoặc quá dài.")
    return found


def matches(properties: dict[str, Any], filters: dict[str, str]) -> bool:
    """Tell whether a record's properties equal every filter (values compared as text).

    >>> matches({"status": "done", "n": 3}, {"status": "done", "n": "3"})
    True
    """
    for name, wanted in filters.items():
        value = properties.get(name)
        shown = ("true" if value else "false") if isinstance(value, bool) else value
        if shown is None or str(shown) != wanted:
            return False
    return True


def layer_of(collection_id: str) -> LayerSpec:
    """Return the catalogue layer of a collection id; KeyError for anything else."""
    for layer in CATALOGUE:
        if layer.id == collection_id:
            return layer
    raise KeyError(collection_id)


def reproject(geometry: dict[str, Any], system: OgcCrs) -> dict[str, Any]:
    """Return a GeoJSON geometry (lon/lat) in ``system``, rounded to its decimals.

    >>> reproject({"type": "Point", "coordinates": [106.76, 21.85]}, parse_crs("EPSG:4326"))
    {'type': 'Point', 'coordinates': [21.85, 106.76]}
    """
    if system.target is None:
        return geometry

    def move(coords: np.ndarray) -> np.ndarray:
        first, second = system.from_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([first, second])

    moved = mapping(shapely.transform(shape(geometry), move))
    return _lists(moved)


def _lists(value: Any) -> Any:
    """Turn shapely's tuples of coordinates into lists (plain GeoJSON)."""
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value


def spatial_extent() -> list[float]:
    """Return the province's box (CRS84), the spatial extent of every collection."""
    return list(LANGSON_BBOX)


def layer_collection(layer: LayerSpec, locale: str) -> dict[str, Any]:
    """Describe a layer as an OGC collection (links are added by the web layer)."""
    return {
        "id": layer.id,
        "title": layer.name(locale),
        "description": layer.description_en if locale == "en" else layer.description_vi,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [spatial_extent()], "crs": CRS84},
                   "temporal": {"interval": [[None, None]]}},
        "crs": list(SYSTEMS),
        "storageCrs": CRS84,
    }


BOUNDARY_TITLES = {
    "boundaries-district": ("Ranh giới huyện (trước 2025)", "District boundaries (before 2025)"),
    "boundaries-commune": ("Ranh giới xã (2025)", "Commune boundaries (2025)"),
}


def boundary_collection(collection_id: str, locale: str) -> dict[str, Any]:
    """Describe a boundary level as an OGC collection."""
    vi, en = BOUNDARY_TITLES[collection_id]
    return {
        "id": collection_id,
        "title": en if locale == "en" else vi,
        "description": en if locale == "en" else vi,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [spatial_extent()], "crs": CRS84},
                   "temporal": {"interval": [[None, None]]}},
        "crs": list(SYSTEMS),
        "storageCrs": CRS84,
    }
