"""PostgreSQL connections are pinged before use only after being idle, and replaced when dead.

A ping on every checkout (``pool_pre_ping``) is one more round trip per request; a connection
used moments ago is alive. One cut while idle (a database restart, a firewall) must never reach
a request.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from portal.store import db
from portal.store.db import open_database
from tests.conftest import PG_URL


def _backend(database) -> int:
    with database.readers() as session:
        return session.scalar(text("SELECT pg_backend_pid()"))


def _cut(url: str, pid: int) -> None:
    """Terminate the server process behind a pooled connection, as a restart would."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


if PG_URL.startswith("postgresql"):
    # Only on the PostgreSQL pass: SQLite has no connection to lose (collected there only).

    def test_a_connection_cut_while_idle_is_replaced_before_any_request_meets_it(
            db_url, monkeypatch):
        database = open_database(db_url)
        try:
            first = _backend(database)
            _cut(db_url, first)
            monkeypatch.setattr(db, "IDLE_BEFORE_PING_S", 0.0)  # as if idle for long
            with database.readers() as session:
                assert session.scalar(text("SELECT 1")) == 1
            assert _backend(database) != first
        finally:
            database.engine.dispose()

    def test_a_connection_used_moments_ago_is_not_pinged(db_url):
        database = open_database(db_url)
        try:
            first = _backend(database)
            _cut(db_url, first)  # cut right after use: no ping finds it, the query does
            with pytest.raises(OperationalError), database.readers() as session:
                session.scalar(text("SELECT 1"))
            with database.readers() as session:  # the pool has let the dead one go
                assert session.scalar(text("SELECT 1")) == 1
        finally:
            database.engine.dispose()
