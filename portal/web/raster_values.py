"""Raster values at a layer's records as the routes share them, and the features API's filter.

The values of a layer's records under the current raster of a kind
(``portal.services.record_values``) are kept in the app's cache per layer, raster (id and
SHA-256: a new or withdrawn raster changes the current one without moving the data version),
date, reader's scope, radius, threshold and data version. So the map, which asks for them once
per layer and date, a filtered features request and the planning page's hazard table read the
raster once between them.

The filter: ``hazard=flood_depth,landslide_hazard`` keeps the records at or over the default
threshold of any kind named (0.5 m of water, landslide class 3); ``elev_min`` / ``elev_max``
those whose ground elevation lies between the two (metres, inclusive; either may be left out).
Both given: records meeting both. A record with no value under a raster (off it, on nodata)
never passes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request

from portal.services.coverage import RasterNotKept
from portal.services.record_values import (
    POPULATION_RADIUS_M,
    THRESHOLDS,
    RecordValuesError,
    values_of_raster,
)
from portal.store.rasters import current_raster
from portal.web.cache import get_cache, store_version
from portal.web.database import get_session

#: The kinds ``hazard=`` may name.
HAZARDS = tuple(THRESHOLDS)


@dataclass(frozen=True)
class RasterFilter:
    """The ``hazard`` kinds and the elevation bounds (metres) a features request asks for."""

    hazards: tuple[str, ...] = ()
    elev_min: float | None = None
    elev_max: float | None = None

    def __bool__(self) -> bool:
        """Return whether the filter asks for anything."""
        return bool(self.hazards) or self.elev_min is not None or self.elev_max is not None

    @property
    def by_elevation(self) -> bool:
        """Return whether an elevation bound is given."""
        return self.elev_min is not None or self.elev_max is not None


@dataclass(frozen=True)
class Matches:
    """The records a filter keeps, and the rasters (ids) that decided it."""

    ids: frozenset[int]
    rasters: tuple[int, ...]


def _bound(name: str) -> float | None:
    value = request.args.get(name, "")
    if value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and -500.0 <= number <= 9000.0):
        raise RecordValuesError(
            f"{name} must be an elevation in metres from -500 to 9000 (got {value!r}).",
            f"{name} phải là độ cao tính bằng mét, từ -500 đến 9000 (nhận được {value!r}).",
            name)
    return number


def read_filter() -> RasterFilter:
    """Return the raster filter of the request's ``hazard``, ``elev_min`` and ``elev_max``."""
    value = request.args.get("hazard", "")
    asked = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    for kind in asked:
        if kind not in HAZARDS:
            known = ", ".join(HAZARDS)
            raise RecordValuesError(
                f"hazard must name one or more of {known} (got {kind!r}).",
                f"hazard phải là một hoặc nhiều giá trị trong {known} (nhận được {kind!r}).",
                "hazard")
    low, high = _bound("elev_min"), _bound("elev_max")
    if low is not None and high is not None and low > high:
        raise RecordValuesError(
            f"elev_min ({low:g} m) is above elev_max ({high:g} m).",
            f"elev_min ({low:g} m) lớn hơn elev_max ({high:g} m).", "elev_min")
    return RasterFilter(asked, low, high)


def layer_values(layer_id: str, kind: str, as_of: dt.date, *,
                 scope: Sequence[str] | None = None, public_only: bool = True,
                 radius: float = POPULATION_RADIUS_M,
                 threshold: float | None = None) -> dict[str, Any]:
    """Return the values of the current raster of ``kind`` at the layer's records (kept).

    Raises ``RasterNotKept`` when no raster of the kind is current. The answer is shared:
    callers must not change it.
    """
    session = get_session()
    raster = current_raster(session, kind, as_of, public_only=public_only)
    if raster is None:
        raise RasterNotKept(kind)
    key = ("record-values", layer_id, raster.id, raster.sha256, as_of,
           tuple(sorted(scope)) if scope is not None else None, radius, threshold,
           store_version())
    instance = current_app.config["PORTAL_SETTINGS"].instance_path
    return get_cache().get_or_compute(key, lambda: values_of_raster(
        session, instance, raster, layer_id, as_of, areas=scope, radius=radius,
        threshold=threshold))


def matching_ids(layer_id: str, as_of: dt.date, wanted: RasterFilter, *,
                 scope: Sequence[str] | None = None, public_only: bool = True) -> Matches:
    """Return the records of the layer the filter keeps (a hazard kind with no raster: 409)."""
    kept: set[int] | None = None
    rasters = []
    for kind in wanted.hazards:
        answer = layer_values(layer_id, kind, as_of, scope=scope, public_only=public_only)
        rasters.append(answer["raster"]["id"])
        over = {v["id"] for v in answer["values"] if v.get("over")}
        kept = over if kept is None else kept | over
    if wanted.by_elevation:
        answer = layer_values(layer_id, "elevation", as_of, scope=scope,
                              public_only=public_only)
        rasters.append(answer["raster"]["id"])
        low = -math.inf if wanted.elev_min is None else wanted.elev_min
        high = math.inf if wanted.elev_max is None else wanted.elev_max
        between = {v["id"] for v in answer["values"]
                   if v["value"] is not None and low <= v["value"] <= high}
        kept = between if kept is None else kept & between
    return Matches(frozenset(kept or ()), tuple(rasters))
