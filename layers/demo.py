"""Illustrative demo data for every layer, built from the 2025 plan's real project list.

Named projects sit at their pre-2025 commune: where its approximate cell is generated (its
official centroid, unless geodata.boundaries had to repair it) plus a small deterministic offset
kept on land and in that cell. Dates, progress figures, blackspot villages and households are
invented; the loader marks every row illustrative, and nothing here is an official figure.

The records come from :mod:`layers.demo_named` (the plan's projects) and
:mod:`layers.demo_invented` (villages and households); their histories are built with
:mod:`layers.demo_history`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import shapely

from geodata.admin_units import PROVINCE_CODE
from layers import demo_invented as invented
from layers import demo_named as named
from layers import get_layer
from layers.demo_gazetteer import Gazetteer
from layers.demo_history import DemoRecord

Builder = Callable[[Gazetteer, random.Random], Iterator[DemoRecord]]
# Each layer's records draw from a generator of their own, seeded with "<seed>:_<layer id>", so
# one layer's records stay the same when another layer's builder changes.
_BUILDERS: tuple[tuple[str, Builder], ...] = (
    ("industry", named.industry_records),
    ("border", named.border_records),
    ("geopark", named.geopark_records),
    ("transport", named.transport_records),
    ("signal", invented.signal_records),
    ("housing", invented.housing_records),
)


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
    records = tuple(
        record
        for layer_id, builder in _BUILDERS
        for record in builder(gaz, random.Random(f"{seed}:_{layer_id}"))
    )
    return DemoDataset(records=records, targets=_targets(records))


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
