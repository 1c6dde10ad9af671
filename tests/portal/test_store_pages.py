"""SQLite page size: a new store has 16 KiB pages, a store made with 4 KiB pages keeps them and
works, and backups move between stores of either size with every export identical."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import create_app
from portal.services.backup import create_backup, restore_backup
from portal.store.db import PAGE_SIZE, open_database
from portal.web.database import get_database
from tests.portal.test_backup import every_export, portal_cli, rows

DAYS = (dt.date(2025, 6, 30), dt.date(2025, 11, 30))


def _pages(path: Path) -> tuple[int, str]:
    """Return a store file's page size and journal mode, read by a plain connection."""
    connection = sqlite3.connect(path)
    try:
        return (connection.execute("PRAGMA page_size").fetchone()[0],
                connection.execute("PRAGMA journal_mode").fetchone()[0])  # fmt: skip
    finally:
        connection.close()


def _rebuild_with_pages(path: Path, size: int) -> None:
    """Rewrite a store with pages of ``size`` bytes, as an older portal made it (WAL after)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute(f"PRAGMA page_size={size}")
        connection.execute("VACUUM")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    assert _pages(path) == (size, "wal")


def _portal(instance: Path) -> object:
    application = create_app({"instance_path": instance, "auto_seed": False,
                              "default_as_of": "2025-11-30",
                              "database_url": f"sqlite:///{instance / 'portal.sqlite3'}"})
    application.config["TESTING"] = True
    return application


@pytest.fixture
def db_url(db_path) -> str:
    """Page sizes are SQLite's: the embedded store, on the PostgreSQL test pass too."""
    return f"sqlite:///{db_path}"


@pytest.fixture
def old_store(db_path, tmp_path) -> Path:
    """The suite's demo store rewritten with 4 KiB pages, in an instance of its own."""
    instance = tmp_path / "old"
    instance.mkdir()
    shutil.copy(db_path, instance / "portal.sqlite3")
    _rebuild_with_pages(instance / "portal.sqlite3", 4096)
    return instance


def test_a_new_store_is_made_with_16_kib_pages_in_wal_mode(tmp_path):
    path = tmp_path / "new.sqlite3"
    result = portal_cli(tmp_path, "init", db=path)
    assert result.returncode == 0, result.stderr
    assert PAGE_SIZE == 16384
    assert _pages(path) == (16384, "wal")


def test_a_store_made_with_4_kib_pages_keeps_them_and_takes_writes(old_store):
    path = old_store / "portal.sqlite3"
    before = every_export(_app := _portal(old_store), DAYS[1])
    db = open_database(f"sqlite:///{path}")
    with db.transaction() as session:
        session.execute(text("UPDATE features SET name = name || ' (sửa)' "
                             "WHERE id = (SELECT MIN(id) FROM features)"))  # fmt: skip
    db.engine.dispose()
    get_database(_app).engine.dispose()
    assert _pages(path) == (4096, "wal")
    after = every_export(_portal(old_store), DAYS[1])
    changed = [key for key in before if before[key] != after[key]]
    assert changed and all(" (sửa)" in after[key].decode("utf-8-sig") for key in changed)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()


def test_a_backup_of_a_4_kib_store_restores_into_a_new_instance_identically(
    old_store, tmp_path
):
    source = _portal(old_store)
    archive = tmp_path / "old.zip"
    create_backup(get_database(source).engine, old_store, archive, "0.9.0")
    new = tmp_path / "new"
    made = portal_cli(new, "init")
    assert made.returncode == 0, made.stderr
    assert _pages(new / "portal.sqlite3") == (16384, "wal")
    target = _portal(new)
    restore_backup(get_database(target).engine, new, archive)
    assert _pages(new / "portal.sqlite3")[0] == 4096  # the backup's pages, as they were
    for day in DAYS:
        assert every_export(target, day) == every_export(source, day)
    for table in ("users", "targets", "areas"):
        assert rows(target, table) == rows(source, table), table
    with get_database(target).engine.connect() as connection:  # the portal's WAL again
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_backup_of_a_16_kib_store_restores_into_a_4_kib_store_identically(
    app, db_path, old_store, tmp_path
):
    archive = tmp_path / "new.zip"
    create_backup(get_database(app).engine, tmp_path, archive, "0.9.0")
    target = _portal(old_store)  # a 4 KiB store in WAL mode, holding data: replaced by force
    restore_backup(get_database(target).engine, old_store, archive, force=True)
    assert _pages(old_store / "portal.sqlite3")[0] == 16384
    for day in DAYS:
        assert every_export(target, day) == every_export(app, day)
    assert rows(target, "users") == rows(app, "users")
