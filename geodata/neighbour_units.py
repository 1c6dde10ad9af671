"""Pre-2025 communes of the provinces around Lạng Sơn, and the 2025 communes they became.

The approximate boundaries need them as competing sites along the provincial edge. They come from
``vietnamadminunits`` like Lạng Sơn's own units, but only Lạng Sơn's crosswalk is checked for
completeness; theirs is read leniently.
"""

from __future__ import annotations

import functools

import pandas as pd

from geodata.admin_source import lenient_crosswalk, query
from geodata.admin_units import (
    BOUNDS_COLUMNS,
    PROVINCE_CODE,
    load_admin_units,
    nfc_columns,
    with_bounds,
)


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


def _add_neighbour_2025_units(frame: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Add each neighbour's 2025 commune: code, official area and number of legacy parts."""
    mapping, parts = lenient_crosswalk(set(rows["provinceKey"]))
    old_keys = rows["provinceKey"] + "_" + rows["districtKey"] + "_" + rows["wardKey"]
    new_keys = [mapping.get(key) for key in old_keys]
    provinces = sorted({key.split("_", 1)[0] for key in mapping.values()})
    placeholders = ", ".join("?" * len(provinces))
    new_rows = query(
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
    own = load_admin_units().legacy_communes
    minx, miny = own["minx"].min() - buffer_deg, own["miny"].min() - buffer_deg
    maxx, maxy = own["maxx"].max() + buffer_deg, own["maxy"].max() + buffer_deg
    rows = query(
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
    frame = with_bounds(frame, "bounds").drop(columns="bounds")
    district = with_bounds(pd.DataFrame({"bounds": rows["districtBounds"].to_numpy()}), "bounds")
    for column in BOUNDS_COLUMNS:
        frame[f"district_{column}"] = district[column].to_numpy()
    _add_neighbour_2025_units(frame, rows)
    return nfc_columns(frame, ("name", "province_name"))
