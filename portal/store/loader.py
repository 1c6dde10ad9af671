"""Writing boundary sets and layer records into the store, in one transaction each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

import geopandas as gpd
import shapely

from geodata.assign import assign_points
from geodata.boundaries import COLUMNS as BOUNDARY_COLUMNS
from geodata.boundaries import BoundarySet
from geodata.text import fold, nfc
from portal.store import change_log
from portal.store.bulk_insert import FEATURE_COLUMNS as FEATURE_COLUMNS  # for scripts
from portal.store.bulk_insert import (
    STATE_COLUMNS,
    Forms,
    NewFeatures,
    dump_attributes,
    forms,
    insert_features,
    insert_rows,
    utc_now,
)
from portal.store.models import Area, Feature, FeatureState, Meta, Target

AREA_LEVELS = ("province", "district", "commune", "legacy_commune")
CHUNK = 5000


@dataclass(frozen=True)
class StateRow:
    """One dated state of a record to be written."""

    date: dt.date
    status: str
    progress: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    author: str = "system"


@dataclass(frozen=True)
class RecordRow:
    """A record of a layer to be written, with its history."""

    layer_id: str
    record_id: str
    name: str
    geometry: shapely.Geometry
    attributes: dict[str, Any]
    history: Sequence[StateRow]
    illustrative: bool = False


def jsonable(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return attributes ready for a JSON column: dates as ISO strings, NaN as None.

    >>> jsonable({"on_air": dt.date(2025, 5, 1), "households": 12, "x": float("nan")})
    {'on_air': '2025-05-01', 'households': 12, 'x': None}
    """
    result: dict[str, Any] = {}
    for key, value in attributes.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, float) and value != value:
            value = None
        result[key] = value
    return result


def bump_data_version(session: Session) -> int:
    """Increase the store's data version, which every cache key includes (one ``UPDATE``)."""
    bumped = change_log.bump_version(session)
    if bumped is not None:
        return bumped
    session.merge(Meta(key="data_version", value="1"))  # a store never written to
    return 1


def data_version(session: Session | Connection) -> int:
    """Return the store's data version (0 when nothing was ever written).

    Asked for once per request (``portal.web.cache.store_version``): pages and answers served
    from the cache ask for nothing else.
    """
    value = session.scalar(_DATA_VERSION)
    return int(value) if value else 0


# Built once: asked for on every request, and building the statement cost more than running it.
_DATA_VERSION = select(Meta.value).where(Meta.key == "data_version")


def set_meta(session: Session, key: str, value: str) -> None:
    """Store a key/value fact about the store."""
    session.merge(Meta(key=key, value=value))


def get_meta(session: Session, key: str) -> str | None:
    """Return a key/value fact about the store, or None."""
    return session.scalar(select(Meta.value).where(Meta.key == key))


def _date_or_none(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _area_rows(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    bounds = frame.geometry.bounds
    rows = []
    for (_, item), (_, box) in zip(frame.iterrows(), bounds.iterrows(), strict=True):
        official = item.get("official_area_km2")
        rows.append(
            {
                "level": item["level"],
                "code": str(item["code"]),
                "name": nfc(item["name"]),
                "name_ascii": fold(item["name"]),
                "unit_type": item.get("unit_type") or "",
                "vintage": str(item["vintage"]),
                "parent_code": item.get("parent_code"),
                "commune_code": item.get("commune_code"),
                "provenance": item["provenance"],
                "source": item.get("source") or "",
                "source_date": _date_or_none(item.get("source_date")),
                "area_km2": float(item["area_km2"]),
                "official_area_km2": None if pd.isna(official) else float(official),
                "label_lon": float(item["label_lon"]),
                "label_lat": float(item["label_lat"]),
                "geom": shapely.to_wkb(item.geometry),
                "minx": box.minx,
                "miny": box.miny,
                "maxx": box.maxx,
                "maxy": box.maxy,
            }
        )
    return rows


def write_boundaries(session: Session, boundaries: BoundarySet) -> None:
    """Replace every stored area with ``boundaries`` and re-assign records to them."""
    session.execute(delete(Area))
    frames = (
        boundaries.province,
        boundaries.districts,
        boundaries.communes,
        boundaries.legacy_communes,
    )
    for frame in frames:
        if len(frame):  # a level not imported yet has no rows (an empty insert adds a blank one)
            session.execute(insert(Area), _area_rows(frame.to_crs(4326)))
    session.flush()
    reassign_features(session)
    provenances = {str(p) for frame in frames for p in frame["provenance"]}
    set_meta(session, "boundaries_provenance",
             provenances.pop() if len(provenances) == 1 else "mixed" if provenances else "")
    bump_data_version(session)


def load_boundary_set(session: Session) -> BoundarySet:
    """Return every stored level as a BoundarySet (to merge an official import into)."""
    frames = {}
    for level in AREA_LEVELS:
        areas = list(session.scalars(select(Area).where(Area.level == level).order_by(Area.code)))
        frames[level] = gpd.GeoDataFrame(
            {
                column: [getattr(a, column) for a in areas]
                for column in BOUNDARY_COLUMNS
                if column != "geometry"
            }
            | {"source_date": [a.source_date for a in areas]},
            geometry=shapely.from_wkb([a.geom for a in areas]),
            crs=4326,
        )
    return BoundarySet(
        province=frames["province"],
        districts=frames["district"],
        legacy_communes=frames["legacy_commune"],
        communes=frames["commune"],
    )


def area_counts(session: Session) -> dict[str, int]:
    """Return how many areas the store holds of each level (levels without any left out)."""
    return dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())


def load_areas(session: Session, level: str) -> gpd.GeoDataFrame:
    """Return the stored areas of ``level`` as a GeoDataFrame (EPSG:4326)."""
    rows = session.execute(
        select(Area.code, Area.name, Area.geom).where(Area.level == level).order_by(Area.code)
    ).all()
    return gpd.GeoDataFrame(
        {"code": [r.code for r in rows], "name": [r.name for r in rows]},
        geometry=shapely.from_wkb([r.geom for r in rows]),
        crs=4326,
    )


def _assign(session: Session, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    communes = assign_points(xs, ys, load_areas(session, "commune"))
    districts = assign_points(xs, ys, load_areas(session, "district"))
    return communes, districts


def reassign_features(session: Session) -> int:
    """Recompute every record's commune and district from the stored boundaries.

    Only the records whose areas change are written (and noted in the change log); returns
    how many records were checked.
    """
    rows = session.execute(
        select(Feature.id, Feature.layer_id, Feature.x, Feature.y, Feature.commune_code,
               Feature.district_code)
    ).all()
    if not rows:
        return 0
    communes, districts = _assign(
        session, np.array([r.x for r in rows]), np.array([r.y for r in rows])
    )
    moved = [
        (r, c, d) for r, c, d in zip(rows, communes, districts, strict=True)
        if (r.commune_code, r.district_code) != (c, d)
    ]
    for start in range(0, len(moved), CHUNK):
        chunk = moved[start : start + CHUNK]
        session.execute(
            update(Feature),
            [{"id": r.id, "commune_code": c, "district_code": d} for r, c, d in chunk],
        )
        for r, _c, _d in chunk:
            change_log.note_features(session, r.layer_id, (r.id,))
    return len(rows)


def _state_rows(
    feature_id: int, record: RecordRow, text: str, form: Forms, now: Any
) -> Iterable[tuple]:
    """Return a record's history rows (a state with the record's attributes reuses ``text``)."""
    history = record.history
    if len(history) == 1 and history[0].attributes is record.attributes:  # an import's row
        state = history[0]
        yield (feature_id, record.layer_id, form.date(state.date), None, state.status,
               state.progress, text, state.author, state.note, now)  # fmt: skip
        return
    history = sorted(history, key=lambda s: s.date)
    for i, state in enumerate(history):
        valid_to = history[i + 1].date if i + 1 < len(history) else None
        same = state.attributes is record.attributes or state.attributes == record.attributes
        yield (
            feature_id, record.layer_id, form.date(state.date), form.date(valid_to),
            state.status, state.progress,
            text if same else dump_attributes(dict(state.attributes)), state.author,
            state.note, now,
        )  # fmt: skip


def write_records(session: Session, records: Sequence[RecordRow]) -> int:
    """Insert new records with their histories (bulk, in the caller's transaction)."""
    if not records:
        return 0
    insert_records(session, records)
    bump_data_version(session)
    return len(records)


def insert_records(
    session: Session, records: Sequence[RecordRow], areas: tuple | None = None
) -> int:
    """Insert new records with their histories, in batches; the data version is left alone.

    ``areas``: the (communes, districts) frames of :func:`load_areas`, when the caller inserts
    many batches.
    """
    if not records:
        return 0
    if areas is None:
        areas = (load_areas(session, "commune"), load_areas(session, "district"))
    form, now = forms(session), utc_now()
    new = NewFeatures(
        layer_ids=[r.layer_id for r in records], record_ids=[r.record_id for r in records],
        names=[r.name for r in records], geometries=[r.geometry for r in records],
        texts=[dump_attributes(r.attributes) for r in records],
        illustrative=[r.illustrative for r in records],
    )  # fmt: skip
    ids = insert_features(session, new, areas, now)
    stamp = form.timestamp(now)
    states = [s for r, i, text in zip(records, ids, new.texts, strict=True)
              for s in _state_rows(i, r, text, form, stamp)]  # fmt: skip
    insert_rows(session, FeatureState.__table__, STATE_COLUMNS, states)
    return len(records)


def write_targets(session: Session, targets: Iterable[dict[str, Any]]) -> int:
    """Insert or replace per-area targets."""
    count = 0
    for target in targets:
        session.execute(
            delete(Target).where(
                Target.layer_id == target["layer_id"],
                Target.level == target["level"],
                Target.area_code == target["area_code"],
                Target.year == target["year"],
            )
        )
        session.add(Target(**target))
        count += 1
    bump_data_version(session)
    return count


def delete_illustrative(session: Session) -> None:
    """Delete every illustrative record (with its history) and illustrative target."""
    ids = select(Feature.id).where(Feature.illustrative.is_(True))
    session.execute(delete(FeatureState).where(FeatureState.feature_id.in_(ids)))
    session.execute(delete(Feature).where(Feature.illustrative.is_(True)))
    session.execute(delete(Target).where(Target.illustrative.is_(True)))
    change_log.note_all(session)


def count_features(session: Session) -> int:
    """Return how many records the store holds."""
    return session.scalar(select(func.count(Feature.id))) or 0
