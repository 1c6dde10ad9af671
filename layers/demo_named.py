"""Demo records of the 2025 plan's named projects: industry, border gates, geopark, roads.

Named projects sit at their pre-2025 commune (see :mod:`layers.demo_gazetteer`); their dates and
progress figures are invented.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import Any

import shapely

from geodata.text import nfc
from layers import demo_places as places
from layers import get_layer
from layers.demo_gazetteer import GEOD, KM_PER_DEG, NAMED_KM, Commune, Gazetteer
from layers.demo_geopark import visitor_texts
from layers.demo_history import (
    DemoRecord,
    DemoState,
    blank,
    by_progress,
    make_record,
    progress_curve,
    stepped,
)


def _location(place: Commune) -> str:
    """Describe where a named project is, in both vintages."""
    return nfc(f"{place.name}, {place.district_name} (nay {place.commune_name})")


def _blob(lon: float, lat: float, area_ha: float, rng: random.Random) -> shapely.Polygon:
    """Return an irregular decagon of roughly ``area_ha`` around a point."""
    n = 10
    radius_km = math.sqrt(area_ha / 100.0 / (n / 2 * math.sin(2 * math.pi / n)))
    kx = KM_PER_DEG * math.cos(math.radians(lat))
    ring = []
    for i in range(n):
        angle, r = 2 * math.pi * i / n, radius_km * rng.uniform(0.85, 1.15)
        dx, dy = r * math.cos(angle) / kx, r * math.sin(angle) / KM_PER_DEG
        ring.append((round(lon + dx, 6), round(lat + dy, 6)))
    return shapely.Polygon(ring)


def _area_ha(geometry: shapely.Geometry) -> float:
    """Return the geodesic area of ``geometry`` in hectares, rounded to 0.1."""
    return round(abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e4, 1)


_INDUSTRY_LADDER = ((100.0, "completed"), (25.0, "construction"), (5.0, "site_clearance"),
                    (0.0, "planning"))  # fmt: skip


def _named(
    gaz: Gazetteer, rng: random.Random, where: places.Where, area: float | None
) -> tuple[Commune, shapely.Geometry, dict[str, Any]]:
    """Place a named project: its commune, a point or an area-sized polygon, location fields."""
    place = gaz.place(*where)
    lon, lat = gaz.scatter(place, rng, NAMED_KM)
    if not area:
        return place, shapely.Point(lon, lat), {"location": _location(place)}
    geometry = gaz.on_land(_blob(lon, lat, area, rng))
    return place, geometry, {"location": _location(place), "area_ha": _area_ha(geometry)}


def industry_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the plan's industrial parks, clusters and power plants."""
    layer = get_layer("industry")
    for index, (name, where, attrs, area, (start, end), paused) in enumerate(places.INDUSTRY, 1):
        place, geometry, located = _named(gaz, rng, where, area)
        snapshot = blank(layer) | attrs | located
        history = []
        for day, progress, held in progress_curve(rng, start, end, paused):
            status = "paused" if held else by_progress(progress, _INDUSTRY_LADDER)
            note = f"Tháng {day.month}/2025: {layer.status(status).label_vi}, {int(progress)}%"
            history.append(DemoState(day, status, progress, snapshot, note))
        yield make_record(layer, index, name, geometry, place, history)


def border_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the border gates, the smart-gate pilot and the Tân Thanh – Pò Chài zone."""
    layer = get_layer("border")
    for index, (name, where, attrs, area, steps) in enumerate(places.BORDER, 1):
        place, geometry, located = _named(gaz, rng, where, area)
        snapshot = blank(layer) | attrs | located
        yield make_record(layer, index, name, geometry, place, stepped(layer, rng, steps, snapshot))


def geopark_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the geopark's sites and the community-tourism villages."""
    layer = get_layer("geopark")
    for index, row in enumerate(places.GEOPARK, 1):
        name, where, site_type, text_vi, text_en, hours, steps = row
        place, geometry, located = _named(gaz, rng, where, None)
        snapshot = blank(layer) | located | {
            "site_type": site_type, "description_vi": text_vi, "description_en": text_en,
        } | visitor_texts(name, hours)  # fmt: skip
        yield make_record(layer, index, name, geometry, place, stepped(layer, rng, steps, snapshot))


_TRANSPORT_LADDER = ((100.0, "completed"), (20.0, "construction"), (5.0, "site_clearance"),
                     (0.0, "preparation"))  # fmt: skip


def transport_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the expressway, the national-road upgrades and the border patrol road."""
    layer = get_layer("transport")
    for index, row in enumerate(places.TRANSPORT, 1):
        name, road, kind, route, open_target, (start, end), opens_at = row
        stops = [gaz.place(*where) for where in route]
        line = (
            gaz.along_border(stops[0], stops[-1], inset_km=1.0)
            if kind == "patrol_road"
            else shapely.LineString([(p.lon, p.lat) for p in stops])
        )
        snapshot = blank(layer) | {
            "kind": kind, "road": road,
            "length_km": round(GEOD.geometry_length(line) / 1000, 1),
            "open_target": dt.date(*open_target) if open_target else None,
        }  # fmt: skip
        history = []
        for day, progress, _ in progress_curve(rng, start, end, ()):
            opened = opens_at is not None and opens_at <= progress < 100.0
            status = "open_to_traffic" if opened else by_progress(progress, _TRANSPORT_LADDER)
            note = f"Tháng {day.month}/2025: {layer.status(status).label_vi}, {int(progress)}%"
            history.append(DemoState(day, status, progress, snapshot, note))
        # A line counts toward the area around its middle stop.
        yield make_record(layer, index, name, line, stops[len(stops) // 2], history)
