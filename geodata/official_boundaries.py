"""Read official boundary files and match their units by code to the official lists.

A department's Shapefile, GeoPackage or GeoJSON (VN-2000 or WGS 84) is read with
:func:`geodata.readers.read_table`, each feature matched by code to the official list of its
level (:func:`geodata.admin_units.load_admin_units`) and reprojected to WGS 84. What blocks the
import is a :class:`geodata.boundary_report.BoundaryProblem` (unknown, duplicated or missing
codes, empty or broken geometry); what the user should see but may accept is a
:class:`geodata.boundary_report.BoundaryCheck` (gaps and overlaps between neighbours, repaired
rings, names that differ from the official ones). Geometry is checked and repaired in
:mod:`geodata.boundary_repair`, gaps and overlaps found in :mod:`geodata.boundary_overlaps`, and
:func:`geodata.boundary_merge.merge_into` puts the result in place of the approximate units.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj
import shapely

from geodata.admin_units import PROVINCE_CODE, load_admin_units
from geodata.boundaries import COLUMNS
from geodata.boundary_overlaps import find_gaps_and_overlaps
from geodata.boundary_repair import clean_geometry, to_metres
from geodata.boundary_report import BoundaryImport
from geodata.errors import InvalidCRS
from geodata.rawtable import RawTable, user_error
from geodata.readers import read_table
from geodata.text import fold, nfc

logger = logging.getLogger(__name__)

PROVENANCE = "official"
_LISTED = 12  # missing units named in a message; the problem's value lists them all


@dataclass(frozen=True)
class _Level:
    attribute: str  # of BoundarySet
    vintages: tuple[str, ...]
    width: int  # digits of a code
    noun_en: str
    noun_vi: str
    code_headers: tuple[str, ...]
    name_headers: tuple[str, ...]


_COMMUNE_CODES = ("ma_xa", "maxa", "ma_phuong_xa", "ward_code", "commune_code", "ma_dvhc_xa")
_COMMUNE_NAMES = ("ten_xa", "tenxa", "ten_phuong_xa", "ward_name", "commune_name", "ten_dvhc_xa")
_GENERIC_CODES = ("ma_dvhc", "madvhc", "ma", "code", "ma_so")
_GENERIC_NAMES = ("ten_dvhc", "tendvhc", "ten", "name")
LEVELS = {
    "commune": _Level("communes", ("2025",), 5, "commune or ward of 2025", "xã, phường (từ 2025)",
                      _COMMUNE_CODES, _COMMUNE_NAMES),
    "legacy_commune": _Level("legacy_communes", ("2019",), 5, "commune-level unit before 2025",
                             "đơn vị cấp xã (trước 2025)", _COMMUNE_CODES, _COMMUNE_NAMES),
    "district": _Level("districts", ("2019",), 3, "district-level unit", "đơn vị cấp huyện",
                       ("ma_huyen", "mahuyen", "district_code", "ma_dvhc_huyen"),
                       ("ten_huyen", "tenhuyen", "district_name", "ten_dvhc_huyen")),
    "province": _Level("province", ("2019", "2025"), 2, "province", "tỉnh",
                       ("ma_tinh", "matinh", "province_code"),
                       ("ten_tinh", "tentinh", "province_name")),
}  # fmt: skip


def header_key(header: object) -> str:
    """Return the folded key a column header is matched by.

    >>> header_key("Mã xã"), header_key("MA-HUYEN"), header_key("Mã ĐVHC")
    ('ma_xa', 'ma_huyen', 'ma_dvhc')
    """
    return re.sub(r"[\s\-.]+", "_", fold(str(header)).strip())


def normalise_code(text: str, width: int) -> str:
    """Strip a code and left-pad a numeric one to ``width`` digits.

    >>> normalise_code(" 6004 ", 5), normalise_code("178", 3), normalise_code("X1", 5)
    ('06004', '178', 'X1')
    """
    code = text.strip()
    return code.zfill(width) if code.isdigit() else code


def _find_column(columns: Sequence[object], candidates: Sequence[str]) -> str | None:
    """Return the column whose key comes first in ``candidates`` (the leftmost on a tie)."""
    keys: dict[str, str] = {}
    for column in columns:
        keys.setdefault(header_key(column), str(column))
    return next((keys[c] for c in candidates if c in keys), None)


def official_units(level: str) -> pd.DataFrame:
    """Return the official list of a level, indexed by code, with the fields rows need."""
    units = load_admin_units()
    frame = {
        "commune": units.communes, "district": units.districts, "province": units.province,
        "legacy_commune": units.legacy_communes,
    }[level].set_index("code")  # fmt: skip
    parents = {"legacy_commune": frame.get("district_code"), "province": None}
    frame["parent_code"] = parents.get(level, PROVINCE_CODE)
    frame["commune_code"] = frame.get("commune_2025_code")
    frame["official_area_km2"] = frame.get("official_area_km2")
    return frame


def read_official_boundaries(
    path: str | Path,
    level: str,
    vintage: str,
    *,
    crs: pyproj.CRS | str | None = None,
    source: str | None = None,
    source_date: dt.date | None = None,
    gap_tolerance_ha: float = 1.0,
) -> BoundaryImport:
    """Read an official boundary file of one level and check it against the official list.

    Parameters
    ----------
    path : str or Path
        Zipped Shapefile, GeoPackage or GeoJSON, one feature per unit.
    level, vintage : str
        ``commune`` 2025 (65 units), ``legacy_commune`` 2019 (194), ``district`` 2019 (11) or
        ``province`` (2019 or 2025: the same border).
    crs : pyproj.CRS or str, optional
        The file's coordinate system when it has none or a wrong one (see ``read_table``).
    source, source_date : optional
        Who made the data and when; written into each row's ``source`` after the file name.
    gap_tolerance_ha : float
        Gaps and overlaps up to this size are slivers and not reported. Gaps are looked for
        only when every unit is present, since a missing unit is a gap of its own.

    Raises
    ------
    InvalidCRS
        The file's coordinate system is missing and ``crs`` is not given.
    GeodataError
        The file cannot be read at all.
    """
    path = Path(path)
    spec = LEVELS.get(level)
    report = BoundaryImport(_empty_frame(), level=level, vintage=vintage, source_date=source_date)
    if spec is None or vintage not in spec.vintages:
        report.problem("level", None, "level", f"{level} {vintage}", level=level, vintage=vintage)
        return report
    raw = read_table(path, crs=crs)
    if raw.geometry is None:  # CSV or XLSX
        report.problem("no_geometry", None, "geometry", None, name=path.name)
        return report
    official = official_units(level)
    matched = _match_codes(raw, spec, official, report)
    _compare_names(raw, spec, official, matched, report)
    geometries = _wgs84_geometries(raw, path.name)
    cleaned = {
        code: geometry
        for code, row in matched.items()
        if (geometry := clean_geometry(geometries[row], raw.row_numbers[row], code, report))
    }
    order = [code for code in official.index if code in cleaned]
    kept = [cleaned[code] for code in order]
    # A missing unit would be a gap of its own: look for gaps only when all are there.
    find_gaps_and_overlaps(order, kept, gap_tolerance_ha, report,
                           gaps=len(order) == len(official))
    said = [path.name, source, source_date and f"dated {source_date.isoformat()}"]
    rows = official.loc[order].assign(
        vintage=vintage, source="; ".join(s for s in said if s), provenance=PROVENANCE
    )
    report.frame, report.notes = assemble(level, rows, kept), raw.notes
    logger.info("%s: %d %s units, %d problems, %d checks", path.name, len(order), level,
                len(report.problems), len(report.checks))
    return report


def _code_column(
    raw: RawTable, spec: _Level, report: BoundaryImport
) -> tuple[str | None, list[str]]:
    """Return the code column and the normalised codes, or report that there is none."""
    column = _find_column(list(raw.frame.columns), spec.code_headers + _GENERIC_CODES)
    if column is not None:
        return column, [normalise_code(v, spec.width) for v in raw.frame[column]]
    if spec.attribute == "province" and len(raw.frame) == 1:
        return None, [PROVINCE_CODE]  # one feature is the province, however it is labelled
    report.problem("no_code_column", None, None, None,
                   wanted=", ".join(spec.code_headers + _GENERIC_CODES),
                   found=", ".join(map(str, raw.frame.columns)) or "-")
    return None, []


def _match_codes(
    raw: RawTable, spec: _Level, official: pd.DataFrame, report: BoundaryImport
) -> dict[str, int]:
    """Match every row's code to the official list; return code -> position of its row."""
    column, codes = _code_column(raw, spec, report)
    first: dict[str, int] = {}
    for position, code in enumerate(codes):
        row = raw.row_numbers[position]
        if code in first:
            report.problem("duplicate", row, column, code, code=code,
                           first=raw.row_numbers[first[code]])
        elif code in official.index:
            first[code] = position
        else:
            report.problem("unknown", row, column, code, code=code or "“”",
                           noun_en=spec.noun_en, noun_vi=spec.noun_vi)
    missing = [code for code in official.index if code not in first]
    if codes and missing:
        listed = ", ".join(f"{c} {official.at[c, 'name']}" for c in missing[:_LISTED])
        listed += f", … (+{len(missing) - _LISTED})" if len(missing) > _LISTED else ""
        report.problem("missing", None, column, ", ".join(missing), count=len(missing),
                       total=len(official), listed=listed)
    return first


def _compare_names(raw: RawTable, spec: _Level, official: pd.DataFrame, matched: dict[str, int],
                   report: BoundaryImport) -> None:
    """Warn where the file's name is neither the official name nor its short form."""
    column = _find_column(list(raw.frame.columns), spec.name_headers + _GENERIC_NAMES)
    if column is None:
        return
    for code, position in matched.items():
        given, unit = nfc(raw.frame[column].iloc[position]), official.loc[code]
        if given and fold(given) not in (fold(unit["name"]), fold(unit["short_name"])):
            report.check("name_differs", [code], None, row=raw.row_numbers[position], code=code,
                         given=given, official=unit["name"])


def _wgs84_geometries(raw: RawTable, name: str) -> np.ndarray:
    """Return the file's geometries in EPSG:4326."""
    if raw.crs is None or raw.geometry is None:
        raise user_error(
            InvalidCRS,
            f"{name}: the coordinate system is unknown; give it with --crs (e.g. "
            "--crs vn2000-langson).",
            f"{name}: không rõ hệ tọa độ; hãy chỉ rõ bằng --crs (ví dụ --crs vn2000-langson).",
        )
    return raw.geometry.to_crs("EPSG:4326").to_numpy()


def _label_points(geometries: np.ndarray, lon: Sequence[float], lat: Sequence[float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Return the official centroid where it lies inside the unit, else a point inside."""
    given = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    points = np.where(shapely.contains(geometries, given), given,
                      shapely.point_on_surface(geometries))
    return shapely.get_x(points), shapely.get_y(points)


def _empty_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")


def assemble(level: str, rows: pd.DataFrame, geometries: Sequence[shapely.Geometry]
             ) -> gpd.GeoDataFrame:
    """Build a frame with :data:`COLUMNS` from official rows (indexed by code) and geometry."""
    if rows.empty:
        return _empty_frame()
    array = np.asarray(geometries, dtype=object)
    lon, lat = _label_points(array, rows["lon"], rows["lat"])
    copied = ["name", "unit_type", "vintage", "parent_code", "commune_code", "provenance",
              "source", "official_area_km2"]
    data = {"level": level, "code": rows.index.to_numpy(),
            **{c: rows[c].to_numpy() for c in copied},
            "area_km2": shapely.area(to_metres(array)) / 1e6, "label_lon": lon, "label_lat": lat}
    return gpd.GeoDataFrame(data, geometry=array, crs="EPSG:4326")[COLUMNS]
