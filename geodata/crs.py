"""VN-2000 and the other coordinate systems of Vietnamese map files: profiles, parsing, transforms.

VN-2000 (EPSG:4756) is a geographic system on the WGS 84 ellipsoid whose datum sits about 220 m
from WGS 84 in Lạng Sơn. Provincial maps use a 3° transverse Mercator ("TM-3") with a local central
meridian, scale 0.9999, false easting 500 000 m. Every VN-2000 system this module returns is bound
to WGS 84 with one set of parameters, so a point lands in the same place whichever way it came in.

The parameters are those of EPSG:6960 "VN-2000 to WGS 84 (2)" (source: Department of Survey and
Mapping, Decision 05/2007/QĐ-BTNMT), the transformation PROJ ranks first for EPSG:4756 -> 4326.
EPSG records them with the coordinate-frame rotation convention (method 9607): rx = -0.00928836″,
ry = +0.01975479″, rz = -0.00427372″. PROJ's ``+towgs84`` and WKT1's ``TOWGS84`` use the
position-vector convention (method 9606), which flips the rotation signs; hence the signs of
:data:`VN2000_TOWGS84`. Writing the decision's signs straight into ``+towgs84`` (a common slip)
moves points in Lạng Sơn by about 0.77 m; the other EPSG transformation, EPSG:5194 "VN-2000 to
WGS 84 (1)" (HCMC University of Technology), differs from ours there by about 0.68 m.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from pyproj import CRS, Geod, Transformer
from pyproj.crs import BoundCRS, ProjectedCRS
from pyproj.crs.coordinate_operation import ToWGS84Transformation, TransverseMercatorConversion
from pyproj.exceptions import CRSError

from geodata.errors import InvalidCRS
from geodata.text import fold

VN2000_EPSG = 4756
WGS84_EPSG = 4326
# EPSG:6960 in PROJ's position-vector form: dx, dy, dz (m), rx, ry, rz (arc-seconds), ds (ppm).
VN2000_TOWGS84 = (-191.90441429, -39.30318279, -111.45032835,
                  0.00928836, -0.01975479, 0.00427372, 0.252906278)
TM3_SCALE = 0.9999
TM3_FALSE_EASTING = 500_000.0
LANGSON_BBOX = (106.0, 21.3, 107.4, 22.5)  # lon min, lat min, lon max, lat max

# Central meridians of the provincial TM-3 zones, in degrees, following the annex of Circular
# 973/2001/TT-TCĐC (provinces as they were before the 2025 mergers; Hà Tây, merged into Hà Nội in
# 2008, shared 105°00′). Each entry with its own EPSG TM-3 system agrees with that system's area
# of use in the EPSG registry (tests/geodata/test_crs.py checks this).
PROVINCE_MERIDIANS: dict[str, float] = {
    "Lai Châu": 103.0, "Điện Biên": 103.0, "Sơn La": 104.0,
    "Kiên Giang": 104.5, "Cà Mau": 104.5,
    "Lào Cai": 104.75, "Yên Bái": 104.75, "Phú Thọ": 104.75, "Nghệ An": 104.75,
    "An Giang": 104.75,
    "Hà Nội": 105.0, "Vĩnh Phúc": 105.0, "Hà Nam": 105.0, "Ninh Bình": 105.0, "Thanh Hóa": 105.0,
    "Đồng Tháp": 105.0, "Cần Thơ": 105.0, "Hậu Giang": 105.0, "Bạc Liêu": 105.0,
    "Hà Giang": 105.5, "Bắc Ninh": 105.5, "Hải Dương": 105.5, "Hưng Yên": 105.5,
    "Thái Bình": 105.5, "Nam Định": 105.5, "Hà Tĩnh": 105.5, "Tây Ninh": 105.5,
    "Vĩnh Long": 105.5, "Trà Vinh": 105.5, "Sóc Trăng": 105.5,
    "Cao Bằng": 105.75, "Hải Phòng": 105.75, "Hồ Chí Minh": 105.75, "Bình Dương": 105.75,
    "Long An": 105.75, "Tiền Giang": 105.75, "Bến Tre": 105.75,
    "Tuyên Quang": 106.0, "Hòa Bình": 106.0, "Quảng Bình": 106.0,
    "Quảng Trị": 106.25, "Bình Phước": 106.25,
    "Bắc Kạn": 106.5, "Thái Nguyên": 106.5,
    "Bắc Giang": 107.0, "Thừa Thiên Huế": 107.0,
    "Lạng Sơn": 107.25, "Kon Tum": 107.5,
    "Quảng Ninh": 107.75, "Đà Nẵng": 107.75, "Quảng Nam": 107.75, "Lâm Đồng": 107.75,
    "Đồng Nai": 107.75, "Bà Rịa - Vũng Tàu": 107.75,
    "Quảng Ngãi": 108.0,
    "Bình Định": 108.25, "Khánh Hòa": 108.25, "Ninh Thuận": 108.25,
    "Gia Lai": 108.5, "Đắk Lắk": 108.5, "Đắk Nông": 108.5, "Phú Yên": 108.5, "Bình Thuận": 108.5,
}
# EPSG's VN-2000 TM-3 systems by central meridian (EPSG:5896-5899, 9205-9218).
TM3_EPSG: dict[float, int] = {
    103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.0: 5897, 105.5: 9209,
    105.75: 9210, 106.0: 9211, 106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215,
    107.5: 9216, 107.75: 5899, 108.0: 5898, 108.25: 9217, 108.5: 9218,
}


class NonStandardTowgs84Warning(UserWarning):
    """A VN-2000 file carries its own shift to WGS 84, not the standard EPSG:6960 one."""


def _bilingual(error: InvalidCRS, user_msg_vi: str) -> InvalidCRS:
    """Attach the Vietnamese user message; the portal picks ``user_msg`` or ``user_msg_vi``."""
    error.user_msg_vi = user_msg_vi  # type: ignore[attr-defined]
    return error


def province_slug(name: str) -> str:
    """Return the ASCII key of a province name.

    >>> province_slug("Lạng Sơn"), province_slug("Bà Rịa - Vũng Tàu")
    ('langson', 'bariavungtau')
    """
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _is_wgs84_ellipsoid(crs: CRS) -> bool:
    """Tell whether ``crs`` uses the WGS 84 ellipsoid, as VN-2000 does."""
    ellipsoid = crs.ellipsoid
    return (ellipsoid is not None and math.isclose(ellipsoid.semi_major_metre, 6378137.0)
            and math.isclose(ellipsoid.inverse_flattening, 298.257223563, rel_tol=1e-9))


def is_vn2000(crs: CRS) -> bool:
    """Tell whether ``crs`` (or the source of a bound one) is on the VN-2000 datum.

    MapInfo, ArcGIS and QGIS name it "Vietnam_2000", "D_Vietnam_2000", "VN_2000" or "VN-2000".

    >>> is_vn2000(CRS.from_epsg(9215)), is_vn2000(CRS.from_epsg(32648))
    (True, False)
    """
    source = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    names = [source.datum.name if source.datum else "", source.geodetic_crs.name
             if source.geodetic_crs else ""]
    keys = [province_slug(name) for name in names]
    named = any(key.endswith(("vietnam2000", "vn2000")) for key in keys)
    return named and _is_wgs84_ellipsoid(source)


def _tm3_meridian(crs: CRS) -> float | None:
    """Return the central meridian if ``crs`` is a TM-3 system in metres (0.9999, 500 km)."""
    operation = crs.coordinate_operation
    if not crs.is_projected or operation is None or "transverse mercator" not in (
            operation.method_name.lower()):
        return None
    params = {p.name.lower(): p.value for p in operation.params}
    meridian = params.get("longitude of natural origin")
    units = {axis.unit_name for axis in crs.axis_info}
    if (meridian is None or units != {"metre"}
            or not math.isclose(params.get("scale factor at natural origin", 0), TM3_SCALE)
            or not math.isclose(params.get("false easting", 0), TM3_FALSE_EASTING)
            or params.get("false northing", 0) != 0
            or params.get("latitude of natural origin", 0) != 0):
        return None
    return round(float(meridian), 9)  # PROJ strings give 107.25000000000001


def _looks_like_unnamed_vn2000(crs: CRS) -> bool:
    """Tell whether ``crs`` is TM-3 at a VN-2000 meridian on an unnamed WGS 84-ellipsoid datum."""
    datum = crs.datum.name.lower() if crs.datum else ""
    unnamed = "unknown" in datum or "not specified" in datum or "not_specified" in datum
    return unnamed and _is_wgs84_ellipsoid(crs) and _tm3_meridian(crs) in TM3_EPSG


def bind_vn2000(crs: CRS) -> CRS:
    """Bind a VN-2000 system without a shift to WGS 84 to the standard one; others pass as is.

    >>> bind_vn2000(CRS.from_epsg(4756)).is_bound, bind_vn2000(CRS.from_epsg(4326)).is_bound
    (True, False)
    """
    if crs.is_bound or not is_vn2000(crs):
        return crs
    return _bind(crs)


def _bind(crs: CRS) -> CRS:
    """Bind ``crs`` to WGS 84 with the standard VN-2000 parameters, whatever its datum is called."""
    shift = ToWGS84Transformation(crs.geodetic_crs, *VN2000_TOWGS84)
    return BoundCRS(source_crs=crs, target_crs=CRS.from_epsg(WGS84_EPSG), transformation=shift)


@functools.lru_cache(maxsize=64)
def vn2000_tm3(meridian_deg: float) -> CRS:
    """Return VN-2000 / TM-3 with central meridian ``meridian_deg``, bound to WGS 84.

    The EPSG system is used where there is one (EPSG:9215 for 107°15′), so names and areas of
    use come from the registry; other meridians get a system built to the same definition.

    >>> vn2000_tm3(107.25).source_crs.to_epsg()
    9215
    """
    if not 100.0 <= meridian_deg <= 112.0:
        raise ValueError(f"{meridian_deg} is not a central meridian in Vietnam")
    code = TM3_EPSG.get(round(float(meridian_deg), 9))
    if code is not None:
        return bind_vn2000(CRS.from_epsg(code))
    degrees, minutes = divmod(round(meridian_deg * 60), 60)
    conversion = TransverseMercatorConversion(
        latitude_natural_origin=0.0, longitude_natural_origin=meridian_deg,
        false_easting=TM3_FALSE_EASTING, false_northing=0.0,
        scale_factor_natural_origin=TM3_SCALE)
    projected = ProjectedCRS(conversion=conversion, name=f"VN-2000 / TM-3 {degrees}-{minutes:02d}",
                             geodetic_crs=CRS.from_epsg(VN2000_EPSG))
    return bind_vn2000(projected)


class _Profiles(Mapping[str, CRS]):
    """Named systems, built on first use so that importing the module stays cheap."""

    def __init__(self) -> None:
        self._meridians: dict[str, float | None] = {"wgs84": None, "vn2000": None}
        for province, meridian in PROVINCE_MERIDIANS.items():
            self._meridians[f"vn2000-{province_slug(province)}"] = meridian

    def __getitem__(self, key: str) -> CRS:
        meridian = self._meridians[key]
        if meridian is not None:
            return vn2000_tm3(meridian)
        return _geographic(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._meridians)

    def __len__(self) -> int:
        return len(self._meridians)


@functools.lru_cache(maxsize=2)
def _geographic(key: str) -> CRS:
    """Build a geographic profile: plain WGS 84, or VN-2000 bound to WGS 84."""
    return CRS.from_epsg(WGS84_EPSG) if key == "wgs84" else bind_vn2000(CRS.from_epsg(VN2000_EPSG))


# "vn2000" (EPSG:4756), "wgs84" (EPSG:4326) and "vn2000-<province>" (its TM-3), e.g.
# "vn2000-langson".
PROFILES: Mapping[str, CRS] = _Profiles()
_PROFILE_KEYS = {re.sub(r"[^a-z0-9]", "", key): key for key in PROFILES}


def _invalid(text: str) -> InvalidCRS:
    """Build the error for a system that cannot be read, in English and Vietnamese."""
    shown = repr(text.strip()[:60])
    return _bilingual(InvalidCRS(
        f"{shown} is not a coordinate reference system the portal can read. Give an EPSG code "
        "(e.g. EPSG:4326), WKT, a PROJ string or a profile such as 'VN-2000 Lạng Sơn'."),
        f"{shown} không phải hệ tọa độ mà cổng bản đồ đọc được. Hãy nhập mã EPSG (ví dụ "
        "EPSG:4326), chuỗi WKT, chuỗi PROJ hoặc tên hồ sơ như 'VN-2000 Lạng Sơn'.")


def _standard_vn2000(crs: CRS) -> CRS:
    """Return the standard bound form of a VN-2000 system; others pass as they are."""
    source = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    if not (is_vn2000(source) or _looks_like_unnamed_vn2000(source)):
        return crs
    if crs.is_bound and _has_zero_shift(crs):  # a placeholder: VN-2000 is ~220 m off WGS 84
        warnings.warn("VN-2000 file with a zero shift to WGS 84; using the standard EPSG:6960 one.",
                      NonStandardTowgs84Warning, stacklevel=3)
    elif crs.is_bound:
        offset = _offset_from_standard_m(crs)
        if offset > 0.01:
            warnings.warn(f"VN-2000 file with its own shift to WGS 84, {offset:.2f} m from the "
                          "standard EPSG:6960 one at Lạng Sơn; keeping the file's.",
                          NonStandardTowgs84Warning, stacklevel=3)
            return crs
    if source.is_geographic:
        return PROFILES["vn2000"]
    meridian = _tm3_meridian(source)
    return vn2000_tm3(meridian) if meridian is not None else _bind(source)


def _has_zero_shift(crs: CRS) -> bool:
    """Tell whether a bound system's shift to WGS 84 is all zeros."""
    operation = crs.coordinate_operation
    return operation is not None and all(p.value == 0 for p in operation.params
                                         if "translation" in p.name.lower()
                                         or "rotation" in p.name.lower()
                                         or "scale" in p.name.lower())


def _offset_from_standard_m(crs: CRS) -> float:
    """Distance in metres between ``crs``'s and the standard transform of a Lạng Sơn point."""
    lon, lat = 106.76, 21.85
    source = crs.source_crs
    x, y = Transformer.from_crs(CRS.from_epsg(WGS84_EPSG), source, always_xy=True).transform(
        lon, lat)
    theirs = to_wgs84(x, y, crs)
    ours = to_wgs84(x, y, _bind(source))
    return float(Geod(ellps="WGS84").inv(theirs[0], theirs[1], ours[0], ours[1])[2])


def crs_from_prj(text: str) -> CRS:
    """Read the WKT of a .prj file (ArcGIS, QGIS or MapInfo export) into a CRS.

    A VN-2000 system without a shift to WGS 84, as most of these files are, gets the standard
    one; a TM-3 system comes back as the EPSG one with the same meridian. Raises
    :class:`InvalidCRS` for text that is not WKT.

    >>> crs_from_prj(CRS.from_epsg(9215).to_wkt("WKT1_ESRI")).source_crs.to_epsg()
    9215
    """
    cleaned = text.lstrip("\ufeff").strip()
    try:
        crs = CRS.from_wkt(cleaned)
    except CRSError as exc:
        raise _invalid(cleaned) from exc
    return _standard_vn2000(crs)


def resolve_crs(text: str) -> CRS:
    """Read a coordinate reference system as a user types it.

    Accepts an EPSG code ("EPSG:4326", "4326"), WKT, a PROJ string, or a profile name in any
    case, with or without diacritics and separators ("VN-2000 Lạng Sơn", "vn2000_langson",
    "VN-2000 / TM-3 107-15"). VN-2000 given as WKT or PROJ gets the standard shift to WGS 84.
    Raises :class:`InvalidCRS` for anything else.

    >>> resolve_crs("VN-2000 Lạng Sơn").source_crs.to_epsg(), resolve_crs("4326").to_epsg()
    (9215, 4326)
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    key = re.sub(r"[^a-z0-9]", "", fold(cleaned))
    if not key:
        raise _invalid(str(text))
    if key in _PROFILE_KEYS:
        return PROFILES[_PROFILE_KEYS[key]]
    zone = re.fullmatch(r"vn2000tm3(\d{3})(\d{2})", key)
    if zone and int(zone[2]) < 60 and 100 <= int(zone[1]) <= 112:
        return vn2000_tm3(int(zone[1]) + int(zone[2]) / 60)
    code = re.fullmatch(r"(?:epsg\s*:*\s*)?(\d{4,6})", cleaned, flags=re.IGNORECASE)
    try:
        crs = CRS.from_epsg(int(code[1])) if code else CRS.from_user_input(cleaned)
    except CRSError as exc:
        raise _invalid(cleaned) from exc
    return crs if code else _standard_vn2000(crs)


def _as_crs(crs: CRS | str) -> CRS:
    """Accept a CRS or anything :func:`resolve_crs` reads; bind VN-2000 to the standard shift."""
    return bind_vn2000(crs if isinstance(crs, CRS) else resolve_crs(crs))


@functools.lru_cache(maxsize=32)
def _transformer(source: CRS, target: CRS) -> Transformer:
    """Build (once) a transformer in longitude/latitude (x/y) order."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(xs: Any, ys: Any, crs: CRS | str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates in ``crs`` to WGS 84 longitudes and latitudes (vectorised).

    Points outside the projection's domain come back as ``inf``.

    >>> lons, lats = to_wgs84([500000.0], [2400000.0], "vn2000-langson")
    >>> round(float(lons[0]), 4), round(float(lats[0]), 4)
    (107.2519, 21.6959)
    """
    transformer = _transformer(_as_crs(crs), CRS.from_epsg(WGS84_EPSG))
    lons, lats = transformer.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)


def from_wgs84(lons: Any, lats: Any, crs: CRS | str) -> tuple[np.ndarray, np.ndarray]:
    """Transform WGS 84 longitudes and latitudes to ``crs`` (x/y order, vectorised)."""
    transformer = _transformer(CRS.from_epsg(WGS84_EPSG), _as_crs(crs))
    xs, ys = transformer.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def looks_like_metres(xs: Any, ys: Any) -> bool:
    """Tell whether coordinates cannot be degrees (some |x| > 180 or |y| > 90).

    >>> looks_like_metres([451234.5], [2418765.2]), looks_like_metres([106.76], [21.85])
    (True, False)
    """
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    finite = np.isfinite(x) & np.isfinite(y)
    return bool((np.abs(x[finite]) > 180).any() or (np.abs(y[finite]) > 90).any())


def looks_swapped_latlon(lons: Any, lats: Any,
                         bbox: tuple[float, float, float, float] = LANGSON_BBOX) -> bool:
    """Tell whether points fall in ``bbox`` mostly when longitude and latitude are swapped.

    >>> looks_swapped_latlon([21.85], [106.76]), looks_swapped_latlon([106.76], [21.85])
    (True, False)
    """
    x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if x.size == 0:
        return False
    min_lon, min_lat, max_lon, max_lat = bbox

    def share_inside(lon: np.ndarray, lat: np.ndarray) -> float:
        inside = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        return float(inside.mean())

    swapped = share_inside(y, x)
    return swapped >= 0.5 and swapped > share_inside(x, y)
