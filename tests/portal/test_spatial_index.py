"""The spatial index behind map views: exactly the records whose box overlaps the view.

On SQLite the R*Tree ``features_rtree`` must follow every insert, move and delete of a record;
on PostgreSQL the GiST index ``ix_features_box`` must exist and serve the view query. Either way
the API answers the same records a plain comparison of the stored boxes finds, lines and
polygons crossing the view included, and a record moved by an editor leaves the views it left.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, text

from portal.store.models import Feature
from portal.web.database import get_database

LIVE_AS_OF = "2100-01-01"


def stored_boxes(app, layer_id: str) -> dict[int, tuple[float, float, float, float]]:
    """Every live record of a layer with its stored box, read without any index."""
    with get_database(app).sessions() as session:
        rows = session.execute(
            select(Feature.id, Feature.minx, Feature.miny, Feature.maxx, Feature.maxy)
            .where(Feature.layer_id == layer_id, Feature.deleted_at.is_(None))
        ).all()
    return {r.id: (r.minx, r.miny, r.maxx, r.maxy) for r in rows}


def naive_ids(boxes, view) -> list[int]:
    minx, miny, maxx, maxy = view
    return sorted(i for i, (a, b, c, d) in boxes.items()
                  if c >= minx and a <= maxx and d >= miny and b <= maxy)


def view_ids(client, layer_id: str, view, **params) -> tuple[list[int], dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    bbox = ",".join(f"{v:.6f}" for v in view)
    response = client.get(f"/api/layers/{layer_id}/features?bbox={bbox}&as_of={LIVE_AS_OF}"
                          f"&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    return [f["id"] for f in body["features"]], body


def random_views(boxes, count: int, seed: int) -> list[tuple[float, float, float, float]]:
    """Views around stored records, from a street to a district wide, some cutting lines."""
    rng = random.Random(seed)
    views = []
    for box in rng.sample(sorted(boxes.values()), min(count, len(boxes))):
        cx, cy = (box[0] + box[2]) / 2 + rng.uniform(-0.02, 0.02), box[1]
        half = rng.choice((0.002, 0.01, 0.05, 0.2))
        views.append((cx - half, cy - half * 0.6, cx + half, cy + half * 0.6))
    return views


@pytest.mark.parametrize("zoom", [9, 14])
def test_views_answer_exactly_the_records_whose_box_overlaps(client, zoom):
    """Zoom 9 answers from the layer's point index, zoom 14 (asked first) from the database."""
    app = client.application
    for layer_id in ("signal", "transport", "industry", "geopark"):
        boxes = stored_boxes(app, layer_id)
        assert boxes, layer_id
        for view in random_views(boxes, 12, seed=len(layer_id)):
            ids, body = view_ids(client, layer_id, view, limit=10000, zoom=zoom)
            assert ids == naive_ids(boxes, view), (layer_id, view)
            assert body["numberMatched"] == len(ids)


def test_a_transport_line_crossing_the_view_without_a_vertex_in_it_is_answered(client):
    boxes = stored_boxes(client.application, "transport")
    fid, (minx, miny, maxx, maxy) = max(boxes.items(), key=lambda kv: kv[1][2] - kv[1][0])
    # A thin strip across the middle of the line's box: no end of the line falls inside it.
    middle = (minx + maxx) / 2
    view = (middle - 1e-4, miny, middle + 1e-4, maxy)
    ids, _ = view_ids(client, "transport", view)
    assert fid in ids


def test_a_page_of_a_view_counts_the_whole_view_and_keeps_the_id_order(client):
    boxes = stored_boxes(client.application, "signal")
    view = (106.0, 21.3, 107.5, 22.5)
    expected = naive_ids(boxes, view)
    assert len(expected) > 12
    ids, body = view_ids(client, "signal", view, limit=5, offset=3)
    assert ids == expected[3:8]
    assert body["numberMatched"] == len(expected) and body["numberReturned"] == 5


def _send(client, method, url, token, json):
    return client.open(url, method=method, json=json, headers={"X-CSRFToken": token})


def _rtree_rows(app) -> dict[int, tuple[float, float, float, float]]:
    with get_database(app).sessions() as session:
        rows = session.execute(text("SELECT id, minx, miny, maxx, maxy FROM features_rtree"))
        return {r.id: (r.minx, r.miny, r.maxx, r.maxy) for r in rows}


def _index_follows_the_records(app) -> None:
    """SQLite: one R*Tree row per record, its box holding the stored one (32-bit, outwards).

    PostgreSQL: the GiST index exists and the planner uses it for a view.
    """
    database = get_database(app)
    if database.engine.dialect.name == "sqlite":
        with database.sessions() as session:
            stored = {r.id: (r.minx, r.miny, r.maxx, r.maxy) for r in session.execute(
                select(Feature.id, Feature.minx, Feature.miny, Feature.maxx, Feature.maxy))}
        indexed = _rtree_rows(app)
        assert indexed.keys() == stored.keys()
        for fid, (a, b, c, d) in stored.items():
            ia, ib, ic, id_ = indexed[fid]
            assert ia <= a and ib <= b and ic >= c and id_ >= d, fid
            assert max(a - ia, b - ib, ic - c, id_ - d) < 1e-4, fid
        return
    with database.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(connection.scalars(text(
            "EXPLAIN SELECT id FROM features WHERE box(point(minx, miny), point(maxx, maxy)) "
            "&& box(point(106.7, 21.8), point(106.8, 21.9))")))
    assert "ix_features_box" in plan, plan


def test_a_moved_record_leaves_the_old_view_and_the_index_follows(client, login):
    app = client.application
    token = login("telecom_editor", ("06400",))
    with get_database(app).sessions() as session:
        lon, lat = session.execute(text(
            "SELECT label_lon, label_lat FROM areas WHERE level = 'commune' AND code = '06400'"
        )).one()
    here = (lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)
    created = _send(client, "POST", "/api/layers/signal/features", token, {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"village": "Bản Kiểm Tra Chỉ Mục"}, "reason": "Khảo sát",
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    fid = created.get_json()["id"]
    assert fid in view_ids(client, "signal", here)[0]  # answered, and its bytes kept
    _index_follows_the_records(app)

    moved = _send(client, "PATCH", f"/api/layers/signal/features/{fid}", token, {
        "version": 1, "geometry": {"type": "Point", "coordinates": [lon + 0.01, lat]},
        "reason": "Sai vị trí",
    })  # fmt: skip
    assert moved.status_code == 200, moved.get_json()
    assert fid not in view_ids(client, "signal", here)[0]
    there = (lon + 0.009, lat - 0.001, lon + 0.011, lat + 0.001)
    ids, body = view_ids(client, "signal", there)
    assert fid in ids
    record = next(f for f in body["features"] if f["id"] == fid)
    assert record["geometry"]["coordinates"] == [round(lon + 0.01, 6), round(lat, 6)]
    _index_follows_the_records(app)

    deleted = _send(client, "DELETE", f"/api/layers/signal/features/{fid}", token,
                    {"version": 2, "reason": "Trùng bản ghi"})
    assert deleted.status_code == 200
    assert fid not in view_ids(client, "signal", there)[0]
    _index_follows_the_records(app)
