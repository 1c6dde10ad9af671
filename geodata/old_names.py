"""Lạng Sơn's pre-2025 names (communes and districts) and the 2025 communes they became.

Most people still speak in the names the 1 July 2025 reform retired ("xã Bắc Quỳnh, huyện Bắc
Sơn"). This module answers "which 2025 commune is that now?" from the name tables and the
legacy -> 2025 crosswalk of ``vietnamadminunits`` (:mod:`geodata.admin_source`), so it works
whatever boundaries are stored (derived or official). A legacy commune that went whole into one
2025 commune has one successor; one that was *divided* has several, the package's default first.
A district has as successors every 2025 commune that received any of its communes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from geodata.admin_source import province_crosswalk, query
from geodata.admin_units import _PROVINCE_KEY, PROVINCE_CODE, load_admin_units
from geodata.text import fold


@dataclass(frozen=True)
class OldUnit:
    """One pre-2025 commune or district and the 2025 communes that took its land."""

    level: str  # "legacy_commune" or "district"
    code: str
    name: str
    district_code: str | None
    district_name: str | None
    lat: float
    lon: float
    bbox: tuple[float, float, float, float]
    successors: tuple[str, ...]  # 2025 commune codes, the default (largest share) first

    @property
    def divided(self) -> bool:
        """Whether the unit went to more than one 2025 commune."""
        return len(self.successors) > 1


def _successor_keys() -> dict[str, list[str]]:
    """Map each legacy ``province_district_ward`` key to its 2025 ward keys, default first."""
    undivided, divided = province_crosswalk(_PROVINCE_KEY)
    result: dict[str, list[str]] = {}
    for new_key, old_keys in undivided.items():
        for old_key in old_keys:
            result.setdefault(old_key, []).append(new_key)
    for old_key, options in divided.items():
        ordered = sorted(options, key=lambda o: not o.get("isDefaultNewWard"))
        keys = result.setdefault(old_key, [])
        for option in ordered:
            if option["newWardKey"] not in keys:
                keys.append(option["newWardKey"])
    return result


@functools.lru_cache(maxsize=1)
def legacy_successors() -> dict[str, tuple[str, ...]]:
    """Map each legacy commune code to the 2025 commune codes it went to, default first.

    >>> legacy_successors()["06343"]  # Xã Bắc Quỳnh, huyện Bắc Sơn
    ('06325',)
    """
    legacy = query(
        "SELECT wardCode, districtKey, wardKey FROM admin_units_legacy WHERE provinceCode = ?",
        (PROVINCE_CODE,),
    )
    new = query(
        "SELECT wardCode, wardKey FROM admin_units WHERE provinceCode = ?", (PROVINCE_CODE,)
    )
    new_codes = dict(zip(new["wardKey"], new["wardCode"].astype(str), strict=True))
    keys = _successor_keys()
    result = {}
    for code, district_key, ward_key in legacy.itertuples(index=False):
        targets = keys.get(f"{_PROVINCE_KEY}_{district_key}_{ward_key}", [])
        result[str(code)] = tuple(new_codes[k] for k in targets if k in new_codes)
    return result


@functools.lru_cache(maxsize=1)
def old_units() -> tuple[OldUnit, ...]:
    """Return every pre-2025 commune and district of Lạng Sơn with its 2025 successors."""
    units = load_admin_units()
    successors = legacy_successors()
    communes = [
        OldUnit(
            level="legacy_commune", code=r.code, name=r.name, district_code=r.district_code,
            district_name=r.district_name, lat=float(r.lat), lon=float(r.lon),
            bbox=(float(r.minx), float(r.miny), float(r.maxx), float(r.maxy)),
            successors=successors.get(r.code) or (r.commune_2025_code,),
        )
        for r in units.legacy_communes.itertuples(index=False)
    ]
    districts = []
    for r in units.districts.itertuples(index=False):
        parts: list[str] = []
        for unit in communes:
            if unit.district_code == r.code:
                parts += [c for c in unit.successors if c not in parts]
        districts.append(
            OldUnit(
                level="district", code=r.code, name=r.name, district_code=None,
                district_name=None, lat=float(r.lat), lon=float(r.lon),
                bbox=(float(r.minx), float(r.miny), float(r.maxx), float(r.maxy)),
                successors=tuple(sorted(parts)),
            )
        )
    return tuple(districts + communes)


@functools.lru_cache(maxsize=1)
def commune_names() -> dict[str, str]:
    """Return code -> name of the 2025 communes, from the name tables."""
    communes = load_admin_units().communes
    return dict(zip(communes["code"], communes["name"], strict=True))


def find_old_units(text: str, limit: int = 10) -> list[OldUnit]:
    """Return the pre-2025 units whose name contains ``text``, diacritics and case ignored.

    >>> [u.name for u in find_old_units("bac quynh")]
    ['Xã Bắc Quỳnh']
    """
    key = fold(text)
    if not key:
        return []
    found = [u for u in old_units() if key in fold(u.name)]
    return sorted(found, key=lambda u: (u.level != "district", fold(u.name)))[:limit]


def predecessors(commune_code: str) -> list[OldUnit]:
    """Return the pre-2025 communes a 2025 commune was made from (whole or in part).

    >>> [u.name for u in predecessors("06325")]
    ['Thị trấn Bắc Sơn', 'Xã Bắc Quỳnh', 'Xã Long Đống']
    """
    found = [
        u for u in old_units() if u.level == "legacy_commune" and commune_code in u.successors
    ]
    return sorted(found, key=lambda u: (fold(u.district_name or ""), fold(u.name)))
