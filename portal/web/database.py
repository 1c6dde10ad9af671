"""Flask glue for the store: one Database per app, one session per request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from portal.store.area_index import AreaIndex
from portal.store.db import Database, open_database
from portal.store.point_index import PointIndexes


def init_app(app: Flask, url: str, busy_timeout: float) -> None:
    """Open the database for ``app`` and close each request's session at teardown."""
    app.extensions["portal_db"] = open_database(url, busy_timeout)
    app.extensions["portal_area_index"] = AreaIndex()
    app.extensions["portal_point_index"] = PointIndexes()
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    """Return the app's Database."""
    return (app or current_app).extensions["portal_db"]


def get_area_index(app: Flask | None = None) -> AreaIndex:
    """Return the app's area index (per-area counts kept in memory, see ``area_index``)."""
    return (app or current_app).extensions["portal_area_index"]


def get_point_index(app: Flask | None = None) -> PointIndexes:
    """Return the app's point indexes of current states (map clusters, see ``point_index``)."""
    return (app or current_app).extensions["portal_point_index"]


def get_session() -> Session:
    """Return the request's read session (opened on first use; writes use ``transaction``)."""
    if "db_session" not in g:
        g.db_session = get_database().readers()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
