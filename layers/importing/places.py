"""Whether each imported row's place makes sense, checked for every row at once.

A valid shape of the layer's type, inside Lạng Sơn (not lat/lon swapped), in the commune its
row names. A polygon that crosses itself is reported, never silently repaired.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj
import shapely

from geodata.assign import assign_points, representative_xy
from layers.base import LayerSpec
from layers.importing.geometry import WGS84, Located, mask_of, report_swapped, swapped_rows
from layers.importing.types import CountedNote, ImportContext, Problems, Texts
from layers.parsing import column_key, parse_keys

# Distances are measured in UTM 48N: Lạng Sơn (106.0–107.4° E) lies inside its 102–108° E zone.
METRIC = pyproj.CRS.from_epsg(32648)
# GEOS validity reasons (``shapely.is_valid_reason``), in words for both languages.
_REASONS = {
    "Self-intersection": ("self-intersection", "tự cắt"),
    "Too few points": ("too few points", "quá ít điểm"),
    "Hole lies outside shell": ("a hole lies outside its shell", "lỗ nằm ngoài vòng ngoài"),
    "Nested shells": ("nested shells", "các vòng ngoài lồng nhau"),
    "Nested holes": ("nested holes", "các lỗ lồng nhau"),
    "Interior is disconnected": ("the interior is disconnected", "phần trong bị chia cắt"),
    "Invalid Coordinate": ("invalid coordinate", "tọa độ không hợp lệ"),
    "Duplicate Rings": ("duplicate rings", "các vòng trùng nhau"),
}
_TYPE_NAMES = np.array(
    ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
     "MultiPolygon", "GeometryCollection"], dtype=object,
)  # fmt: skip


def check_shapes(located: Located, keep: np.ndarray, problems: Problems,
                 notes: list[str]) -> np.ndarray:  # fmt: skip
    """Report missing, empty and invalid geometries; return the rows fit for further checks.

    A ring that touches itself at a point is the one defect repaired (``make_valid``, keeping
    the polygon's structure), with a note; self-intersections and the rest are reported.
    """
    geoms = located.geoms
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    absent = keep & missing & ~located.failed
    if not located.columns:
        # The file's own geometry: GIS readers give None, or an empty polygon, for a feature
        # GEOS refused (a ring left open), so both get the message that says so.
        absent |= keep & empty
        en = "No geometry, or one that could not be read (such as a polygon ring left open)"
        vi = "Thiếu hình học, hoặc hình học không đọc được (ví dụ vòng đa giác không khép kín)"
        located.report(problems, absent, en, vi)
    else:
        located.report(problems, absent, "No geometry or coordinates",
                       "Thiếu hình học hoặc tọa độ")  # fmt: skip
        located.report(problems, keep & empty, "Geometry is empty", "Hình học rỗng")
    check = np.flatnonzero(keep & ~missing & ~empty)
    invalid = check[~shapely.is_valid(geoms[check])]
    reasons = np.asarray(shapely.is_valid_reason(geoms[invalid]), dtype=str)
    touch = np.char.startswith(reasons, "Ring Self-intersection")
    if touch.any():
        geoms[invalid[touch]] = shapely.make_valid(geoms[invalid[touch]], method="structure")
        rows = problems.rows[invalid[touch]]
        notes.append(CountedNote("repaired_rings", _repaired_words, rows.size,
                                 rows[:10].tolist(), limit=10))  # fmt: skip
    broken = invalid[~touch]
    words = [_reason(text) for text in reasons[~touch]]
    problems.add_at(
        broken, located.field, located.raw(mask_of(broken, len(geoms)))[broken],
        "Invalid geometry: {reason_en}", "Hình học không hợp lệ: {reason_vi}",
        reason_en=[w[0] for w in words], reason_vi=[w[1] for w in words],
    )  # fmt: skip
    usable = mask_of(check, len(geoms))
    usable[broken] = False
    return usable


def _repaired_words(_count: int, rows: str, _more: str) -> str:
    return (f"Đã sửa vòng đa giác tự chạm tại một điểm (make_valid) ở dòng {rows} / "
            f"Repaired polygon rings touching themselves at a point (make_valid) on rows {rows}")


def _reason(text: str) -> tuple[str, str]:
    """Word a GEOS validity reason ("Self-intersection[106.8 21.85]") in both languages.

    >>> _reason("Self-intersection[106.8 21.85]")
    ('self-intersection at (106.8, 21.85)', 'tự cắt tại (106.8, 21.85)')
    """
    name, _, where = text.partition("[")
    en, vi = _REASONS.get(name, (name, name))
    if not where:
        return en, vi
    point = ", ".join(where.rstrip("]").split())
    return f"{en} at ({point})", f"{vi} tại ({point})"


def check_geometry_types(
    layer: LayerSpec, located: Located, rows: np.ndarray, problems: Problems
) -> None:
    """Report geometries of ``rows`` whose type ``layer`` does not take.

    Multi-part lines and areas are fine where the single ones are (a road in sections, an
    industrial park in two plots); a village stays one point.
    """
    takes = layer.geometry_types
    allowed = {*takes, *(f"Multi{t}" for t in takes if t != "Point")}
    kinds = np.full(len(located.geoms), "", dtype=object)
    kinds[rows] = _TYPE_NAMES[shapely.get_type_id(located.geoms[rows])]
    wrong = mask_of(rows, len(kinds)) & ~np.isin(kinds, list(allowed))
    names = ", ".join(takes)
    located.report(
        problems, wrong,
        f"Geometry type {{kind}} is not allowed in layer {layer.name_en} (allowed: {names})",
        f"Kiểu hình học {{kind}} không dùng được cho lớp {layer.name_vi} (chỉ nhận: {names})",
        kind=kinds,
    )  # fmt: skip


def check_positions(
    located: Located, usable: np.ndarray, context: ImportContext, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Report geometries outside the province (or swapped); return each row's inner point.

    Rows reported here are taken out of ``usable``. A geometry counts as outside when a vertex
    lies farther than ``context.border_tolerance_m`` from the province.
    """
    size = len(located.geoms)
    xs, ys = np.full(size, np.nan), np.full(size, np.nan)
    rows = np.flatnonzero(usable)
    if rows.size == 0:
        return xs, ys
    xs[rows], ys[rows] = representative_xy(located.geoms[rows])
    province = context.province
    shapely.prepare(province)
    inside = shapely.covers(province, located.geoms[rows])
    out = rows[~inside]
    swapped = out[swapped_rows(xs[out], ys[out], province)]
    report_swapped(located, mask_of(swapped, size), problems)
    rest = np.setdiff1d(out, swapped)
    tolerance = context.border_tolerance_m / 1000
    km = outside_km(located.geoms[rest], province)
    far = rest[km > tolerance]
    shown = [f"{k:.1f}" for k in km[km > tolerance]]
    problems.add_at(
        far, located.field, located.raw(mask_of(far, size))[far],
        f"The position lies {{km}} km outside Lạng Sơn province (tolerance {tolerance:g} km)",
        f"Vị trí nằm ngoài tỉnh Lạng Sơn {{km_vi}} km (dung sai {_comma(f'{tolerance:g}')} km)",
        km=shown, km_vi=[_comma(k) for k in shown],
    )  # fmt: skip
    usable[swapped] = False
    usable[far] = False
    return xs, ys


def _comma(number: str) -> str:
    """Write a number with a decimal comma, as Vietnamese does.

    >>> _comma("61.6")
    '61,6'
    """
    return number.replace(".", ",")


@functools.lru_cache(maxsize=4)
def _metric(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return ``geometry`` in metres (UTM 48N), prepared."""
    to_metres = pyproj.Transformer.from_crs(WGS84, METRIC, always_xy=True)
    result = shapely.transform(geometry, lambda c: np.column_stack(to_metres.transform(*c.T)))
    shapely.prepare(result)
    return result


def outside_km(geoms: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Return, per geometry, how far its farthest vertex lies outside ``area``, in km."""
    far = np.zeros(len(geoms))
    if len(geoms) == 0:
        return far
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    to_metres = pyproj.Transformer.from_crs(WGS84, METRIC, always_xy=True)
    mx, my = to_metres.transform(coords[:, 0], coords[:, 1])
    np.maximum.at(far, which, shapely.distance(_metric(area), shapely.points(mx, my)))
    return far / 1000


def check_communes(
    located: Located, keep: np.ndarray, usable: np.ndarray, xs: np.ndarray, ys: np.ndarray,
    texts: Texts, roles: Mapping[str, str], context: ImportContext, problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Return each row's 2025 commune by position; report rows whose commune column disagrees.

    The commune column may hold a code ("06325", "6325") or a name with or without its unit
    ("Xã Bắc Sơn", "bac son"). Approximate boundaries put points near an edge on the wrong
    side, so a disagreement counts only beyond ``context.border_tolerance_m`` of the commune
    the row names.
    """
    communes = context.communes
    codes = np.full(len(located.geoms), None, dtype=object)
    rows = np.flatnonzero(usable)
    if rows.size:
        codes[rows] = assign_points(xs[rows], ys[rows], communes)
    column = roles.get("commune")
    if column is None:
        return codes
    values = texts(column)
    named, unknown = parse_keys(values, commune_lookup(communes))
    problems.add(
        keep & unknown, column, values,
        "{value!r} is not a commune or ward of Lạng Sơn (from 1 July 2025)",
        "«{value}» không phải xã, phường của Lạng Sơn (từ 1/7/2025)",
    )  # fmt: skip
    differ = usable & ~pd.isna(named) & ~pd.isna(codes)
    differ[differ] = named[differ] != codes[differ]
    index = np.flatnonzero(differ)
    if index.size:
        index = index[_distance_m(communes, named[index], xs[index], ys[index])
                      > context.border_tolerance_m]  # fmt: skip
    name_of = dict(zip(communes["code"], communes["name"], strict=True)).get
    problems.add_at(
        index, column, values.to_numpy(dtype=object, na_value=None)[index],
        "The commune column says {named} but the position lies in {found}",
        "Cột xã ghi {named} nhưng vị trí nằm trong {found}",
        named=[name_of(c) for c in named[index]], found=[name_of(c) for c in codes[index]],
    )  # fmt: skip
    return codes


def commune_lookup(communes: gpd.GeoDataFrame) -> dict[str, str]:
    """Return the keys a commune may be written as, each to its code.

    >>> frame = gpd.GeoDataFrame({"code": ["06325"], "name": ["Xã Bắc Sơn"]}, geometry=[None])
    >>> sorted(commune_lookup(frame))
    ['06325', '6325', 'bacson', 'xabacson']
    """
    lookup: dict[str, str] = {}
    short: dict[str, list[str]] = {}
    for code, name in zip(communes["code"].astype(str), communes["name"], strict=True):
        lookup[column_key(code)] = code
        lookup[column_key(code.lstrip("0"))] = code
        lookup[column_key(name)] = code
        for unit in ("Xã ", "Phường ", "Thị trấn "):
            if name.startswith(unit):
                short.setdefault(column_key(name[len(unit) :]), []).append(code)
    # "Bắc Sơn" alone is kept only when a single unit bears that name.
    lookup.update({key: codes[0] for key, codes in short.items() if len(codes) == 1})
    return lookup


def _distance_m(
    communes: gpd.GeoDataFrame, codes: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """Return the distance in metres from each point to the commune its row names."""
    metric = communes.set_index(communes["code"].astype(str)).geometry.to_crs(METRIC)
    to_metres = pyproj.Transformer.from_crs(WGS84, METRIC, always_xy=True)
    mx, my = to_metres.transform(xs, ys)
    return shapely.distance(metric.loc[list(codes)].to_numpy(), shapely.points(mx, my))
