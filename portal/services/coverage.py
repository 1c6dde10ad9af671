"""Coverage estimate: which dead-zone villages would a mast here see (line of sight only).

The estimate reads the current ``elevation`` raster (private ones too: the estimate is for
staff), computes the viewshed of a mast at a point or at a signal record
(``geodata.viewshed``) and lists the villages of the ``signal`` layer still without signal
within the radius: seen or not, their geodesic distance (``pyproj.Geod`` on WGS 84) and the
ground elevation of the village minus the station's. It is a line-of-sight estimate, not a
radio-propagation model, and it never writes anything.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

import shapely
from pyproj import CRS, Geod

from geodata import raster_sample
from geodata.crs import from_wgs84
from geodata.errors import BilingualError
from geodata.viewshed import Viewshed, viewshed
from layers import get_layer
from portal.services.editing.values import RecordNotFound
from portal.services.villages import _without_commune
from portal.store import features as feature_store
from portal.store import loader
from portal.store.rasters import current_raster, raster_path

#: The layer whose records are the dead-zone villages (and the candidate station sites).
VILLAGE_LAYER = "signal"
#: Bounds of the inputs: mast height and target height (metres), radius (metres).
MAST_RANGE_M = (1.0, 150.0)
TARGET_RANGE_M = (0.0, 30.0)
RADIUS_RANGE_M = (100.0, 15_000.0)
#: Decimal places kept in the GeoJSON of the visible area (about 1 m).
GEOJSON_DIGITS = 5
_GEOD = Geod(ellps="WGS84")


class RasterNotKept(Exception):
    """No raster of a kind is kept (on or before the day asked): nothing to compute from."""

    def __init__(self, kind: str = "elevation") -> None:
        if kind == "elevation":
            message = "No elevation raster is kept: an administrator must add one first."
            message_vi = "Chưa có raster độ cao nào được lưu: quản trị viên cần thêm trước."
        else:
            message = f"No raster of the kind {kind!r} is kept for this day."
            message_vi = f"Chưa có raster loại {kind!r} nào được lưu cho ngày này."
        super().__init__(message)
        self.kind = kind
        self.user_msg = message
        self.user_msg_vi = message_vi


class CoverageError(BilingualError):
    """A parameter of the estimate is missing or out of range; ``field`` names it."""

    default_field = ""


@dataclass(frozen=True)
class Station:
    """Where the mast stands: WGS 84 longitude and latitude, and the record it came from."""

    lon: float
    lat: float
    record_id: int | None = None
    name: str = ""


def _number(value: Any, field: str, bounds: tuple[float, float], label_en: str,
            label_vi: str) -> float:
    """Return ``value`` as a float inside ``bounds``, or raise a bilingual CoverageError."""
    low, high = bounds
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and low <= number <= high):
        raise CoverageError(
            f"{label_en} must be a number from {low:g} to {high:g} m (got {value!r}).",
            f"{label_vi} phải là số từ {low:g} đến {high:g} m (nhận được {value!r}).", field)
    return number


def read_inputs(body: Any) -> dict[str, Any]:
    """Return the checked inputs of a request body: station point or record, heights, radius."""
    if not isinstance(body, dict):
        raise CoverageError("The request body must be a JSON object.",
                            "Nội dung yêu cầu phải là một đối tượng JSON.", "body")
    inputs: dict[str, Any] = {
        "mast_height": _number(body.get("mast_height"), "mast_height", MAST_RANGE_M,
                               "The mast height", "Chiều cao cột anten"),
        "radius": _number(body.get("radius"), "radius", RADIUS_RANGE_M, "The radius",
                          "Bán kính"),
        "target_height": _number(body.get("target_height", 1.5), "target_height",
                                 TARGET_RANGE_M, "The target height", "Chiều cao máy thu"),
    }
    record = body.get("record_id")
    if record not in (None, ""):
        if isinstance(record, bool) or not isinstance(record, int | str) \
                or not str(record).isdigit() or int(record) > 2**31 - 1:
            raise CoverageError(f"record_id must be a record's number (got {record!r}).",
                                f"record_id phải là số của một bản ghi (nhận được {record!r}).",
                                "record_id")
        inputs["record_id"] = int(record)
        return inputs
    lon = _number(body.get("lon"), "lon", (-180.0, 180.0), "The longitude", "Kinh độ")
    lat = _number(body.get("lat"), "lat", (-90.0, 90.0), "The latitude", "Vĩ độ")
    inputs["lon"], inputs["lat"] = lon, lat
    return inputs


def station_of_record(session: Session, record_id: int, as_of: dt.date) -> Station:
    """Return the station at a signal record's point (404 when there is no such record)."""
    rows = feature_store.read_features(session, VILLAGE_LAYER, as_of, ids=[record_id])
    if not rows:
        raise RecordNotFound()
    point = shapely.point_on_surface(shapely.from_wkb(rows[0].geom))
    return Station(point.x, point.y, rows[0].id, rows[0].name)


def _inside_province(session: Session, station: Station) -> None:
    provinces = loader.load_areas(session, "province")
    if provinces.empty:
        return
    if not provinces.geometry.iloc[0].covers(shapely.Point(station.lon, station.lat)):
        raise CoverageError(
            f"The point ({station.lon:.5f}, {station.lat:.5f}) is outside the province.",
            f"Điểm ({station.lon:.5f}, {station.lat:.5f}) nằm ngoài địa giới tỉnh.", "point")


def dead_zone_villages(session: Session, station: Station, radius: float,
                       as_of: dt.date) -> list[dict[str, Any]]:
    """Return the signal records not yet done within ``radius`` m of the station, nearest first.

    Each: id, name, commune, status, lon, lat and ``distance`` (metres on the ellipsoid).
    """
    layer = get_layer(VILLAGE_LAYER)
    done = {s.id for s in layer.statuses if s.done}
    dlat = radius / 110_000.0 * 1.05
    dlon = dlat / max(math.cos(math.radians(station.lat)), 0.01)
    bbox = (station.lon - dlon, station.lat - dlat, station.lon + dlon, station.lat + dlat)
    rows = [r for r in feature_store.read_features(session, VILLAGE_LAYER, as_of, bbox)
            if r.status not in done]
    if not rows:
        return []
    points = shapely.point_on_surface(shapely.from_wkb([r.geom for r in rows]))
    lons, lats = shapely.get_x(points), shapely.get_y(points)
    _, _, distances = _GEOD.inv(np.full(len(rows), station.lon), np.full(len(rows), station.lat),
                                lons, lats)
    communes = feature_store.area_names(session, "commune")
    names = {s.id: (s.label_vi, s.label_en) for s in layer.statuses}
    villages = []
    for row, lon, lat, distance in zip(rows, lons, lats, distances, strict=True):
        if distance > radius:
            continue
        attributes = row.attributes or {}
        commune = communes.get(row.commune_code or "", attributes.get("commune_name", ""))
        villages.append({
            "id": row.id, "name": _without_commune(attributes.get("village") or row.name, commune),
            "commune": commune,
            "status": row.status, "status_vi": names.get(row.status, ("", ""))[0],
            "status_en": names.get(row.status, ("", ""))[1],
            "lon": round(float(lon), 6), "lat": round(float(lat), 6),
            "distance": round(float(distance), 1),
        })
    return sorted(villages, key=lambda v: (v["distance"], v["id"]))


def _seen(shed: Viewshed, lons: np.ndarray, lats: np.ndarray) -> list[bool | None]:
    """Return whether each point's cell is visible (None: off the viewshed's grid)."""
    if len(lons) == 0:
        return []
    xs, ys = from_wgs84(lons, lats, shed.crs)
    cols, rows = ~shed.transform @ (xs, ys)
    answer: list[bool | None] = []
    height, width = shed.visible.shape
    for row, col in zip(np.floor(rows), np.floor(cols), strict=True):
        inside = np.isfinite(row) and 0 <= row < height and 0 <= col < width
        answer.append(bool(shed.visible[int(row), int(col)]) if inside else None)
    return answer


def _geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    rounded = shapely.set_precision(geometry, 10.0**-GEOJSON_DIGITS)
    return shapely.geometry.mapping(rounded) if not rounded.is_empty else {
        "type": "MultiPolygon", "coordinates": []}


def estimate(session: Session, instance_path: Path, inputs: dict[str, Any],
             as_of: dt.date) -> dict[str, Any]:
    """Return the coverage estimate of a mast: the visible area and the villages it would see.

    ``inputs`` come from :func:`read_inputs`. Raises :class:`RasterNotKept`,
    :class:`CoverageError` (a point outside the province), ``ViewshedError`` (outside the
    raster) or ``RecordNotFound``. Reads only.
    """
    raster = current_raster(session, "elevation", as_of, public_only=False)
    if raster is None:
        raise RasterNotKept("elevation")
    if "record_id" in inputs:
        station = station_of_record(session, inputs["record_id"], as_of)
    else:
        station = Station(inputs["lon"], inputs["lat"])
    _inside_province(session, station)
    path = raster_path(instance_path, raster)
    crs = CRS.from_user_input(raster.crs)
    xs, ys = from_wgs84([station.lon], [station.lat], crs)
    shed = viewshed(path, float(xs[0]), float(ys[0]), inputs["mast_height"], inputs["radius"],
                    inputs["target_height"])
    villages = dead_zone_villages(session, station, inputs["radius"], as_of)
    lons = np.array([v["lon"] for v in villages], dtype=float)
    lats = np.array([v["lat"] for v in villages], dtype=float)
    grounds = raster_sample.values_at(path, lons, lats) if villages else np.zeros(0)
    for village, seen, ground in zip(villages, _seen(shed, lons, lats), grounds, strict=True):
        village["visible"] = seen
        village["elevation"] = None if math.isnan(ground) else round(float(ground), 1)
        village["elevation_difference"] = (
            None if math.isnan(ground) else round(float(ground) - shed.ground, 1))
    cells = int(shed.visible.sum())
    cell_area = shed.metres_per_cell[0] * shed.metres_per_cell[1]
    return {
        "ok": True,
        "station": {"lon": station.lon, "lat": station.lat, "record_id": station.record_id,
                    "name": station.name, "ground": round(shed.ground, 1)},
        "mast_height": inputs["mast_height"], "radius": inputs["radius"],
        "target_height": inputs["target_height"],
        "raster": {"id": raster.id, "name_vi": raster.name_vi, "name_en": raster.name_en,
                   "as_of": raster.as_of.isoformat(), "provenance": raster.provenance},
        "visible_km2": round(cells * cell_area / 1e6, 3),
        "area": _geojson(shed.polygons_wgs84()),
        "villages": villages,
    }
