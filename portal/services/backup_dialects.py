"""How each database dialect is copied into a backup and back: one small strategy per dialect.

`portal.services.backup` asks `dump_for` for the strategy of the store's engine and never looks
at the dialect itself. A strategy writes one file (the archive member ``database/<name>``),
checks a staged copy of that file before anything is restored, and loads it into the store.

SQLite is copied with its online backup API (`sqlite3.Connection.backup`), never as a file: the
copy is one consistent snapshot taken while the portal reads and writes (WAL), and the restore
writes the snapshot's pages into the store's file the same way. PostgreSQL plugs in here as a
second strategy (``pg_dump --format=custom`` / ``pg_restore --clean``) registered in `DUMPS`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from geodata.errors import GeodataError
from geodata.rawtable import user_error
from portal.store.spatial import is_index_table


class BackupError(GeodataError):
    """A backup or restore refused or failed, with the reason in English and Vietnamese."""


def refuse(en: str, vi: str) -> BackupError:
    """Return a `BackupError` worded in both languages."""
    return user_error(BackupError, en, vi)


def store_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Return the rows of every table and the records of every layer held by ``engine``."""
    tables = sorted(t for t in inspect(engine).get_table_names()
                    if t != "alembic_version" and not is_index_table(t))
    with engine.connect() as connection:
        rows = {
            name: connection.scalar(select(func.count()).select_from(table(name))) or 0
            for name in tables
        }
        layers = {}
        if "features" in tables:
            layers = dict(connection.execute(text(
                "SELECT layer_id, COUNT(*) FROM features GROUP BY layer_id ORDER BY layer_id"
            )).all())  # fmt: skip
    return {"tables": rows, "layers": layers}


def revision_of(engine: Engine) -> str | None:
    """Return the Alembic revision the database of ``engine`` is at (None: no schema)."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


class DatabaseDump(Protocol):
    """What a dialect's strategy does; `portal.services.backup` needs nothing else."""

    #: The archive member's file name under ``database/``.
    member: str

    def dump(self, engine: Engine, target: Path) -> None:
        """Write one consistent copy of the store to ``target``."""

    def inspect_copy(self, copy: Path) -> tuple[str | None, dict[str, dict[str, int]]]:
        """Check a staged copy; return its Alembic revision and `store_counts`."""

    def load(self, engine: Engine, copy: Path) -> None:
        """Replace the whole store of ``engine`` with the staged copy."""


def _sqlite_path(engine: Engine) -> Path:
    return Path(make_url(engine.url).database or "")


def _damaged_copy(reason: str) -> BackupError:
    return refuse(
        f"The database in the backup is damaged ({reason}); nothing was restored.",
        f"Cơ sở dữ liệu trong bản sao lưu bị hỏng ({reason}); chưa khôi phục gì.",
    )


class SqliteDump:
    """SQLite through its online backup API: a consistent snapshot while the portal serves."""

    member = "portal.sqlite3"

    def dump(self, engine: Engine, target: Path) -> None:
        """Copy every page in one step (one read snapshot), then make the copy one plain file."""
        source = sqlite3.connect(_sqlite_path(engine), timeout=30)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: all pages under one read lock, a consistent copy
            copy.execute("PRAGMA journal_mode=DELETE")  # a file with no -wal beside it
            copy.execute("VACUUM")  # no free pages: smaller, and no deleted rows left in them
        finally:
            copy.close()
            source.close()

    def inspect_copy(self, copy: Path) -> tuple[str | None, dict[str, dict[str, int]]]:
        """Open the copy read-only, run SQLite's integrity check, read revision and counts."""
        try:
            connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                connection.close()
        except sqlite3.DatabaseError as exc:
            raise _damaged_copy(str(exc)) from None
        if verdict != "ok":
            raise _damaged_copy(verdict)
        engine = create_engine(f"sqlite:///file:{copy}?mode=ro&uri=true")
        try:
            return revision_of(engine), store_counts(engine)
        finally:
            engine.dispose()

    def load(self, engine: Engine, copy: Path) -> None:
        """Write the copy's pages into the store's file with the backup API, under its lock."""
        engine.dispose()  # no pooled connection keeps the old schema cached
        target = _sqlite_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()


#: Strategy per SQLAlchemy dialect name. PostgreSQL: add ``"postgresql": PostgresDump()`` here.
DUMPS: dict[str, DatabaseDump] = {"sqlite": SqliteDump()}


def dump_for(dialect: str) -> DatabaseDump:
    """Return the strategy of ``dialect``, or refuse in both languages."""
    try:
        return DUMPS[dialect]
    except KeyError:
        raise refuse(
            f"Backup and restore of a {dialect} database are not supported yet; "
            f"supported: {', '.join(sorted(DUMPS))}.",
            f"Chưa hỗ trợ sao lưu và khôi phục cơ sở dữ liệu {dialect}; "
            f"hiện hỗ trợ: {', '.join(sorted(DUMPS))}.",
        ) from None
