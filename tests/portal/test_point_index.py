"""The map's point index: caught up from the change log after every kind of edit, never reloaded.

Each answer of ``/api/layers/<layer>/features?cluster=auto`` at a low zoom must be the clusters
of the layer read afresh in plain SQL, after a record is created, moved, given a new status,
deleted, restored or imported, and whichever app on the database made the edit; the arrays an
edit did not touch stay the very same objects, and the layer is read whole only once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from sqlalchemy import select

import shapely

from layers import get_layer
from portal import create_app
from portal.services.accounts import create_user
from portal.services.editing import records
from portal.store import loader
from portal.store import point_index as points
from portal.store.models import Feature, FeatureState
from portal.store.progress import state_as_of
from portal.web.database import get_database, get_point_index
from portal.web.serialize import cluster_json

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = dt.date.today()
ZOOM = 8
WHOLE_WORLD = (-180.0, -90.0, 180.0, 90.0)


def sql_index(app, layer_id: str, as_of: dt.date) -> points.PointIndex:
    """The layer on ``as_of`` read in plain SQL through the ORM: no index code involved."""
    done = {s.id for s in get_layer(layer_id).statuses if s.done}
    with get_database(app).sessions() as session:
        rows = session.execute(
            select(Feature.id, Feature.x, Feature.y, Feature.minx, Feature.miny, Feature.maxx,
                   Feature.maxy, FeatureState.status)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == layer_id, state_as_of(as_of))
            .order_by(Feature.id)
        ).all()  # fmt: skip
    return points.PointIndex(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        x=np.array([r.x for r in rows], dtype=float),
        y=np.array([r.y for r in rows], dtype=float),
        box=np.array([[r.minx, r.miny, r.maxx, r.maxy] for r in rows], dtype=float),
        done=np.array([r.status in done for r in rows], dtype=bool),
    )


def assert_same_index(mine: points.PointIndex, expected: points.PointIndex) -> None:
    for name in ("ids", "x", "y", "box", "done"):
        assert np.array_equal(getattr(mine, name), getattr(expected, name)), name


def clusters(client, layer_id: str = "signal", as_of: dt.date = TODAY) -> list[dict]:
    client.application.config["PORTAL_SETTINGS"].cluster_threshold = 0  # cluster any view
    response = client.get(f"/api/layers/{layer_id}/features?cluster=auto&zoom={ZOOM}"
                          f"&as_of={as_of}")  # fmt: skip
    assert response.status_code == 200
    body = response.get_json()
    assert body["clustered"] is True
    assert body["numberMatched"] == sum(f["properties"]["count"] for f in body["features"])
    return body["features"]


def assert_answers_as_sql(client, layer_id: str = "signal", as_of: dt.date = TODAY) -> None:
    """The API's clusters are those of the layer read in SQL; the kept index is that read."""
    app = client.application
    expected = sql_index(app, layer_id, as_of)
    answer = clusters(client, layer_id, as_of)
    assert answer == [cluster_json(c) for c in points.grid_clusters(expected, WHOLE_WORLD, ZOOM)]
    assert sum(f["properties"]["count"] for f in answer) == len(expected.ids)
    with get_database(app).sessions() as session:
        assert_same_index(points.point_index(session, layer_id, as_of), expected)  # fresh build
        kept = get_point_index(app).current(session, layer_id, as_of, load=False)
    if kept is not None:
        assert_same_index(kept, expected)


def kept(app, layer_id: str = "signal") -> points.PointIndex:
    return get_point_index(app).layers[layer_id].index


def _send(client, method: str, url: str, token: str, body: dict) -> dict:
    response = client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _first_listed(app) -> Feature:
    with get_database(app).sessions() as session:
        return session.scalars(
            select(Feature).join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "listed").order_by(Feature.id)
        ).first()  # fmt: skip


def _to_done(client, token: str, fid: int, version: int) -> int:
    """Take a listed village through each status to the first done one; return its version."""
    for status in get_layer("signal").statuses[1:]:
        version = _send(client, "POST", f"/api/layers/signal/features/{fid}/status", token, {
            "version": version, "status": status.id, "reason": "Cập nhật tiến độ",
        })["version"]  # fmt: skip
        if status.done:
            return version
    raise AssertionError("the layer has no done status")


def test_every_kind_of_edit_through_the_api_is_caught_up_not_reloaded(app, client, login):
    token = login("telecom_editor")
    assert_answers_as_sql(client)
    follower = get_point_index(app)
    assert follower.reloads == 1
    url = "/api/layers/signal/features"

    before = kept(app)
    created = _send(client, "POST", url, token, {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [106.76, 21.85]},
        "properties": {"village": "Bản Khuổi Mới"}, "reason": "Khảo sát bổ sung",
    })  # fmt: skip
    fid = created["id"]
    assert_answers_as_sql(client)
    assert fid in kept(app).ids and fid not in before.ids

    before = kept(app)
    moved = _send(client, "PATCH", f"{url}/{fid}", token, {
        "version": created["version"], "reason": "Sai vị trí",
        "geometry": {"type": "Point", "coordinates": [106.25, 21.70]},
    })  # fmt: skip
    assert_answers_as_sql(client)
    after = kept(app)
    assert after.ids is before.ids and after.done is before.done  # only the position changed
    assert after.x is not before.x and after.box is not before.box

    before = after
    version = _to_done(client, token, fid, moved["version"])  # four steps, the last one done
    assert_answers_as_sql(client)
    after = kept(app)
    assert after.ids is before.ids and after.box is before.box  # only ``done`` changed
    assert after.x is before.x and after.y is before.y and after.done is not before.done
    assert bool(after.done[np.searchsorted(after.ids, fid)]) and version == 6

    old = _first_listed(app)  # a demo record in the middle of the ids: out, then back in place
    assert old.id < fid
    deleted = _send(client, "DELETE", f"{url}/{old.id}", token,
                    {"version": old.version, "reason": "Trùng bản ghi"})
    assert_answers_as_sql(client)
    assert old.id not in kept(app).ids
    _send(client, "POST", f"{url}/{old.id}/restore", token,
          {"version": deleted["version"], "reason": "Không trùng"})
    assert_answers_as_sql(client)
    assert old.id in kept(app).ids
    assert follower.reloads == 1  # every edit caught up record by record


def _import(client, token: str, name: str) -> dict:
    with (DATA / name).open("rb") as handle:
        response = client.post("/api/layers/signal/imports",
                               data={"file": (handle, name), "dry_run": "0"},
                               headers={"X-CSRFToken": token})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_imported_files_are_caught_up_not_reloaded(app, client, login):
    token = login("telecom_editor")
    assert_answers_as_sql(client)
    count = len(kept(app).ids)
    assert _import(client, token, "office_report_villages.xlsx")["summary"]["added"] == 7
    assert_answers_as_sql(client)
    assert len(kept(app).ids) == count + 7
    _import(client, token, "office_report_villages_next_month.xlsx")
    assert_answers_as_sql(client)
    assert get_point_index(app).reloads == 1


def test_two_apps_on_one_database_catch_each_others_edits(app, client, login, db_url, tmp_path):
    second = create_app({"database_url": db_url, "instance_path": tmp_path / "second",
                         "default_as_of": "2025-11-30", "auto_seed": False})  # fmt: skip
    other = second.test_client()
    assert_answers_as_sql(client)
    assert_answers_as_sql(other)
    token = login("telecom_editor")
    village = _first_listed(app)
    _send(client, "PATCH", f"/api/layers/signal/features/{village.id}", token, {
        "version": village.version, "reason": "Đo lại tọa độ",
        "geometry": {"type": "Point", "coordinates": [village.x + 0.3, village.y - 0.2]},
    })  # fmt: skip
    assert_answers_as_sql(other)  # the first app's edit, seen by the second
    with get_database(second).transaction() as session:
        user = create_user(session, "second-admin", "correct horse battery staple", "admin")
        feature = session.get(Feature, village.id)
        records.update_feature(session, village.id, feature.version,
                               {"geometry": shapely.Point(106.5, 22.0)}, user, "Đo lại",
                               today=TODAY)  # fmt: skip
    assert_answers_as_sql(client)  # the second app's edit, seen by the first
    assert get_point_index(app).reloads == get_point_index(second).reloads == 1
    index = kept(app)
    assert index.x[np.searchsorted(index.ids, village.id)] == 106.5
    second.extensions["portal_db"].engine.dispose()


def test_a_date_before_the_latest_change_is_read_on_that_date(app, client, login):
    token = login("telecom_editor")
    yesterday = TODAY - dt.timedelta(days=1)
    before = clusters(client, as_of=yesterday)
    village = _first_listed(app)
    _to_done(client, token, village.id, village.version)
    with get_database(app).sessions() as session:
        assert get_point_index(app).current(session, "signal", yesterday) is None
    assert clusters(client, as_of=yesterday) == before
    assert_answers_as_sql(client, as_of=yesterday)
    assert_answers_as_sql(client)
    assert clusters(client) != before


def test_a_bulk_write_of_a_whole_layer_reloads_it_and_stays_right(app, client, login):
    token = login("telecom_editor")
    _import(client, token, "office_report_villages.xlsx")  # records that are not demo ones
    assert_answers_as_sql(client)
    with get_database(app).transaction() as session:
        loader.delete_illustrative(session)  # a change-log entry for every layer
        loader.bump_data_version(session)
    assert_answers_as_sql(client)
    assert len(kept(app).ids) == 7
    assert get_point_index(app).reloads == 2


def test_lines_and_polygons_keep_their_boxes(app, client):
    for layer_id in ("transport", "industry", "geopark", "border"):
        assert_answers_as_sql(client, layer_id)
        index = kept(app, layer_id)
        assert len(index.ids) and np.array_equal(index.box, sql_index(app, layer_id, TODAY).box)
    lines = kept(app, "transport").box
    assert bool(np.any(lines[:, 0] < lines[:, 2]))  # boxes wider than a point were read


def test_a_layer_whose_records_are_all_deleted_has_an_empty_index(app, client, login):
    token = login("admin")
    with get_database(app).sessions() as session:
        roads = session.execute(
            select(Feature.id, Feature.version).join(FeatureState,
                                                     FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "transport", FeatureState.valid_to.is_(None))
        ).all()  # fmt: skip
    for road in roads:
        _send(client, "DELETE", f"/api/layers/transport/features/{road.id}", token,
              {"version": road.version, "reason": "Tuyến đường đã hủy"})
    with get_database(app).sessions() as session:
        for index in (points.point_index(session, "transport", TODAY),
                      points.PointIndexes().current(session, "transport", TODAY)):
            assert index is not None and len(index.ids) == 0 and index.box.shape == (0, 4)


def test_an_empty_layer_has_an_empty_index(empty_db_url):
    from portal.services import bootstrap
    from portal.store.db import open_database

    db = open_database(empty_db_url)
    bootstrap.init_schema(db)
    with db.sessions() as session:
        index = points.PointIndexes().current(session, "signal", TODAY)
        assert index is not None and len(index.ids) == 0 and index.box.shape == (0, 4)
        assert points.grid_clusters(index, WHOLE_WORLD, ZOOM) == []
        assert len(points.point_index(session, "signal", TODAY).ids) == 0
    db.engine.dispose()


def test_at_a_data_version_it_caught_up_at_the_index_asks_the_log_nothing(app, client):
    from sqlalchemy import event

    assert_answers_as_sql(client)
    engine = get_database(app).engine
    asked: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        asked.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        west = 106.70
        for step in range(3):  # close-up views never asked before: answered from the index
            bbox = f"{west + step * 0.01:.2f},21.80,{west + step * 0.01 + 0.05:.2f},21.85"
            answer = client.get(f"/api/layers/signal/features?zoom=15&bbox={bbox}&as_of={TODAY}")
            assert answer.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert asked and not [s for s in asked if "change_log" in s]


def test_a_commit_that_writes_the_log_moves_the_data_version_on_once(app):
    with get_database(app).sessions() as session:
        before = loader.data_version(session)
    with get_database(app).transaction() as session:  # an edit that forgets to bump
        feature = session.scalars(select(Feature).where(Feature.layer_id == "signal")
                                  .order_by(Feature.id).limit(1)).one()
        feature.x, feature.y = feature.x + 0.001, feature.y
    with get_database(app).sessions() as session:
        assert loader.data_version(session) == before + 1
    with get_database(app).transaction() as session:  # one that bumps: still one step
        feature = session.scalars(select(Feature).where(Feature.layer_id == "signal")
                                  .order_by(Feature.id).limit(1)).one()
        feature.x = feature.x - 0.001
        loader.bump_data_version(session)
    with get_database(app).sessions() as session:
        assert loader.data_version(session) == before + 2
