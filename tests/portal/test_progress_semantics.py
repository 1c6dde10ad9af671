"""Percent semantics: a percent above 100 always comes with over_target and the words."""

from __future__ import annotations

import csv
import datetime as dt
import io

from portal.store.progress import over_target


def _rows(client, url: str) -> dict[str, dict]:
    return {r["code"]: r for r in client.get(url).get_json()}


def test_loc_binh_transport_is_over_target_with_its_exact_percent(client):
    rows = _rows(client, "/api/progress?layer=transport&level=district&as_of=2025-11-30")
    loc_binh = rows["188"]
    assert loc_binh["name"] == "Huyện Lộc Bình"
    assert (loc_binh["count"], loc_binh["target"], loc_binh["done"]) == (2, 1.0, 1.69)
    assert loc_binh["target_source"] == "plan"
    assert loc_binh["percent"] == 169.0
    assert loc_binh["over_target"] is True
    assert loc_binh["lagging"] is False


def test_rows_at_or_under_target_are_false_and_rows_without_a_target_null(client):
    rows = _rows(client, "/api/progress?layer=transport&level=district&as_of=2025-11-30")
    assert (rows["180"]["percent"], rows["180"]["over_target"]) == (79.0, False)  # Tràng Định
    assert (rows["183"]["percent"], rows["183"]["over_target"]) == (46.5, False)  # Cao Lộc
    no_target = rows["185"]  # Bắc Sơn: no plan target, no records
    assert no_target["target_source"] == "records"
    assert (no_target["percent"], no_target["over_target"]) == (None, None)
    for row in rows.values():
        assert row["over_target"] is (True if (row["percent"] or 0) > 100 else row["over_target"])
        if row["target_source"] == "plan" and row["percent"] is not None:
            assert row["over_target"] is (row["percent"] > 100)


def test_exactly_at_target_is_not_over_and_a_count_as_target_is_null():
    assert over_target(100.0, "plan") is False
    assert over_target(100.1, "plan") is True
    assert over_target(100.0, "records") is None
    assert over_target(None, "plan") is None


def test_the_progress_table_export_carries_the_over_target_column(client):
    response = client.get(
        "/api/progress/export?layer=transport&level=district&format=csv&lang=en")
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_code = {r["Area code"]: r for r in table}
    assert (by_code["188"]["Percent"], by_code["188"]["Over target"]) == ("169", "TRUE")
    assert by_code["180"]["Over target"] == "FALSE"
    assert "185" not in by_code  # no target: left out, as on the planning page


def test_the_planning_page_says_over_target_beside_the_percent(client):
    html = client.get("/planning?layer=transport&level=district").get_data(as_text=True)
    row = html[html.index('data-code="188"'):]
    row = row[: row.index("</tr>")]
    assert "169\u00a0%" in row
    assert "vượt chỉ tiêu" in row
    assert 'style="width: 100%"' in row  # the bar is full, the number is true
    other = html[html.index('data-code="180"'):]
    assert "vượt chỉ tiêu" not in other[: other.index("</tr>")]
    en = client.get("/planning?layer=transport&level=district&lang=en").get_data(as_text=True)
    row = en[en.index('data-code="188"'):]
    assert "over target" in row[: row.index("</tr>")]


def test_the_area_page_says_over_target(client):
    html = client.get("/area/district/188?layer=transport").get_data(as_text=True)
    row = html[html.index('data-layer="transport"'):]
    row = row[: row.index("</tr>")]
    assert "169\u00a0%" in row and "vượt chỉ tiêu" in row


def test_the_map_client_has_the_words(client):
    vi = client.get("/").get_data(as_text=True)
    assert '"over_target": "vượt chỉ tiêu"' in vi
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '"over_target": "over target"' in en


def _record_in(app, layer_id, level, code):
    """A record of the area not in a done status: its id, version and progress, or None."""
    from sqlalchemy import select

    from layers import get_layer
    from portal.store.models import Feature, FeatureState
    from portal.web.database import get_database

    done = [s.id for s in get_layer(layer_id).statuses if s.done]
    column = Feature.district_code if level == "district" else Feature.commune_code
    with get_database(app).sessions() as session:
        return session.execute(
            select(Feature.id, Feature.version, FeatureState.progress)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == layer_id, column == code,
                   FeatureState.valid_to.is_(None), FeatureState.status.not_in(done))
            .order_by(Feature.id)
        ).first()


def _set_status(client, token, layer_id, fid, version, status):
    return client.post(
        f"/api/layers/{layer_id}/features/{fid}/status",
        json={"version": version, "status": status, "reason": "Theo báo cáo của huyện"},
        headers={"X-CSRFToken": token},
    )


def test_a_cancelled_project_leaves_the_target_and_its_progress_leaves_done(client, login):
    today = dt.date.today().isoformat()
    url = f"/api/progress?layer=transport&level=district&as_of={today}"
    before = _rows(client, url)["180"]
    fid, version, progress = _record_in(client.application, "transport", "district", "180")
    token = login("planner")
    assert _set_status(client, token, "transport", fid, version, "cancelled").status_code == 200
    after = _rows(client, url)["180"]
    assert after["count"] == before["count"]
    assert after["target"] == before["target"] - 1
    assert after["done"] == round(before["done"] - progress / 100, 2)
    assert after["status_counts"]["cancelled"] == 1


def test_a_paused_record_makes_its_area_lagging(client):
    # On 1 January nothing is due yet (expected 0 %), so no area lags by its percent: the only
    # lagging areas are those holding a paused record.
    import shapely

    from portal.store import loader
    from portal.store.models import Area
    from portal.web.database import get_database

    app = client.application
    url = "/api/progress?layer=industry&level=commune&as_of=2025-01-01"
    before = _rows(client, url)
    code = next(c for c, r in before.items() if not r["status_counts"].get("paused"))
    assert before[code]["lagging"] is False
    with get_database(app).transaction() as session:
        area = session.query(Area).filter_by(level="commune", code=code).one()
        loader.write_records(session, [loader.RecordRow(
            layer_id="industry", record_id="TEST-TAM-DUNG", name="Cụm công nghiệp tạm dừng",
            attributes={}, geometry=shapely.Point(area.label_lon, area.label_lat),
            history=[loader.StateRow(date=dt.date(2025, 1, 1), status="paused")],
        )])  # fmt: skip
        loader.bump_data_version(session)
    after = _rows(client, url)
    assert after[code]["status_counts"]["paused"] == 1
    assert after[code]["lagging"] is True
    assert [c for c, r in after.items() if r["lagging"]] == sorted(
        c for c, r in after.items() if r["status_counts"].get("paused")
    )
