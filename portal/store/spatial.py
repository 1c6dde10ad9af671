"""The records whose bounding box overlaps a view, through the database's spatial index.

SQLite looks the box up in the R*Tree ``features_rtree``; PostgreSQL in the GiST index on
``box(point(minx, miny), point(maxx, maxy))`` (both made by migration 0006). The R*Tree keeps
32-bit boxes rounded outwards, so the exact comparison of the stored columns follows it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    and_,
    column,
    event,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.orm import Session

from portal.store.models import Feature

BBox = tuple[float, float, float, float]

_RTREE = table(
    "features_rtree", column("id"), column("minx"), column("maxx"), column("miny"), column("maxy")
)


def _exact(bbox: BBox) -> ColumnElement[bool]:
    minx, miny, maxx, maxy = bbox
    return and_(
        Feature.maxx >= minx, Feature.minx <= maxx, Feature.maxy >= miny, Feature.miny <= maxy
    )


def _box(minx, miny, maxx, maxy):
    return func.box(func.point(minx, miny), func.point(maxx, maxy))


def overlaps(dialect: str, bbox: BBox) -> ColumnElement[bool]:
    """Return the condition "the record's box overlaps ``bbox``" that uses the spatial index."""
    minx, miny, maxx, maxy = bbox
    if dialect == "sqlite":
        candidates = select(_RTREE.c.id).where(
            _RTREE.c.maxx >= minx, _RTREE.c.minx <= maxx,
            _RTREE.c.maxy >= miny, _RTREE.c.miny <= maxy,
        )
        return and_(Feature.id.in_(candidates), _exact(bbox))
    if dialect == "postgresql":
        view = _box(*(literal(v, Float) for v in bbox))
        stored = _box(Feature.minx, Feature.miny, Feature.maxx, Feature.maxy)
        return and_(stored.op("&&")(view), _exact(bbox))
    return _exact(bbox)


def is_index_table(name: str) -> bool:
    """Tell whether a table is the spatial index or one of its shadow tables (not data).

    >>> [is_index_table(t) for t in ("features", "features_rtree", "features_rtree_node")]
    [False, True, True]
    """
    return name == "features_rtree" or name.startswith("features_rtree_")


_TRIGGER = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'features_rtree_insert'"


class LaterFills:
    """R*Tree fills run in a thread of their own while the caller reads and checks on.

    SQLite fills the R*Tree without Python's lock held, so the next chunk of a large import
    is checked meanwhile. The fill uses the caller's connection: every statement, commit or
    rollback sent on it (through SQLAlchemy) waits until the fill is done, so the database
    sees the same statements in the same order as without the thread.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self, work: Callable[[], None]) -> None:
        """Run ``work`` (statements on the connection's DBAPI connection) in a thread."""
        self.wait()
        self._thread = threading.Thread(target=self._run, args=(work,), name="rtree-fill")
        self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def wait(self, *_args: object) -> None:
        """Wait for the fill under way, if any; raise what it raised."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


_WAIT_EVENTS = ("before_cursor_execute", "commit", "rollback")


@contextmanager
def rtree_fills_in_background(session: Session) -> Iterator[LaterFills | None]:
    """Give `rtree_filled_after` a thread to fill in (SQLite; None elsewhere), for a block.

    At the end of the block the last fill is waited for.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield None
        return
    later = LaterFills(connection)
    for name in _WAIT_EVENTS:
        event.listen(connection, name, later.wait)
    try:
        yield later
    except BaseException:
        with suppress(BaseException):  # the block's error is the one to tell
            later.wait()
        raise
    else:
        later.wait()
    finally:
        for name in _WAIT_EVENTS:
            event.remove(connection, name, later.wait)


@contextmanager
def rtree_filled_after(session: Session, later: LaterFills | None = None) -> Iterator[None]:
    """Insert many features with the R*Tree filled once afterwards, not row by row (SQLite).

    The insert trigger costs about three times the insert itself when 100,000 records come
    in one go; it is dropped inside the caller's transaction and made again from its stored
    text, so a rollback undoes both and no other connection ever sees the store without it.
    With ``later`` (`rtree_fills_in_background`), the fill runs in a thread once the block
    ends without an error.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    trigger = connection.exec_driver_sql(_TRIGGER).scalar()
    if trigger is None:
        yield
        return
    # The driver opens a transaction before a write only: a no-op write opens it before the DDL.
    connection.exec_driver_sql("DELETE FROM features_rtree WHERE 0")
    before = session.scalar(select(func.max(Feature.id))) or 0
    connection.exec_driver_sql("DROP TRIGGER features_rtree_insert")
    try:
        yield
    except BaseException:
        connection.exec_driver_sql(_FILL, (before,))
        connection.exec_driver_sql(trigger)
        raise
    if later is None:
        connection.exec_driver_sql(_FILL, (before,))
        connection.exec_driver_sql(trigger)
        return
    dbapi = connection.connection.dbapi_connection

    def fill() -> None:
        cursor = dbapi.cursor()
        try:
            cursor.execute(_FILL, (before,))
            cursor.execute(trigger)
        finally:
            cursor.close()

    later.start(fill)


_FILL = (
    "INSERT INTO features_rtree (id, minx, maxx, miny, maxy) "
    "SELECT id, minx, maxx, miny, maxy FROM features WHERE id > ? AND minx IS NOT NULL"
)
