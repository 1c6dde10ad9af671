"""Many rows into one table through the driver's ``executemany``, with no per-row ORM work.

SQLAlchemy's executemany builds and type-converts a parameter dict per row; for the 100,000
records of one import that costs more than the database's own work. :func:`insert_rows` takes
plain tuples and converts the few types whose form differs between the dialects itself,
exactly as SQLAlchemy stores them: on SQLite dates as ISO text, timestamps as
``YYYY-MM-DD HH:MM:SS.ffffff``, booleans as 0/1; JSON as ``json.dumps`` text on both (cast to
``json`` on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Table
from sqlalchemy.orm import Session

#: Rows per executemany call.
BATCH = 5000


def _sqlite_value(kind: Any) -> Callable[[Any], Any] | None:
    """Return how SQLAlchemy's SQLite types store a value of this column type (None: as is)."""
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


def dump_json(value: Any) -> str:
    """Return a JSON column's text, as SQLAlchemy's JSON type writes it.

    >>> dump_json({"households": 12, "on_air": "2025-05-01"})
    '{"households": 12, "on_air": "2025-05-01"}'
    """
    return json.dumps(value)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``, in batches.

    JSON columns take text already dumped (:func:`dump_json`), so one dump may serve two
    rows; dates and timestamps are ``datetime`` objects.
    """
    if not rows:
        return
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    kinds = [table.c[name].type for name in columns]
    marks = [
        f"CAST({mark} AS JSON)" if isinstance(kind, JSON) and not sqlite else mark
        for kind in kinds
    ]
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(marks)})")  # fmt: skip
    converters = [(i, f) for i, kind in enumerate(kinds)
                  if sqlite and (f := _sqlite_value(kind)) is not None]  # fmt: skip
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        if converters:
            batch = [_converted(row, converters) for row in batch]
        connection.exec_driver_sql(sql, batch)


def _converted(row: tuple, converters: list[tuple[int, Callable[[Any], Any]]]) -> tuple:
    values = list(row)
    for i, convert in converters:
        values[i] = convert(values[i])
    return tuple(values)


def utc_now() -> dt.datetime:
    """Return the current UTC time, naive, as the models' timestamps store it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
