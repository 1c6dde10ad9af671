"""Where each imported row is: its geometry in EPSG:4326, from whichever source the file has.

In this order: the file's own geometry, a WKT column, longitude/latitude columns, x/y columns
(projected metres). Coordinates that cannot be read are reported here, with the degree columns'
own defects (metres in them, longitude and latitude swapped); :mod:`layers.importing.places`
checks the places.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

import pyproj
import shapely

from geodata.crs import resolve_crs, to_wgs84
from geodata.errors import InvalidCRS
from geodata.rawtable import user_error
from layers.importing.columns import ROLE_ALIASES
from layers.importing.types import CountedNote, ImportContext, Problems, TableLike, Texts
from layers.parsing import parse_numbers

WGS84 = pyproj.CRS.from_epsg(4326)
LANGSON_PROFILE = "vn2000-langson"
_METRES = 1000.0  # a coordinate this large cannot be degrees
_SHOWN = 80  # characters of a WKT shown in a problem
_RING = re.compile(r"\(([^()]*)\)")
# Coordinate role -> the header a message names when it is missing, what it is (English,
# Vietnamese) and the headers accepted for it.
_COORDINATES = {
    "lon": (ROLE_ALIASES["lon"][0], "longitude", "kinh độ", ROLE_ALIASES["lon"]),
    "lat": (ROLE_ALIASES["lat"][0], "latitude", "vĩ độ", ROLE_ALIASES["lat"]),
    "x": ("x", "x coordinate", "tọa độ x", ("x",)),
    "y": ("y", "y coordinate", "tọa độ y", ("y",)),
}


@dataclass
class Located:
    """Each row's geometry (EPSG:4326, None where missing) and how to show its source.

    Attributes
    ----------
    geoms : numpy.ndarray
        Object array, one geometry or None per row.
    field : str
        The file column problems about position name.
    columns : tuple of pandas.Series
        The text the position came from, joined for a problem's value; empty when the file had
        its own geometry, whose WKT is shown instead.
    failed : numpy.ndarray
        Rows whose position was already reported while reading it.
    """

    geoms: np.ndarray
    field: str
    columns: tuple[pd.Series, ...]
    failed: np.ndarray

    def raw(self, mask: np.ndarray) -> np.ndarray:
        """Return the source text of the rows in ``mask`` (None elsewhere)."""
        result = np.full(len(self.geoms), None, dtype=object)
        index = np.flatnonzero(mask)
        if self.columns:
            parts = [c.to_numpy(dtype=object, na_value="")[index] for c in self.columns]
            texts = [", ".join(p) for p in zip(*parts, strict=True)]
        else:
            texts = [None if g is None else shapely.to_wkt(g, 6) for g in self.geoms[index]]
        result[index] = [t if t is None or len(t) <= _SHOWN else t[:_SHOWN] + "…" for t in texts]
        return result

    def report(self, problems: Problems, mask: np.ndarray, en: str, vi: str, **extra) -> None:
        """Report the rows in ``mask`` under the position's column, showing their source."""
        problems.add(mask, self.field, self.raw(mask), en, vi, **extra)


def locate(
    source: TableLike, texts: Texts, roles: Mapping[str, str], context: ImportContext,
    problems: Problems, notes: list[str], keep: np.ndarray,
) -> Located:  # fmt: skip
    """Return each row's geometry in EPSG:4326, reporting coordinates that cannot be read.

    Parameters
    ----------
    source : RawTable
        The table, for its own geometry and CRS.
    texts : callable
        Column name -> stripped text of every row.
    roles : mapping
        Role -> file column (``wkt``, ``lon``, ``lat``, ``x``, ``y``).
    context : ImportContext
        Its ``crs`` overrides the file's; its province tells swapped coordinates.
    problems, notes
        Where problems and notes go.
    keep : numpy.ndarray
        The rows to read (not blank).
    """
    size = len(keep)
    if source.geometry is not None:
        return _from_file(source, context, notes, size)
    if "wkt" in roles:
        return _from_wkt(texts, roles["wkt"], source.crs, context, problems, notes, keep)
    for first, second, read in (("lon", "lat", _from_lonlat), ("x", "y", _from_xy)):
        if first in roles or second in roles:
            missing = _missing_coordinate(roles, first, second, problems, size)
            if missing is not None:
                return missing
            return read(texts, roles, source.crs, context, problems, notes, keep)
    problems.whole_file(
        "kinh_do, vi_do",
        "No coordinates: give kinh_do and vi_do (longitude, latitude), x and y (projected "
        "metres) or wkt columns",
        "Thiếu tọa độ: cần cột kinh_do và vi_do, cột x và y (mét, hệ phẳng) hoặc cột wkt",
    )
    return Located(np.full(size, None, dtype=object), "kinh_do, vi_do", (), np.ones(size, bool))


def _from_file(source: TableLike, context: ImportContext, notes: list[str], size: int) -> Located:
    """Take the file's own geometry, in its CRS (or the one given)."""
    series = source.geometry.reset_index(drop=True)
    geoms = shapely.force_2d(np.asarray(series.to_numpy(), dtype=object))
    crs = context.crs or source.crs or _guess_crs(shapely.get_coordinates(geoms), notes)
    name = str(series.name) if series.name is not None else "geometry"
    return Located(_to_wgs84(geoms, crs), name, (), np.zeros(size, dtype=bool))


def _from_wkt(
    texts: Texts, column: str, table_crs: pyproj.CRS | None, context: ImportContext,
    problems: Problems, notes: list[str], keep: np.ndarray,
) -> Located:  # fmt: skip
    """Read geometry written as WKT; an open ring is told apart from other unreadable text."""
    values = texts(column)
    text = values.to_numpy(dtype=object, na_value=None)
    geoms = shapely.from_wkt(text, on_invalid="ignore")
    unreadable = keep & values.notna().to_numpy() & shapely.is_missing(geoms)
    ring = np.zeros(len(text), dtype=bool)
    ring[unreadable] = [has_open_ring(t) for t in text[unreadable]]
    located = Located(geoms, column, (values,), unreadable)
    located.report(problems, ring,
                   "Polygon ring is not closed (its last point must repeat the first)",
                   "Vòng của đa giác không khép kín (điểm cuối phải trùng điểm đầu)")  # fmt: skip
    problems.add(
        unreadable & ~ring, column, located.raw(unreadable),
        "{value!r} is not valid WKT", "«{value}» không phải WKT hợp lệ",
    )  # fmt: skip
    geoms = shapely.force_2d(geoms)
    crs = context.crs or table_crs or _guess_crs(shapely.get_coordinates(geoms), notes)
    located.geoms = _to_wgs84(geoms, crs)
    return located


def has_open_ring(text: str) -> bool:
    """Tell whether WKT has a polygon ring whose last point is not its first (GEOS refuses it).

    >>> has_open_ring("POLYGON ((0 0, 1 0, 1 1))"), has_open_ring("POLYGON ((0 0, 1 0, 1 1, 0 0))")
    (True, False)
    """
    if "POLYGON" not in text.upper():
        return False
    rings = ([point.split() for point in ring.split(",")] for ring in _RING.findall(text))
    return any(len(points) > 1 and points[0] != points[-1] for points in rings)


def _coordinates(
    texts: Texts, first: str, second: str, problems: Problems, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Located]:
    """Read two coordinate columns; report empty cells and cells that are not numbers."""
    tx, ty = texts(first), texts(second)
    xs, bad_x = parse_numbers(tx)
    ys, bad_y = parse_numbers(ty)
    located = Located(np.full(len(keep), None, dtype=object), first, (tx, ty), np.zeros(0))
    empty_x, empty_y = tx.isna().to_numpy(), ty.isna().to_numpy()
    for mask, column in ((empty_x, first), (empty_y & ~empty_x, second)):
        problems.add(
            keep & mask, column, located.raw(keep & mask),
            "Missing coordinate in column '" + column + "'",
            "Thiếu tọa độ ở cột «" + column + "»",
        )  # fmt: skip
    for mask, column, values in ((bad_x, first, tx), (bad_y, second, ty)):
        problems.add(
            keep & mask, column, values,
            "{value!r} is not a number", "«{value}» không phải là số",
        )  # fmt: skip
    located.failed = keep & ~(np.isfinite(xs) & np.isfinite(ys))
    return xs, ys, located


def _missing_coordinate(
    roles: Mapping[str, str], first: str, second: str, problems: Problems, size: int
) -> Located | None:
    """Report a coordinate pair that lacks a column; return every row failed, or None."""
    for role, other in ((first, second), (second, first)):
        if role not in roles:
            problems.missing_column(*_COORDINATES[role])
            return Located(np.full(size, None, dtype=object), roles[other], (),
                           np.ones(size, dtype=bool))  # fmt: skip
    return None


def _from_lonlat(
    texts: Texts, roles: Mapping[str, str], table_crs: pyproj.CRS | None,
    context: ImportContext, problems: Problems, notes: list[str], keep: np.ndarray,
) -> Located:  # fmt: skip
    """Read longitude/latitude columns (both there): degrees, unless the given CRS is projected."""
    crs = context.crs or table_crs or WGS84
    xs, ys, located = _coordinates(texts, roles["lon"], roles["lat"], problems, keep)
    if crs.is_projected:
        return _points(xs, ys, crs, located)
    ok = keep & ~located.failed
    metres = ok & ((np.abs(xs) >= _METRES) | (np.abs(ys) >= _METRES))
    in_x = metres & (np.abs(xs) >= _METRES)
    for mask, column, values in ((in_x, roles["lon"], texts(roles["lon"])),
                                 (metres & ~in_x, roles["lat"], texts(roles["lat"]))):  # fmt: skip
        problems.add(
            mask, column, values,
            f"{{value!r}} in degree column '{column}' looks like metres: put projected "
            "coordinates in x and y columns, or give their CRS with --crs",
            f"Giá trị «{{value}}» ở cột «{column}» (đơn vị độ) có vẻ tính bằng mét: hãy ghi tọa độ "
            "phẳng vào cột x và y, hoặc khai báo hệ tọa độ bằng --crs",
        )  # fmt: skip
    swapped = ok & ~metres & swapped_rows(xs, ys, context.province)
    report_swapped(located, swapped, problems)
    wrong = ok & ~metres & ~swapped & ((np.abs(xs) > 180) | (np.abs(ys) > 90))
    located.report(problems, wrong, "({value}) is not a longitude, latitude pair",
                   "({value}) không phải cặp kinh độ, vĩ độ")  # fmt: skip
    located.failed |= metres | swapped | wrong
    return _points(xs, ys, crs, located)


def _from_xy(
    texts: Texts, roles: Mapping[str, str], table_crs: pyproj.CRS | None,
    context: ImportContext, problems: Problems, notes: list[str], keep: np.ndarray,
) -> Located:  # fmt: skip
    """Read projected x/y columns, both there (VN-2000 TM3 Lạng Sơn unless a CRS is given)."""
    xs, ys, located = _coordinates(texts, roles["x"], roles["y"], problems, keep)
    ok = keep & ~located.failed
    crs = context.crs or table_crs or _guess_crs(np.column_stack([xs[ok], ys[ok]]), notes)
    if crs.is_projected:
        # Vietnamese surveying writes X for northing and Y for easting; in Lạng Sơn the
        # northing (about 2,400,000 m) is always the larger, so a larger x is that convention.
        northing_first = ok & (xs > ys)
        if northing_first.any():
            xs[northing_first], ys[northing_first] = ys[northing_first], xs[northing_first]
            notes.append(CountedNote("northing_first", _northing_words,
                                     int(northing_first.sum())))  # fmt: skip
    return _points(xs, ys, crs, located)


def _points(xs: np.ndarray, ys: np.ndarray, crs: pyproj.CRS, located: Located) -> Located:
    """Make the readable rows points in EPSG:4326."""
    ok = ~located.failed & np.isfinite(xs) & np.isfinite(ys)
    lons, lats = _lonlat(xs[ok], ys[ok], crs)
    located.geoms[ok] = shapely.points(lons, lats)
    return located


def _guess_crs(coords: np.ndarray, notes: list[str]) -> pyproj.CRS:
    """Assume VN-2000 TM3 Lạng Sơn for metres, WGS 84 for degrees, and say so."""
    finite = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords
    if len(finite) and np.median(np.abs(finite).max(axis=1)) >= _METRES:
        notes.append(
            "Tọa độ là mét mà không rõ hệ tọa độ: coi là VN-2000 múi 3° kinh tuyến trục 107°15′ "
            "(Lạng Sơn) / Coordinates are metres with no CRS given: assumed VN-2000 3° TM, "
            "central meridian 107°15′ E (Lạng Sơn)"
        )
        return _langson_crs()
    notes.append(
        "Không rõ hệ tọa độ: coi là WGS 84 (kinh độ, vĩ độ) / No CRS given: assumed WGS 84 "
        "(longitude, latitude)"
    )
    return WGS84


@functools.cache
def _langson_crs() -> pyproj.CRS:
    """Return VN-2000 TM3 Lạng Sơn, resolved once."""
    return resolve_crs(LANGSON_PROFILE)


def _is_wgs84(crs: pyproj.CRS) -> bool:
    return crs.equals(WGS84, ignore_axis_order=True)


def _lonlat(xs: np.ndarray, ys: np.ndarray, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Return coordinates in ``crs`` as WGS 84 longitudes and latitudes.

    Raises
    ------
    InvalidCRS
        When the CRS cannot be transformed to WGS 84: a problem of the whole file.
    """
    if _is_wgs84(crs):
        return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    try:
        return to_wgs84(xs, ys, crs)
    except pyproj.exceptions.ProjError as exc:
        name = crs.name
        raise user_error(
            InvalidCRS,
            f"Coordinates in {name} cannot be converted to WGS 84; check the CRS (--crs).",
            f"Không chuyển được tọa độ hệ {name} sang WGS 84; hãy kiểm tra hệ tọa độ (--crs).",
        ) from exc


def _to_wgs84(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Return geometries in EPSG:4326, coordinates as longitude, latitude."""
    if _is_wgs84(crs):
        return geoms
    return shapely.transform(geoms, lambda c: np.column_stack(_lonlat(c[:, 0], c[:, 1], crs)))


def swapped_rows(xs: np.ndarray, ys: np.ndarray, province: shapely.Geometry) -> np.ndarray:
    """Rows whose coordinates fall in the province only when exchanged."""
    good = np.isfinite(xs) & np.isfinite(ys)
    result = np.zeros(len(xs), dtype=bool)
    result[good] = shapely.contains_xy(province, ys[good], xs[good]) & ~shapely.contains_xy(
        province, xs[good], ys[good]
    )
    return result


def report_swapped(located: Located, mask: np.ndarray, problems: Problems) -> None:
    """Report rows whose longitude and latitude are exchanged."""
    located.report(
        problems, mask,
        "longitude and latitude are swapped: ({value}) lies in Lạng Sơn only when exchanged",
        "kinh độ và vĩ độ bị đảo: ({value}) chỉ nằm trong Lạng Sơn khi đổi chỗ cho nhau",
    )  # fmt: skip


def mask_of(index: np.ndarray, size: int) -> np.ndarray:
    """Return a mask of ``size`` rows, true at ``index``."""
    mask = np.zeros(size, dtype=bool)
    mask[index] = True
    return mask


def _northing_words(count: int, _shown: str, _more: str) -> str:
    return (f"{count} dòng ghi X là tọa độ bắc (quy ước trắc địa Việt Nam), đã đổi chỗ x, y / "
            f"{count} row(s) give X as northing (Vietnamese survey convention); x and y were "
            "exchanged")
