"""Many rows into one table through the driver's ``executemany`` (``COPY`` on PostgreSQL).

SQLAlchemy's executemany builds and type-converts a parameter dict per row; for the 100,000
records of one import that costs more than the database's own work. :func:`insert_rows` takes
plain tuples whose few dialect-bound values (:class:`Forms`) the caller wrote as SQLAlchemy
would store them; JSON as ``json.dumps`` text on both (cast to ``json`` on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.orm import Session

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


_ENCODE = json.JSONEncoder(default=_iso_default, allow_nan=False).encode
_ENCODE_NAN = json.JSONEncoder(default=_iso_default).encode


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
