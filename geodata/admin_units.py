"""Official names, codes, centroids and the 2025 crosswalk of Lạng Sơn's administrative units.

Everything comes from the PyPI package ``vietnamadminunits`` (MIT), read by
:mod:`geodata.admin_source`; here its rows become one checked frame per level, with the legacy ->
2025 crosswalk complete. Communes of the neighbouring provinces are in
:mod:`geodata.neighbour_units`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from geodata.admin_source import AdminDataError, province_crosswalk, query
from geodata.text import nfc

PROVINCE_CODE = "20"
PROVINCE_NAME = "Lạng Sơn"

# The ascii key the package uses for the province, before and after 2025 (the province kept its
# borders, so DICT_PROVINCE['tinhlangson'] == ['tinhlangson']).
_PROVINCE_KEY = "tinhlangson"
BOUNDS_COLUMNS = ("minx", "miny", "maxx", "maxy")


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


# --- building the frames ---------------------------------------------------------------------


def with_bounds(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Add minx, miny, maxx, maxy parsed from a ``'lat,lon – lat,lon'`` column."""
    boxes = np.array([parse_bounds(text) for text in frame[column]], dtype=float).reshape(-1, 4)
    for i, name in enumerate(BOUNDS_COLUMNS):
        frame[name] = boxes[:, i]
    return frame


def nfc_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Normalise the text of ``columns`` to NFC in place and return ``frame``."""
    for column in columns:
        frame[column] = [nfc(value) if isinstance(value, str) else value for value in frame[column]]
    return frame


def _legacy_rows() -> pd.DataFrame:
    """Read Lạng Sơn's pre-2025 rows, one per legacy commune."""
    rows = query(
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
    districts = with_bounds(districts, "bounds").drop(columns="bounds")
    return nfc_columns(districts, ("name", "short_name", "unit_type"))


def _build_communes() -> pd.DataFrame:
    """Return the 2025 communes and wards, with official areas (0 read as unknown)."""
    rows = query(
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
    return nfc_columns(communes, ("name", "short_name", "unit_type"))


def _crosswalk(
    legacy_keys: Mapping[str, str],
    new_keys: Mapping[str, str],
) -> dict[str, str]:
    """Map each legacy commune code to its (default) 2025 commune code, checking completeness.

    ``legacy_keys`` maps ``'tinhlangson_<districtKey>_<wardKey>'`` to the legacy code and
    ``new_keys`` maps the 2025 ``wardKey`` to the 2025 code.
    """
    undivided, divided = province_crosswalk(_PROVINCE_KEY)
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
    frame = with_bounds(frame, "bounds").drop(columns="bounds")
    frame["commune_2025_code"] = frame["code"].map(mapping)
    return nfc_columns(frame, ("name", "short_name", "unit_type", "district_name"))


def _build_province() -> pd.DataFrame:
    """Return the one-row province frame (2025 centroid)."""
    rows = query(
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
    return nfc_columns(province, ("name", "short_name", "unit_type"))


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


