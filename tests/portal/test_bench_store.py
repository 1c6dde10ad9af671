"""The benchmark store builder: a small store the portal serves with exact counts per layer."""

from __future__ import annotations

from sqlalchemy import text

from portal import create_app
from portal.web.database import get_database
from tests.scripts_loading import load_script


def _builder():
    return load_script("build_bench_store")


def test_a_bench_store_of_2000_points_is_served_with_exact_counts(empty_db_url, boundaries,
                                                                   tmp_path):
    timings = _builder().build(empty_db_url, 2000, 40, 30, boundaries=boundaries)
    assert timings["records_s"] < 60
    app = create_app({"database_url": empty_db_url, "instance_path": tmp_path,
                      "default_as_of": "2025-12-31", "auto_seed": False})
    client = app.test_client()
    for layer, n in (("signal", 2000), ("transport", 40), ("industry", 30)):
        province = client.get(f"/api/progress?layer={layer}&level=province&as_of=2025-12-31")
        assert province.status_code == 200
        assert [r["count"] for r in province.get_json()] == [n]
        for level in ("district", "commune"):
            rows = client.get(f"/api/progress?layer={layer}&level={level}&as_of=2025-12-31")
            assert sum(r["count"] for r in rows.get_json()) == n
    with get_database(app).engine.connect() as connection:
        unplaced = connection.scalar(text(
            "SELECT count(*) FROM features WHERE commune_code IS NULL OR district_code IS NULL"))
        open_states = connection.scalar(text(
            "SELECT count(*) FROM feature_states WHERE valid_to IS NULL"))  # fmt: skip
    assert (unplaced, open_states) == (0, 2070)
    page = client.get("/api/layers/signal/features?limit=5&as_of=2025-12-31").get_json()
    assert page["numberMatched"] == 2000
    assert page["features"][0]["geometry"]["type"] == "Point"
    roads = client.get("/api/layers/transport/features?limit=1&as_of=2025-12-31").get_json()
    assert roads["features"][0]["geometry"]["type"] == "LineString"
    assert client.get("/?show=signal").status_code == 200
    app.extensions["portal_db"].engine.dispose()
