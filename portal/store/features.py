"""Reading a layer's records as they stood on a date: by bounding box, by id.

The map's clusters come from ``portal.store.point_index``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from portal.store import spatial
from portal.store.models import Area, Feature, FeatureState
from portal.store.progress import state_as_of

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
