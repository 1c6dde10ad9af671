"""How each database dialect is copied into a backup and back: one small strategy per dialect.

`portal.services.backup` asks its `dump_for` for the strategy of a dialect and never runs a
dialect's commands itself. A strategy writes one file (the archive member ``database/<name>``),
checks a staged copy of that file before anything is restored, and loads it into the store.

SQLite is copied with its online backup API (`sqlite3.Connection.backup`), never as a file: the
copy is one consistent snapshot taken while the portal reads and writes (WAL), and the restore
writes the snapshot's pages into the store's file the same way. PostgreSQL's strategy
(``pg_dump --format=custom`` / ``pg_restore --clean``) is `portal.services.backup_postgres`.
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


def extension_tables(engine: Engine) -> set[str]:
    """Return the tables an extension owns (PostGIS's ``spatial_ref_sys``): not the portal's."""
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as connection:
        return set(connection.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
            "AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' "
            "WHERE c.relnamespace = 'public'::regnamespace"
        )).scalars())  # fmt: skip


def store_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Return the rows of every table and the records of every layer held by ``engine``."""
    skip = {"alembic_version", *extension_tables(engine)}
    tables = sorted(t for t in inspect(engine).get_table_names()
                    if t not in skip and not is_index_table(t))
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

    def load(self, engine: Engine, copy: Path, counts: dict[str, dict[str, int]]) -> None:
        """Replace the whole store of ``engine`` with the staged copy holding ``counts``."""


def _sqlite_path(engine: Engine) -> Path:
    return Path(make_url(engine.url).database or "")


def damaged_copy(reason: str) -> BackupError:
    """Return the refusal of a staged database copy that does not read back whole."""
    return refuse(
        f"The database in the backup is damaged ({reason}); nothing was restored.",
        f"Cơ sở dữ liệu trong bản sao lưu bị hỏng ({reason}); chưa khôi phục gì.",
    )


def _match_page_size(source: sqlite3.Connection, destination: sqlite3.Connection) -> None:
    """Let the backup API give ``destination`` the page size of ``source``.

    SQLite refuses a copy into a store in WAL mode whose pages are of another size (a backup
    of a 4 KiB store, made before 16 KiB pages, into a new instance): out of WAL mode the copy
    takes the source's size; the portal's next connection turns WAL on again.
    """
    size = "PRAGMA page_size"
    if source.execute(size).fetchone() != destination.execute(size).fetchone():
        destination.execute("PRAGMA journal_mode=DELETE")


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
            raise damaged_copy(str(exc)) from None
        if verdict != "ok":
            raise damaged_copy(verdict)
        engine = create_engine(f"sqlite:///file:{copy}?mode=ro&uri=true")
        try:
            return revision_of(engine), store_counts(engine)
        finally:
            engine.dispose()

    def load(self, engine: Engine, copy: Path, counts: dict[str, dict[str, int]]) -> None:
        """Write the copy's pages into the store's file with the backup API, under its lock.

        The copy's ``counts`` were read from it by `inspect_copy`; one page copy keeps them.
        """
        engine.dispose()  # no pooled connection keeps the old schema cached
        target = _sqlite_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        destination = sqlite3.connect(target, timeout=30)
        try:
            _match_page_size(source, destination)
            source.backup(destination)
        finally:
            destination.close()
            source.close()
