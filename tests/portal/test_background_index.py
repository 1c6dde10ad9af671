"""A process that meets only close-up views builds the layer's point index in the background.

Behind several workers most processes never see the wide view that builds the index in the
request; each close-up view is then answered from the spatial index (a query per view), and the
index is read in a thread of its own so that later views are answered from memory.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import numpy as np
from sqlalchemy import event, select

from portal.store import point_index as points
from portal.store.models import Feature
from portal.web.background import start_once
from portal.web.database import get_database, get_point_index

TODAY = dt.date.today()


def join_background_work() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("portal-"):
            thread.join(timeout=60)
            assert not thread.is_alive()


def close_up(client, centre: tuple[float, float], shift: float = 0.0) -> dict:
    x, y = centre
    bbox = f"{x - 0.02 + shift},{y - 0.02},{x + 0.02 + shift},{y + 0.02}"
    response = client.get(f"/api/layers/signal/features?cluster=auto&zoom=14&bbox={bbox}"
                          f"&as_of={TODAY}")  # fmt: skip
    assert response.status_code == 200
    return response.get_json()


def statements_during(app, work) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def a_signal_village(client) -> tuple[float, float]:
    """Where a dead-zone village is, read from the store (a wide view would build the index)."""
    with get_database(client.application).sessions() as session:
        return session.execute(select(Feature.x, Feature.y).where(
            Feature.layer_id == "signal").order_by(Feature.id).limit(1)).one()  # fmt: skip


def test_close_up_views_build_the_index_in_the_background_then_use_it(app, client):
    centre = a_signal_village(client)
    indexes = get_point_index(app)
    assert "signal" not in indexes.layers

    first = close_up(client, centre)
    join_background_work()

    assert "signal" in indexes.layers
    assert indexes.reloads == 1
    with get_database(app).sessions() as session:
        kept = indexes.current(session, "signal", TODAY, load=False)
    assert kept is not None and len(kept.ids) > 0
    ids = [f["id"] for f in first["features"]]
    assert len(ids) >= 1
    assert set(ids) <= set(kept.ids.tolist())
    # A view moved a hair (a new address, the same records) is answered from the index: the
    # data version is the only query; the spatial index path would add its search for ids.
    moved: dict = {}
    statements = statements_during(app, lambda: moved.update(close_up(client, centre, 1e-7)))
    assert [f["id"] for f in moved["features"]] == ids
    assert len(statements) == 1, statements
    assert indexes.reloads == 1


def test_the_index_built_in_the_background_is_the_one_a_wide_view_builds(app, client):
    close_up(client, a_signal_village(client))
    join_background_work()
    built = get_point_index(app).layers["signal"].index
    with get_database(app).sessions() as session:
        fresh = points.point_index(session, "signal", TODAY)
    for name in ("ids", "x", "y", "box", "done"):
        assert np.array_equal(getattr(built, name), getattr(fresh, name)), name


def test_background_work_runs_once_per_key_and_a_failure_is_only_logged(app, caplog):
    release = threading.Event()
    ran: list[str] = []
    with app.app_context():
        assert start_once(("test", 1), lambda: (release.wait(30), ran.append("first"))) is True
        assert start_once(("test", 1), lambda: ran.append("second")) is False
        release.set()
        join_background_work()
        assert ran == ["first"]

        def fails() -> None:
            raise RuntimeError("the database went away")

        with caplog.at_level(logging.ERROR, logger="portal.web.background"):
            assert start_once(("test", 1), fails) is True
            join_background_work()
        assert "the database went away" in caplog.text
        assert start_once(("test", 1), lambda: ran.append("again")) is True  # the key is free
        join_background_work()
    assert ran == ["first", "again"]
