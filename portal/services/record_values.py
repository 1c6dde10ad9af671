"""Values of the current rasters at a layer's records: elevation, people nearby, hazards.

One value per record of a layer on a day, from the latest raster of a kind
(``portal.store.rasters.current_raster``): the elevation of the cell under the record, the
people of a population grid within a radius (``geodata.raster_sample.sums_within``), or the
flood depth / landslide hazard under it with whether it is at or over a threshold. A record
stands at a point inside its geometry (``shapely.point_on_surface``). Reads only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

import shapely

from geodata import raster_sample
from geodata.errors import BilingualError
from portal.services.coverage import RasterNotKept
from portal.store import features as feature_store
from portal.store.rasters import Raster, current_raster, raster_path

#: The raster kinds this answers and how: the value under the record, or a sum around it.
KINDS = ("elevation", "population", "flood_depth", "landslide_hazard")
#: Default thresholds of the hazard kinds: 0.5 m of water, hazard class 3 (high) and above.
THRESHOLDS = {"flood_depth": 0.5, "landslide_hazard": 3.0}
#: The radius (metres) people are counted within, and its bounds.
POPULATION_RADIUS_M = 1000.0
RADIUS_RANGE_M = (100.0, 5000.0)


class RecordValuesError(BilingualError):
    """A parameter is not one this answers; ``field`` names it."""

    default_field = ""


def check_kind(kind: str | None) -> str:
    """Return ``kind`` when it is one of ``KINDS``, else raise a bilingual error."""
    if kind not in KINDS:
        known = ", ".join(KINDS)
        raise RecordValuesError(f"kind must be one of {known} (got {kind!r}).",
                                f"kind phải là một trong {known} (nhận được {kind!r}).", "kind")
    return kind


def check_number(value: str | None, field: str, default: float,
                 bounds: tuple[float, float] = (-math.inf, math.inf)) -> float:
    """Return a query parameter as a finite number inside ``bounds`` (``default`` when absent)."""
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and bounds[0] <= number <= bounds[1]):
        raise RecordValuesError(
            f"{field} must be a number from {bounds[0]:g} to {bounds[1]:g} (got {value!r}).",
            f"{field} phải là số từ {bounds[0]:g} đến {bounds[1]:g} (nhận được {value!r}).",
            field)
    return number


def record_values(
    session: Session, instance_path: Path, layer_id: str, kind: str, as_of: dt.date, *,
    areas: Sequence[str] | None = None, public_rasters_only: bool = True,
    radius: float = POPULATION_RADIUS_M, threshold: float | None = None,
) -> dict[str, Any]:
    """Return ``{"raster": .., "values": [{"id", "value"[, "over"]}]}`` for a layer's records.

    ``areas`` limits the records to those areas (a restricted reader's scope; None: all).
    """
    raster = current_raster(session, kind, as_of, public_only=public_rasters_only)
    if raster is None:
        raise RasterNotKept(kind)
    return values_of_raster(session, instance_path, raster, layer_id, as_of, areas=areas,
                            radius=radius, threshold=threshold)


def values_of_raster(
    session: Session, instance_path: Path, raster: Raster, layer_id: str, as_of: dt.date, *,
    areas: Sequence[str] | None = None, radius: float = POPULATION_RADIUS_M,
    threshold: float | None = None,
) -> dict[str, Any]:
    """Return :func:`record_values`'s answer for one kept ``raster`` (of one of ``KINDS``)."""
    kind = raster.kind
    rows = feature_store.read_features(session, layer_id, as_of, areas=areas)
    points = shapely.point_on_surface(shapely.from_wkb([r.geom for r in rows])) if rows else []
    lons, lats = shapely.get_x(points), shapely.get_y(points)
    path = raster_path(instance_path, raster)
    answer: dict[str, Any] = {
        "layer": layer_id, "kind": kind, "as_of": as_of.isoformat(),
        "raster": {"id": raster.id, "name_vi": raster.name_vi, "name_en": raster.name_en,
                   "unit": raster.unit, "as_of": raster.as_of.isoformat(),
                   "provenance": raster.provenance},
    }
    if kind == "population":
        sums = raster_sample.sums_within(path, lons, lats, radius) if rows else np.zeros(0)
        answer["radius"] = radius
        answer["values"] = [{"id": r.id, "value": round(float(v), 2)}
                            for r, v in zip(rows, sums, strict=True)]
        return answer
    values = raster_sample.values_at(path, lons, lats) if rows else np.zeros(0)
    shown = [None if math.isnan(v) else round(float(v), 3) for v in values.tolist()]
    answer["values"] = [{"id": r.id, "value": v} for r, v in zip(rows, shown, strict=True)]
    if kind in THRESHOLDS:
        limit = THRESHOLDS[kind] if threshold is None else threshold
        answer["threshold"] = limit
        for item, over in zip(answer["values"], raster_sample.over_threshold(values, limit),
                              strict=True):
            item["over"] = over
    return answer
