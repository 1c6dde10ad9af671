"""Engine and session factory, independent of Flask."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portal.store import change_log


@dataclass(frozen=True)
class Database:
    """An engine, its session factory, and the factory of read-only sessions.

    ``readers``: on PostgreSQL, sessions whose connections run in autocommit, for requests that
    only read: no BEGIN and ROLLBACK round trips, and each statement sees what is committed
    when it starts, as under the default READ COMMITTED. On SQLite the same as ``sessions``
    (whose transaction keeps one snapshot, and costs no round trip).
    """

    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session whose work is committed as one transaction, or rolled back whole."""
        with self.sessions.begin() as session:
            yield session


#: Bytes per page of a new SQLite store.
PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI hook signature
    cursor = dbapi_connection.cursor()
    # A new store's pages: 16 KiB rather than 4. Fewer, fuller pages made an import of 100,000
    # rows 8 % faster (scripts/bench_import.py); a store that exists keeps its size (WAL mode
    # fixes it), so this only counts before the first table is made.
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
    # WAL lets readers go on while an import writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_busy(exc: OperationalError) -> bool:
    """Whether ``exc`` is a write that waited too long for another writer's lock.

    >>> import sqlite3
    >>> is_busy(OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked")))
    True
    >>> is_busy(OperationalError("UPDATE", {}, sqlite3.OperationalError("disk I/O error")))
    False
    """
    # 55P03: PostgreSQL's lock_not_available, raised when lock_timeout runs out.
    return (getattr(exc.orig, "sqlstate", None) == "55P03"
            or "database is locked" in str(exc.orig))


#: A pooled connection idle longer than this is pinged before use (seconds).
IDLE_BEFORE_PING_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has been idle a while.

    ``pool_pre_ping`` pings on every checkout: one more round trip for every request. A
    connection checked in moments ago is alive; one idle for longer may have been cut by a
    database restart or a firewall, and a failed ping makes the pool connect afresh
    (``DisconnectionError``), so no request meets a dead connection either way.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _last_used(_dbapi_connection, record) -> None:  # noqa: ANN001 - pool hook signature
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001 - pool hook
        if time.monotonic() - record.info.get("last_used", float("-inf")) <= IDLE_BEFORE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection did not answer a ping") from exc


def open_database(url: str, busy_timeout: float = 30.0) -> Database:
    """Create the engine for ``url`` (creating the SQLite folder when needed).

    ``busy_timeout``: seconds a write waits for another writer's lock before failing with
    "database is locked" (SQLite) or a lock timeout (PostgreSQL); the web app keeps it short
    and answers 503.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # PostgreSQL: a write waits at most ``busy_timeout`` for another's lock (SQLSTATE 55P03).
        options = f"-c lock_timeout={round(busy_timeout * 1000)}"
        engine = create_engine(url, connect_args={"options": options})
        _ping_when_idle(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    change_log.track(sessions)
    readers = sessions
    if engine.dialect.name == "postgresql":
        readers = sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"),
                               expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, readers=readers)
