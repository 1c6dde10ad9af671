"""The data version every cache key holds: two writers committing at once each move it on."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from portal.store.db import open_database
from portal.store.loader import bump_data_version, data_version
from portal.store.migrate import upgrade


def _wait_until_blocked(database, timeout_s: float = 30.0) -> None:
    """On PostgreSQL, return once another session waits for a lock (SQLite: at once)."""
    if database.engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout_s
    with database.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar()
            if waiting:
                return
            connection.rollback()
    raise AssertionError("the second writer never waited for the first")


def test_two_writers_at_once_each_move_the_version_on(db_url):
    database = open_database(db_url)
    with database.sessions() as session:
        start = data_version(session)
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with database.transaction() as session:
                bump_data_version(session)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    first = database.sessions()
    first.begin()
    assert bump_data_version(first) == start + 1
    other = threading.Thread(target=second_writer)
    other.start()
    _wait_until_blocked(database)
    first.commit()
    first.close()
    other.join(timeout=60)
    assert not other.is_alive() and errors == []
    with database.sessions() as session:
        assert data_version(session) == start + 2
    database.engine.dispose()


def test_an_empty_store_starts_at_one(empty_db_url):
    database = open_database(empty_db_url)
    upgrade(database.engine)
    with database.transaction() as session:
        assert data_version(session) == 0
        assert bump_data_version(session) == 1
    with database.transaction() as session:
        assert bump_data_version(session) == 2
    database.engine.dispose()
