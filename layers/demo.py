"""Illustrative demo data for every layer, built from the 2025 plan's real project list.

Named projects sit at their pre-2025 commune: where its approximate cell is generated (its
official centroid, unless geodata.boundaries had to repair it) plus a small deterministic offset
kept on land and in that cell. Dates, progress figures, blackspot villages and households are
invented; the loader marks every row illustrative, and nothing here is an official figure.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely

from geodata.admin_units import PROVINCE_CODE
from geodata.text import nfc
from layers import demo_places as places
from layers import get_layer
from layers.base import LayerSpec
from layers.demo_places import GEOD, KM_PER_DEG, NAMED_KM, SCATTER_KM, Commune, Gazetteer

FIRST_DAY = dt.date(2025, 1, 2)
LAST_DAY = dt.date(2025, 11, 30)
SIGNAL_VILLAGES = 140
HOUSING_RECORDS = 2400


@dataclass(frozen=True)
class DemoState:
    """One dated state of a demo record; ``attributes`` is the full snapshot on that date."""

    date: dt.date
    status: str
    progress: float | None
    attributes: Mapping[str, Any]
    note: str


@dataclass(frozen=True)
class DemoRecord:
    """One illustrative record: geometry in EPSG:4326 (lon/lat) and its history, oldest first.

    ``attributes`` equals the last state's snapshot. The area codes say where the record was
    placed: the pre-2025 commune, its district and the 2025 commune that absorbed it.
    """

    layer_id: str
    record_id: str
    name: str
    geometry: shapely.Geometry
    attributes: Mapping[str, Any]
    history: tuple[DemoState, ...]
    legacy_commune_code: str = ""
    district_code: str = ""
    commune_code: str = ""


@dataclass(frozen=True)
class DemoTarget:
    """The 2025 target of one layer in one area (level commune, district or province)."""

    layer_id: str
    level: str
    area_code: str
    year: int
    target: float
    deadline: dt.date


@dataclass(frozen=True)
class DemoDataset:
    """Every demo record and every per-area target."""

    records: tuple[DemoRecord, ...]
    targets: tuple[DemoTarget, ...]


def build_demo(
    seed: int = 2025, cells: Mapping[str, shapely.Geometry] | None = None
) -> DemoDataset:
    """Return the illustrative demo dataset; the same arguments give the same data.

    Parameters
    ----------
    seed : int
        Seeds every random choice (positions, dates, progress, invented villages and names).
    cells : mapping of str to shapely geometry, optional
        Pre-2025 commune code -> the boundary the store will assign records with (EPSG:4326).
        Given, every point record lands inside its commune's polygon, so spatial assignment
        agrees with the record's area codes and the targets. Without it, points keep clearly
        nearer their own commune's cell generator than any other (geodata.boundaries).
    """
    gaz = Gazetteer(cells)
    builders = (_industry, _border, _geopark, _transport, _signal, _housing)
    records = tuple(
        record
        for builder in builders
        for record in builder(gaz, random.Random(f"{seed}:{builder.__name__}"))
    )
    return DemoDataset(records=records, targets=_targets(records))


# --- shared helpers --------------------------------------------------------------------------


def _blank(layer: LayerSpec) -> dict[str, Any]:
    """Return every field of ``layer`` set to None."""
    return {f.name: None for f in layer.fields}


def _location(place: Commune) -> str:
    """Describe where a named project is, in both vintages."""
    return nfc(f"{place.name}, {place.district_name} (nay {place.commune_name})")


def _record(
    layer: LayerSpec, index: int, name: str, geometry: shapely.Geometry, place: Commune,
    history: Sequence[DemoState],
) -> DemoRecord:  # fmt: skip
    """Assemble a record whose attributes are its last state's snapshot."""
    return DemoRecord(
        layer_id=layer.id,
        record_id=f"demo-{layer.id}-{index:04d}",
        name=nfc(name),
        geometry=geometry,
        attributes=history[-1].attributes,
        history=tuple(history),
        legacy_commune_code=place.code,
        district_code=place.district_code,
        commune_code=place.commune_code,
    )


def _stepped(
    layer: LayerSpec, rng: random.Random, steps: Sequence[tuple[str, int]], attrs: dict[str, Any]
) -> list[DemoState]:
    """Turn ``(status, month)`` steps into dated states with the status label as note."""
    return [
        DemoState(dt.date(2025, month, rng.randint(2, 26)), status, None, attrs,
                  layer.status(status).label_vi)
        for status, month in steps
    ]  # fmt: skip


def _progress_curve(
    rng: random.Random, start: float, end: float, paused: Sequence[int]
) -> Iterator[tuple[dt.date, float, bool]]:
    """Yield monthly ``(date, progress %, paused)`` from January to November, ending at 100."""
    speed, progress = rng.uniform(1.0, 1.25), start
    for month in range(1, 12):
        day = dt.date(2025, month, rng.randint(3, 27))
        if month in paused:
            yield day, progress, True
            continue
        share = min(1.0, (month - 1) / 10 * speed)
        planned = max(progress, start + (end - start) * share + rng.uniform(-2.0, 2.0))
        if month > 1 and progress < 90 and rng.random() < 0.06:
            planned = progress - rng.uniform(1.0, 3.0)  # a measured quantity revised downward
        progress = round(min(100.0, max(0.0, planned if month > 1 else start)), 1)
        yield day, progress, False
        if progress >= 100.0:
            return


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


# --- named projects --------------------------------------------------------------------------


def _by_progress(progress: float, ladder: Sequence[tuple[float, str]]) -> str:
    """Return the status of the first ``(threshold, status)`` rung that ``progress`` reaches."""
    return next(status for threshold, status in ladder if progress >= threshold)


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


def _industry(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the plan's industrial parks, clusters and power plants."""
    layer = get_layer("industry")
    for index, (name, where, attrs, area, (start, end), paused) in enumerate(places.INDUSTRY, 1):
        place, geometry, located = _named(gaz, rng, where, area)
        snapshot = _blank(layer) | attrs | located
        history = []
        for day, progress, held in _progress_curve(rng, start, end, paused):
            status = "paused" if held else _by_progress(progress, _INDUSTRY_LADDER)
            note = f"Tháng {day.month}/2025: {layer.status(status).label_vi}, {int(progress)}%"
            history.append(DemoState(day, status, progress, snapshot, note))
        yield _record(layer, index, name, geometry, place, history)


def _border(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the border gates, the smart-gate pilot and the Tân Thanh – Pò Chài zone."""
    layer = get_layer("border")
    for index, (name, where, attrs, area, steps) in enumerate(places.BORDER, 1):
        place, geometry, located = _named(gaz, rng, where, area)
        snapshot = _blank(layer) | attrs | located
        yield _record(layer, index, name, geometry, place, _stepped(layer, rng, steps, snapshot))


def _geopark(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield the geopark's sites and the community-tourism villages."""
    layer = get_layer("geopark")
    for index, row in enumerate(places.GEOPARK, 1):
        name, where, site_type, text_vi, text_en, hours, steps = row
        place, geometry, located = _named(gaz, rng, where, None)
        snapshot = _blank(layer) | located | {
            "site_type": site_type, "description_vi": text_vi, "description_en": text_en,
            "opening_hours": hours,
            "visitor_info": "Hỏi ban quản lý điểm đến về vé, hướng dẫn viên và đường đi.",
        }  # fmt: skip
        yield _record(layer, index, name, geometry, place, _stepped(layer, rng, steps, snapshot))


_TRANSPORT_LADDER = ((100.0, "completed"), (20.0, "construction"), (5.0, "site_clearance"),
                     (0.0, "preparation"))  # fmt: skip


def _transport(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
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
        snapshot = _blank(layer) | {
            "kind": kind, "road": road,
            "length_km": round(GEOD.geometry_length(line) / 1000, 1),
            "open_target": dt.date(*open_target) if open_target else None,
        }  # fmt: skip
        history = []
        for day, progress, _ in _progress_curve(rng, start, end, ()):
            opened = opens_at is not None and opens_at <= progress < 100.0
            status = "open_to_traffic" if opened else _by_progress(progress, _TRANSPORT_LADDER)
            note = f"Tháng {day.month}/2025: {layer.status(status).label_vi}, {int(progress)}%"
            history.append(DemoState(day, status, progress, snapshot, note))
        # A line counts toward the area around its middle stop.
        yield _record(layer, index, name, line, stops[len(stops) // 2], history)


# --- invented villages and households --------------------------------------------------------


def _village(rng: random.Random, taken: set[str]) -> str:
    """Return a Tày/Nùng-style village name not yet in ``taken`` (and add it)."""
    while True:
        name = nfc(" ".join(rng.choice(pool) for pool in (
            places.VILLAGE_PREFIXES, places.VILLAGE_HEADS, places.VILLAGE_TAILS)))  # fmt: skip
        if name not in taken:
            taken.add(name)
            return name


def _walk(
    rng: random.Random, start: dt.date, stages: Sequence[tuple[str, int, int]], stall: float
) -> list[tuple[dt.date, str]]:
    """Move from the first stage through the others, each after a random delay, until November.

    With probability ``stall`` the record stops for good at a random stage.
    """
    stop_at = rng.randrange(len(stages)) if rng.random() < stall else len(stages)
    day, steps = start, [(start, stages[0][0])]
    for status, low, high in stages[1 : stop_at + 1]:
        day += dt.timedelta(days=rng.randint(low, high))
        if day > LAST_DAY:
            break
        steps.append((day, status))
    return steps


def _signal(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield invented blackspot villages, more of them in the upland districts."""
    layer = get_layer("signal")
    pool = [p for p in gaz.places.values() if p.unit_type == "Xã"]
    weights = [places.SIGNAL_DISTRICT_WEIGHTS[p.district_short] for p in pool]
    taken: dict[str, set[str]] = {}
    for index in range(1, SIGNAL_VILLAGES + 1):
        place = rng.choices(pool, weights)[0]
        village = _village(rng, taken.setdefault(place.code, set()))
        blocker = rng.choices(("no_grid_power", "few_households", "terrain", "site_access"),
                              (30, 25, 25, 20))[0]  # fmt: skip
        late = rng.random() < 0.12  # added after the mid-year re-survey
        listed = dt.date(2025, 6, rng.randint(1, 28)) if late else FIRST_DAY + dt.timedelta(
            days=rng.randint(0, 55))  # fmt: skip
        slow = 3 if blocker == "no_grid_power" else 1
        stages = (("listed", 0, 0), ("site_agreed", 20, 70), ("power", 20 * slow, 70 * slow),
                  ("station_built", 20, 75), ("on_air", 5, 30), ("verified", 15, 60))  # fmt: skip
        snapshot = _blank(layer) | {
            "village": village, "commune_name": place.commune_name,
            "households": rng.randint(8, 95), "operator": "none", "blocker": blocker,
        }  # fmt: skip
        operator = rng.choices(("viettel", "vnpt", "mobifone"), (55, 25, 20))[0]
        history = []
        for day, status in _walk(rng, listed, stages, stall=0.2):
            if status == "site_agreed":
                snapshot = snapshot | {"operator": operator}
            if status == "on_air":
                snapshot = snapshot | {"blocker": "none", "date_on_air": day}
            history.append(DemoState(day, status, None, snapshot, layer.status(status).label_vi))
        lon, lat = gaz.scatter(place, rng, SCATTER_KM)
        name = f"{village} – {place.commune_name}"
        yield _record(layer, index, name, shapely.Point(lon, lat), place, history)


def _housing_quota(gaz: Gazetteer, rng: random.Random) -> dict[str, int]:
    """Share the demo's houses among all 2025 communes: wards few, upland communes more."""
    weights: dict[str, float] = {}
    for place in gaz.places.values():
        ward = place.commune_name.startswith("Phường")
        upland = place.district_short in places.UPLAND_DISTRICTS
        weight = 0.25 if ward else 1.3 if upland else 1.0
        weights[place.commune_code] = max(weights.get(place.commune_code, 0.0), weight)
    jittered = {code: w * rng.uniform(0.75, 1.25) for code, w in sorted(weights.items())}
    total = sum(jittered.values())
    return {code: max(4, round(HOUSING_RECORDS * w / total)) for code, w in jittered.items()}


def _person(rng: random.Random) -> str:
    """Return an invented Vietnamese full name (a stand-in for personal data)."""
    if rng.random() < 0.5:
        middle, given = places.MIDDLE_FEMALE, places.GIVEN_FEMALE
    else:
        middle, given = places.MIDDLE_MALE, places.GIVEN_MALE
    return nfc(f"{rng.choice(places.FAMILY_NAMES)} {rng.choice(middle)} {rng.choice(given)}")


def _housing(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
    """Yield invented households whose temporary houses are being replaced, in every commune."""
    layer = get_layer("housing")
    by_commune: dict[str, list[Commune]] = {}
    for place in gaz.places.values():
        by_commune.setdefault(place.commune_code, []).append(place)
    stages = (("registered", 0, 0), ("approved", 15, 60), ("under_construction", 10, 60),
              ("completed", 40, 120), ("handed_over", 5, 30))  # fmt: skip
    index = 0
    for code, count in _housing_quota(gaz, rng).items():
        taken: set[str] = set()
        villages = [_village(rng, taken) for _ in range(max(3, count // 6))]
        for _ in range(count):
            index += 1
            place = rng.choice(by_commune[code])
            work = rng.choices(("new_build", "repair"), (65, 35))[0]
            snapshot = _blank(layer) | {
                "beneficiary": _person(rng), "phone": f"000 000 {index:04d}",
                "village": rng.choice(villages), "household_size": rng.randint(1, 7),
                "commune_name": place.commune_name,
                "category": rng.choices(("poor", "near_poor", "merit", "policy"),
                                        (45, 25, 10, 20))[0],
                "work": work, "funds_million_vnd": 60.0 if work == "new_build" else 30.0,
            }  # fmt: skip
            start = FIRST_DAY + dt.timedelta(
                days=rng.randint(1, 200 if rng.random() < 0.1 else 110)
            )
            history = [
                DemoState(day, status, None, snapshot, layer.status(status).label_vi)
                for day, status in _walk(rng, start, stages, stall=0.08)
            ]
            lon, lat = gaz.scatter(place, rng, SCATTER_KM)
            name = f"Xóa nhà tạm, nhà dột nát – hồ sơ {index:04d} ({place.commune_name})"
            yield _record(layer, index, name, shapely.Point(lon, lat), place, history)


# --- targets ---------------------------------------------------------------------------------


def _targets(records: Sequence[DemoRecord]) -> tuple[DemoTarget, ...]:
    """Count each layer's target units per 2025 commune, pre-2025 district and the province."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for record in records:
        # Industry's target is the projects the plan wants finished this year.
        if record.attributes.get("plan_goal", "finish_2025") == "finish_2025":
            counts[(record.layer_id, "commune", record.commune_code)] += 1
            counts[(record.layer_id, "district", record.district_code)] += 1
            counts[(record.layer_id, "province", PROVINCE_CODE)] += 1
    return tuple(
        DemoTarget(layer_id, level, code, 2025, float(n), get_layer(layer_id).deadline)
        for (layer_id, level, code), n in sorted(counts.items())
    )
