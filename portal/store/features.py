"""Reading a layer's records as they stood on a date: by bounding box, by id, as clusters."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from portal.store import spatial
from portal.store.models import Area, Feature, FeatureState
from portal.store.progress import state_as_of, states_on

BBox = tuple[float, float, float, float]

FEATURE_COLUMNS = (
    Feature.id,
    Feature.record_id,
    Feature.name,
    Feature.geom,
    Feature.geom_type,
    Feature.commune_code,
    Feature.district_code,
    Feature.attributes,
    Feature.illustrative,
    FeatureState.status,
    FeatureState.progress,
    FeatureState.valid_from,
    FeatureState.attributes.label("state_attributes"),
)


def _current(layer_id: str, as_of: dt.date):
    return (
        select(*FEATURE_COLUMNS)
        .join(FeatureState, FeatureState.feature_id == Feature.id)
        .where(Feature.layer_id == layer_id, state_as_of(as_of))
    )


def _in_bbox(query, bbox: BBox | None, session: Session):
    """Keep the records whose box overlaps ``bbox``: lines and polygons crossing the view too."""
    if bbox is None:
        return query
    return query.where(spatial.overlaps(session.get_bind().dialect.name, bbox))


def _in_areas(query, areas: Sequence[str] | None):
    """Keep the records whose 2025 commune or pre-2025 district code is one of ``areas``."""
    if not areas:
        return query
    codes = list(areas)
    return query.where(or_(Feature.commune_code.in_(codes), Feature.district_code.in_(codes)))


def _in_area(query, area: tuple[str, str] | None):
    if area is None:
        return query
    level, code = area
    column = Feature.commune_code if level == "commune" else Feature.district_code
    return query.where(column == code)


def _incomplete(query, only: bool, statuses: Sequence[str] = ()):
    """Keep the records whose import left required fields empty (``attributes.incomplete``).

    ``statuses`` (status ids, empty: all) keeps only the records in one of them on the date.
    """
    if statuses:
        query = query.where(FeatureState.status.in_(list(statuses)))
    if not only:
        return query
    # ``->>``/``json_extract``: the list as JSON text, NULL where the record is complete.
    listed = Feature.attributes["incomplete"].as_string()
    return query.where(listed.is_not(None), listed != "[]")


def count_features(
    session: Session,
    layer_id: str,
    as_of: dt.date,
    bbox: BBox | None,
    areas: Sequence[str] | None = None,
    incomplete: bool = False,
    statuses: Sequence[str] = (),
) -> int:
    """Count a layer's records that existed on ``as_of`` and overlap ``bbox`` (in ``areas``).

    ``incomplete`` counts only the records missing some of their layer's required fields,
    ``statuses`` only those in one of these statuses on ``as_of``.
    """
    query = _in_bbox(
        select(func.count())
        .select_from(Feature)
        .join(FeatureState, FeatureState.feature_id == Feature.id)
        .where(Feature.layer_id == layer_id, state_as_of(as_of)),
        bbox,
        session,
    )
    return session.scalar(_incomplete(_in_areas(query, areas), incomplete, statuses)) or 0


def read_features(
    session: Session,
    layer_id: str,
    as_of: dt.date,
    bbox: BBox | None = None,
    limit: int | None = None,
    offset: int = 0,
    area: tuple[str, str] | None = None,
    areas: Sequence[str] | None = None,
    incomplete: bool = False,
    statuses: Sequence[str] = (),
    ids: Sequence[int] | None = None,
) -> Sequence[Row]:
    """Return a layer's records with their state on ``as_of``, ordered by id.

    ``area`` is one (level, code) asked for; ``areas`` the codes a reader is limited to (a
    record is kept when its commune or its district is one of them; empty or None: all);
    ``incomplete`` keeps only the records missing some required fields, ``statuses`` (status
    ids) those in one of them on ``as_of``; ``ids`` only these records.
    """
    query = _in_area(_in_areas(_in_bbox(_current(layer_id, as_of), bbox, session), areas), area)
    query = _incomplete(query, incomplete, statuses)
    if ids is not None:
        query = query.where(Feature.id.in_(list(ids)))
    query = query.order_by(Feature.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()


def longest_waiting(
    session: Session, layer_id: str, as_of: dt.date, statuses: Sequence[str], limit: int,
    area: tuple[str, str] | None = None,
) -> Sequence[Row]:
    """Return the records in ``statuses`` on ``as_of`` whose last step is oldest, at most ``limit``.

    Ordered by the date of their state (oldest first), then by id; ``area`` is (level, code).
    """
    query = _in_area(_current(layer_id, as_of), area).where(FeatureState.status.in_(statuses))
    return session.execute(
        query.order_by(FeatureState.valid_from, Feature.id).limit(limit)
    ).all()


@dataclass(frozen=True)
class PointIndex:
    """A layer's records on a date as numpy arrays, ordered by id: for clustering and views.

    ``x``/``y`` place a record (a line or polygon by its representative point) in a cluster;
    ``box`` (minx, miny, maxx, maxy per record) finds the records a view overlaps, exactly as
    :func:`read_features` does with ``bbox``.
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    box: np.ndarray
    done: np.ndarray

    def in_bbox(self, bbox: BBox) -> np.ndarray:
        """Return a boolean mask of the points inside ``bbox``."""
        minx, miny, maxx, maxy = bbox
        return (self.x >= minx) & (self.x <= maxx) & (self.y >= miny) & (self.y <= maxy)

    def overlapping(self, bbox: BBox | None) -> list[int]:
        """Return the ids of the records whose box overlaps ``bbox`` (all: None), by id."""
        if bbox is None:
            return self.ids.tolist()
        minx, miny, maxx, maxy = bbox
        box = self.box
        mask = (box[:, 2] >= minx) & (box[:, 0] <= maxx) & (box[:, 3] >= miny) & (box[:, 1] <= maxy)
        return self.ids[mask].tolist()


def point_index(
    session: Session, layer_id: str, as_of: dt.date, done_statuses: set[str]
) -> PointIndex:
    """Load every record of a layer on ``as_of``: id, position, box and whether it is done."""
    state = states_on(layer_id, as_of)
    rows = session.execute(
        select(Feature.id, Feature.x, Feature.y, Feature.minx, Feature.miny, Feature.maxx,
               Feature.maxy, state.c.status)
        .select_from(state.join(Feature, Feature.id == state.c.feature_id))
        .order_by(Feature.id)
    ).all()
    if not rows:
        empty = np.zeros(0)
        return PointIndex(empty.astype(np.int64), empty, empty, np.zeros((0, 4)),
                          empty.astype(bool))
    numbers = np.array([row[:7] for row in rows], dtype=float)
    status = np.array([row[7] for row in rows], dtype=object)
    return PointIndex(
        ids=numbers[:, 0].astype(np.int64),
        x=numbers[:, 1],
        y=numbers[:, 2],
        box=numbers[:, 3:7],
        done=np.isin(status, list(done_statuses)),
    )


def cluster_cell_degrees(zoom: int, pixels: int = 60) -> float:
    """Width in degrees of a square of ``pixels`` screen pixels at ``zoom`` (Web Mercator).

    >>> round(cluster_cell_degrees(8), 4)
    0.3296
    """
    return 360.0 / (256 * 2**zoom) * pixels


def grid_clusters(index: PointIndex, bbox: BBox, zoom: int) -> list[dict[str, Any]]:
    """Group the points in ``bbox`` into grid cells about 60 px wide at ``zoom``."""
    mask = index.in_bbox(bbox)
    x, y, done = index.x[mask], index.y[mask], index.done[mask]
    if x.size == 0:
        return []
    cell = cluster_cell_degrees(zoom)
    keys = np.floor(x / cell).astype(np.int64) * 1_000_003 + np.floor(y / cell).astype(np.int64)
    _, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    xs, ys, dones = x[order], y[order], done[order]
    clusters = []
    for i, n in enumerate(counts):
        sl = slice(starts[i], starts[i] + n)
        clusters.append(
            {
                "lon": float(xs[sl].mean()),
                "lat": float(ys[sl].mean()),
                "count": int(n),
                "done": int(dones[sl].sum()),
                "bbox": [float(xs[sl].min()), float(ys[sl].min()),
                         float(xs[sl].max()), float(ys[sl].max())],
            }
        )
    return clusters


def area_names(session: Session, level: str) -> dict[str, str]:
    """Return code → name of the stored areas of ``level``."""
    return dict(session.execute(select(Area.code, Area.name).where(Area.level == level)).all())


def is_finite_bbox(bbox: BBox) -> bool:
    """Tell whether every number of ``bbox`` is finite and it is not inverted."""
    return all(math.isfinite(v) for v in bbox) and bbox[0] <= bbox[2] and bbox[1] <= bbox[3]


def feature_ids(
    session: Session,
    layer_id: str,
    as_of: dt.date,
    bbox: BBox | None = None,
    area: tuple[str, str] | None = None,
    areas: Sequence[str] | None = None,
    incomplete: bool = False,
    statuses: Sequence[str] = (),
    limit: int | None = None,
) -> list[int]:
    """Return the ids of the records ``read_features`` answers for the same arguments.

    ``limit``: at most this many (the first by id), e.g. one more than a page can hold.
    """
    query = (
        select(Feature.id)
        .join(FeatureState, FeatureState.feature_id == Feature.id)
        .where(Feature.layer_id == layer_id, state_as_of(as_of))
    )
    query = _in_area(_in_areas(_in_bbox(query, bbox, session), areas), area)
    query = _incomplete(query, incomplete, statuses).order_by(Feature.id)
    return list(session.scalars(query if limit is None else query.limit(limit)))
