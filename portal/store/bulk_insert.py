"""Many rows into one table through the driver's ``executemany`` (``COPY`` on PostgreSQL).

SQLAlchemy's executemany builds and type-converts a parameter dict per row; for the 100,000
records of one import that costs more than the database's own work. :func:`insert_rows` takes
plain tuples whose few dialect-bound values (:class:`Forms`) the caller wrote as SQLAlchemy
would store them; JSON as ``json.dumps`` text on both (cast to ``json`` on PostgreSQL).
:func:`insert_features` writes new records given column by column (:class:`NewFeatures`): their
rows are zipped from whole columns, with no object or tuple built per record on the way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import JSON, Connection, Table, func, select
from sqlalchemy.orm import Session

import shapely

from geodata.assign import assign_points, representative_xy
from geodata.text import fold_many, nfc_many
from portal.store import change_log
from portal.store.models import Feature
from portal.store.spatial import rtree_filled_after

#: Rows per executemany call.
BATCH = 5000


def dump_json(value: Any) -> str:
    """Return a JSON column's text, as SQLAlchemy's JSON type writes it.

    >>> dump_json({"households": 12, "on_air": "2025-05-01"})
    '{"households": 12, "on_air": "2025-05-01"}'
    """
    return json.dumps(value)


def _iso_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODE_NAN = json.JSONEncoder(default=_iso_default).encode


def _encoder() -> Callable[[Any], str]:
    """Return ``JSONEncoder(default=_iso_default, allow_nan=False).encode``, made once.

    The encoder's C part is built once here rather than on each call (its check for
    circular references left out: attributes read from cells hold none).
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(default=_iso_default, allow_nan=False).encode
    encode = make(None, _iso_default, json.encoder.encode_basestring_ascii, None, ": ", ", ",
                  False, False, False)  # fmt: skip
    return lambda value: "".join(encode(value, 0))


_ENCODE = _encoder()


def dump_attributes(attributes: dict[str, Any]) -> str:
    """Return attributes as JSON text: dates as ISO strings, NaN as None (``loader.jsonable``).

    >>> dump_attributes({"on_air": dt.date(2025, 5, 1), "households": 12})
    '{"on_air": "2025-05-01", "households": 12}'
    >>> dump_attributes({"households": float("nan")})
    '{"households": null}'
    """
    try:
        return _ENCODE(attributes)
    except ValueError:  # NaN (or infinity) at the top level: the slower, exact way
        return _ENCODE_NAN({key: None if isinstance(value, float) and value != value else value
                            for key, value in attributes.items()})  # fmt: skip


@dataclass(frozen=True)
class Forms:
    """How a dialect takes dates, timestamps and booleans in :func:`insert_rows`' tuples.

    SQLite: as SQLAlchemy's SQLite types store them (ISO dates, ``YYYY-MM-DD
    HH:MM:SS.ffffff``, 0/1); PostgreSQL: the Python objects themselves.
    """

    date: Callable[[dt.date | None], Any]
    timestamp: Callable[[dt.datetime], Any]
    boolean: Callable[[bool], Any]


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


_SQLITE = Forms(_iso, lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f"), int)
_AS_IS = Forms(lambda day: day, lambda t: t, bool)


def forms(session: Session) -> Forms:
    """Return how the session's database takes dates, timestamps and booleans."""
    return _SQLITE if session.connection().dialect.name == "sqlite" else _AS_IS


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``, in batches.

    Values are in the database's own forms (:func:`forms`); JSON columns take text already
    dumped (:func:`dump_json`), so one dump may serve two rows.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        _copy_rows(connection, table, columns, rows)
        return
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    marks = [
        f"CAST({mark} AS JSON)" if isinstance(table.c[name].type, JSON) and not sqlite else mark
        for name in columns
    ]
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(marks)})")  # fmt: skip
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, rows[start : start + BATCH])


def _copy_rows(connection: Connection, table: Table, columns: Sequence[str],
               rows: Sequence[tuple]) -> None:  # fmt: skip
    """Send ``rows`` to PostgreSQL with ``COPY … FROM STDIN`` (psycopg 3), in the transaction."""
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def utc_now() -> dt.datetime:
    """Return the current UTC time, naive, as the models' timestamps store it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


#: The columns a bulk insert of records fills, in the order of its rows.
FEATURE_COLUMNS = (
    "layer_id", "record_id", "name", "name_ascii", "geom_type", "x", "y", "commune_code",
    "district_code", "attributes", "illustrative", "created_at", "version", "geom", "minx",
    "miny", "maxx", "maxy",
)  # fmt: skip
STATE_COLUMNS = (
    "feature_id", "layer_id", "valid_from", "valid_to", "status", "progress", "attributes",
    "author", "note", "recorded_at",
)  # fmt: skip
_GEOM_TYPES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                        "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)


@dataclass(frozen=True)
class NewFeatures:
    """New records column by column: item ``i`` of every list is record ``i``.

    ``names`` as given (stored in NFC, folded for search); ``texts``: the attributes as
    :func:`dump_attributes` wrote them.
    """

    layer_ids: list[str]
    record_ids: list[str]
    names: list[str]
    geometries: list
    texts: list[str]
    illustrative: list[bool]


def insert_features(
    session: Session, new: NewFeatures, areas: tuple, now: dt.datetime
) -> list[int]:
    """Insert the records of ``new`` placed in the (communes, districts) ``areas``; return ids.

    The ids are in the order of ``new`` and are noted in the change log; ``now`` is their
    creation time. The states are the caller's.
    """
    geoms = np.array(new.geometries, dtype=object)
    xs, ys = representative_xy(geoms)
    communes, districts = (list(assign_points(xs, ys, frame)) for frame in areas)
    form = forms(session)
    minx, miny, maxx, maxy = shapely.bounds(geoms).T.tolist()
    rows = list(zip(
        new.layer_ids, new.record_ids, nfc_many(new.names), fold_many(new.names),
        _GEOM_TYPES[shapely.get_type_id(geoms)].tolist(), np.asarray(xs, dtype=float).tolist(),
        np.asarray(ys, dtype=float).tolist(), communes, districts, new.texts,
        map(form.boolean, new.illustrative), repeat(form.timestamp(now)), repeat(1),
        shapely.to_wkb(geoms).tolist(), minx, miny, maxx, maxy,
    ))  # fmt: skip
    # Ids only grow (SQLite's rowid, PostgreSQL's sequence): the new ones are above this.
    before = session.scalar(select(func.max(Feature.id))) or 0
    with rtree_filled_after(session):
        insert_rows(session, Feature.__table__, FEATURE_COLUMNS, rows)
    del rows
    ids = _new_ids(session, new, before)
    by_layer: dict[str, list[int]] = {}
    for layer_id, feature_id in zip(new.layer_ids, ids, strict=True):  # indexes catch up
        by_layer.setdefault(layer_id, []).append(feature_id)
    for layer_id, layer_ids in by_layer.items():
        change_log.note_features(session, layer_id, layer_ids)
    return ids


def _new_ids(session: Session, new: NewFeatures, before: int) -> list[int]:
    """Return the ids the store gave the records just inserted (all above ``before``).

    Each row inserted takes the next id, in order: when the ids above ``before`` are exactly
    as many as the rows and without a gap, they are the rows' in order. Otherwise (another
    writer's sequence numbers in between) they are read back by key.
    """
    count, low, high = session.execute(
        select(func.count(), func.min(Feature.id), func.max(Feature.id)).where(Feature.id > before)
    ).one()
    if count == len(new.record_ids) and count and high - low + 1 == count:
        return list(range(low, high + 1))
    found = session.execute(
        select(Feature.layer_id, Feature.record_id, Feature.id).where(Feature.id > before)
    )
    ids = {(layer_id, record_id): i for layer_id, record_id, i in found}
    return [ids[key] for key in zip(new.layer_ids, new.record_ids, strict=True)]


def state_rows(
    session: Session, ids: list[int], layer_ids: list[str], days: list[dt.date],
    statuses: list[str], progress: list[float | None], texts: list[str], author: str,
    now: dt.datetime,
) -> list[tuple]:  # fmt: skip
    """Return the first state of each new record as a row of ``STATE_COLUMNS`` (open-ended)."""
    form = forms(session)
    return list(zip(ids, layer_ids, map(form.date, days), repeat(None), statuses, progress,
                    texts, repeat(author), repeat(""), repeat(form.timestamp(now))))  # fmt: skip
