"""A SQLite backup restored into a portal on PostgreSQL: the move from the embedded default.

The staged SQLite copy (already checked against its manifest) is first brought to the newest
schema, so both sides have the same tables; then, in ONE transaction on PostgreSQL, every table
of the portal is emptied, filled from the copy table by table in foreign-key order through
SQLAlchemy Core (the values typed by the target's own columns: dates, JSON, booleans, WKB), its
id sequence set past the highest id, and its rows counted against the copy. Any difference or
error rolls the whole of it back.

The other way (a PostgreSQL backup into SQLite) would need a PostgreSQL server to read the dump
and is refused by `portal.services.backup`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from portal.services.backup_dialects import BackupError, extension_tables, refuse, store_counts
from portal.store.migrate import upgrade

#: Rows read and written at a time: a store of millions of rows never sits in memory whole.
BATCH = 2000


def _portal_tables(engine: Engine) -> list[Table]:
    """Return the target's tables in foreign-key order, without Alembic's and extensions'."""
    skip = {"alembic_version", *extension_tables(engine)}
    metadata = MetaData()
    metadata.reflect(engine)
    return [t for t in metadata.sorted_tables if t.name not in skip]


def _copy_table(source: Connection, target: Connection, table: Table) -> None:
    """Copy every row of ``table`` from the SQLite copy, in batches, typed by the target."""
    columns = [c for c in table.columns if c.name in _source_columns(source, table.name)]
    ordered = select(*columns).order_by(*table.primary_key.columns)
    rows = source.execution_options(yield_per=BATCH).execute(ordered)
    for batch in rows.partitions(BATCH):
        target.execute(table.insert(), [dict(row._mapping) for row in batch])


def _source_columns(source: Connection, name: str) -> set[str]:
    return {row[1] for row in source.execute(text(f'PRAGMA table_info("{name}")'))}


def _follow_ids(target: Connection, table: Table) -> None:
    """Set the id sequence of ``table`` (if it has one) past its highest id."""
    for column in table.primary_key.columns:
        sequence = target.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                 {"t": f'public."{table.name}"', "c": column.name})  # fmt: skip
        if sequence:
            highest = target.scalar(select(func.max(column)))
            target.execute(text("SELECT setval(:s, :v, :called)"),
                           {"s": sequence, "v": highest or 1, "called": highest is not None})


def _mismatch(name: str) -> BackupError:
    return refuse(
        f"Copying the SQLite backup into PostgreSQL gave a different number of rows in {name}. "
        "Nothing was restored.",
        f"Sao chép bản sao lưu SQLite vào PostgreSQL cho số dòng khác trong bảng {name}. "
        "Chưa khôi phục gì.",
    )


def load_sqlite_into(engine: Engine, copy: Path) -> None:
    """Replace the PostgreSQL store of ``engine`` with the staged SQLite ``copy``, all or nothing.

    Raises
    ------
    BackupError
        A row the target refuses, or a table whose rows differ after the copy; nothing changed.
    """
    source_engine = create_engine(f"sqlite:///{copy}")
    try:
        upgrade(source_engine)  # the staged copy, never the backup: the same tables both sides
        expected = store_counts(source_engine)["tables"]
        upgrade(engine)
        tables = _portal_tables(engine)
        with source_engine.connect() as source, engine.begin() as target:
            for table in reversed(tables):
                target.execute(table.delete())
            for table in tables:
                _copy_table(source, target, table)
                _follow_ids(target, table)
                if target.scalar(select(func.count()).select_from(table)) != expected.get(
                    table.name, 0
                ):
                    raise _mismatch(table.name)
    except DBAPIError as exc:
        reason = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        raise refuse(
            f"PostgreSQL refused a row of the SQLite backup ({reason}). Nothing was restored.",
            f"PostgreSQL từ chối một dòng của bản sao lưu SQLite ({reason}). Chưa khôi phục gì.",
        ) from None
    finally:
        source_engine.dispose()
