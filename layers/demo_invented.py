"""Demo records invented whole: blackspot villages for the signal layer, households for housing.

Villages, households, names and dates are made up from the pools in :mod:`layers.demo_places`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import shapely

from geodata.text import nfc
from layers import demo_places as places
from layers import get_layer
from layers.demo_gazetteer import SCATTER_KM, Commune, Gazetteer
from layers.demo_history import FIRST_DAY, DemoRecord, DemoState, blank, make_record, walk

SIGNAL_VILLAGES = 140
HOUSING_RECORDS = 2400


def _village(rng: random.Random, taken: set[str]) -> str:
    """Return a Tày/Nùng-style village name not yet in ``taken`` (and add it)."""
    while True:
        name = nfc(" ".join(rng.choice(pool) for pool in (
            places.VILLAGE_PREFIXES, places.VILLAGE_HEADS, places.VILLAGE_TAILS)))  # fmt: skip
        if name not in taken:
            taken.add(name)
            return name


def signal_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
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
        snapshot = blank(layer) | {
            "village": village, "commune_name": place.commune_name,
            "households": rng.randint(8, 95), "operator": "none", "blocker": blocker,
        }  # fmt: skip
        operator = rng.choices(("viettel", "vnpt", "mobifone"), (55, 25, 20))[0]
        history = []
        for day, status in walk(rng, listed, stages, stall=0.2):
            if status == "site_agreed":
                snapshot = snapshot | {"operator": operator}
            if status == "on_air":
                snapshot = snapshot | {"blocker": "none", "date_on_air": day}
            history.append(DemoState(day, status, None, snapshot, layer.status(status).label_vi))
        lon, lat = gaz.scatter(place, rng, SCATTER_KM)
        name = f"{village} – {place.commune_name}"
        yield make_record(layer, index, name, shapely.Point(lon, lat), place, history)


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


def housing_records(gaz: Gazetteer, rng: random.Random) -> Iterator[DemoRecord]:
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
            snapshot = blank(layer) | {
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
                for day, status in walk(rng, start, stages, stall=0.08)
            ]
            lon, lat = gaz.scatter(place, rng, SCATTER_KM)
            name = f"Xóa nhà tạm, nhà dột nát – hồ sơ {index:04d} ({place.commune_name})"
            yield make_record(layer, index, name, shapely.Point(lon, lat), place, history)
