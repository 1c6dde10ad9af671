"""The demo's records and their dated histories: states by month, progress curves, stage walks.

Dates and progress figures are invented; nothing here is an official figure.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely

from geodata.text import nfc
from layers.base import LayerSpec
from layers.demo_gazetteer import Commune

FIRST_DAY = dt.date(2025, 1, 2)
LAST_DAY = dt.date(2025, 11, 30)


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


def blank(layer: LayerSpec) -> dict[str, Any]:
    """Return every field of ``layer`` set to None."""
    return {f.name: None for f in layer.fields}


def make_record(
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


def stepped(
    layer: LayerSpec, rng: random.Random, steps: Sequence[tuple[str, int]], attrs: dict[str, Any]
) -> list[DemoState]:
    """Turn ``(status, month)`` steps into dated states with the status label as note."""
    return [
        DemoState(dt.date(2025, month, rng.randint(2, 26)), status, None, attrs,
                  layer.status(status).label_vi)
        for status, month in steps
    ]  # fmt: skip


def progress_curve(
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


def by_progress(progress: float, ladder: Sequence[tuple[float, str]]) -> str:
    """Return the status of the first ``(threshold, status)`` rung that ``progress`` reaches."""
    return next(status for threshold, status in ladder if progress >= threshold)


def walk(
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
