"""Importing files as offices hold them, through the API and the command line (issue 9)."""

from pathlib import Path

from sqlalchemy import func, select

from portal.store.models import Feature, FeatureState
from portal.web.database import get_database

DATA = Path(__file__).resolve().parents[1] / "data"
VILLAGE_IDS = [
    "06046-ban-khuoi-puc", "06325-ban-na-lan", "06325-thon-lung-vai", "06529-ban-po-ma",
    "06613-thon-khon-quac", "06463-ban-na-phai", "06541-ban-khau-rang",
]  # fmt: skip


def _post(client, token, url, name):
    with (DATA / name).open("rb") as handle:
        return client.post(url, data={"file": (handle, name), "dry_run": "0"},
                           headers={"X-CSRFToken": token})  # fmt: skip


def _stored(app, layer_id):
    with get_database(app).sessions() as session:
        features = session.scalars(
            select(Feature).where(Feature.layer_id == layer_id).order_by(Feature.id)
        ).all()
        return {f.record_id: dict(f.attributes or {}) for f in features}


def _states(app, record_id):
    with get_database(app).sessions() as session:
        feature = session.scalars(select(Feature).where(Feature.record_id == record_id)).one()
        return [
            (s.valid_from.isoformat(), s.status)
            for s in session.scalars(
                select(FeatureState).where(FeatureState.feature_id == feature.id)
                .order_by(FeatureState.valid_from)
            )
        ]  # fmt: skip


def _feature_count(app):
    with get_database(app).sessions() as session:
        return session.scalar(select(func.count(Feature.id)))


def test_a_planner_imports_the_minimal_five_layer_sheet_through_the_api(app, client, login):
    token = login("planner")
    before = _feature_count(app)
    response = _post(client, token, "/api/imports", "office_minimal_projects.xlsx")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["summary"]["added"] == 13
    assert body["summary"]["by_layer"] == {
        "industry": 3, "border": 2, "geopark": 3, "signal": 3, "housing": 2,
    }  # fmt: skip
    assert _feature_count(app) == before + 13
    industry = _stored(app, "industry")
    assert industry["CN-01"]["incomplete"] == ["kind", "plan_goal"]
    assert _states(app, "CN-02") == [("2025-10-31", "paused")]
    assert _states(app, "DL-03") == [("2025-10-31", "cancelled")]


def test_a_telecom_editor_imports_the_formatted_village_report(app, client, login):
    token = login("telecom_editor")
    before = _feature_count(app)
    response = _post(client, token, "/api/layers/signal/imports", "office_report_villages.xlsx")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["summary"]["added"] == 7
    assert body["rows_read"] == 7
    assert _feature_count(app) == before + 7
    assert (
        "Bỏ qua dòng Cộng, Tổng cộng (không tính là bản ghi): dòng 14, 20–21 / Skipped subtotal "
        "row(s) (Cộng, Tổng cộng; not records): row(s) 14, 20–21"
    ) in body["notes"]
    assert any("Skipped group row(s) (Roman numerals): row(s) 10, 15" in n for n in body["notes"])
    stored = _stored(app, "signal")
    assert all(record_id in stored for record_id in VILLAGE_IDS)
    assert not any("cong" in record_id for record_id in stored)
    assert stored["06325-thon-lung-vai"]["position_approximate"] is True
    assert "position_approximate" not in stored["06325-ban-na-lan"]


def test_next_months_report_updates_the_villages_instead_of_duplicating_them(app, runner):
    first = runner.invoke(
        args=["import", "signal", str(DATA / "office_report_villages.xlsx"), "--lang", "en"]
    )
    assert first.exit_code == 0, first.output
    assert "7 added" in first.output
    count = _feature_count(app)
    second = runner.invoke(args=[
        "import", "signal", str(DATA / "office_report_villages_next_month.xlsx"), "--lang", "en",
    ])  # fmt: skip
    assert second.exit_code == 0, second.output
    # Two villages moved on (rows 11 and 17); the other five say the same as last month.
    assert "0 added, 2 changed, 5 unchanged" in second.output
    assert _feature_count(app) == count
    assert _states(app, "06046-ban-khuoi-puc") == [
        ("2025-11-30", "site_agreed"), ("2025-12-31", "on_air"),
    ]  # fmt: skip


def test_the_csv_report_imports_the_same_villages_from_the_command_line(app, runner):
    result = runner.invoke(
        args=["import", "signal", str(DATA / "office_report_villages.csv"), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "7 added" in result.output
    assert all(record_id in _stored(app, "signal") for record_id in VILLAGE_IDS)


def test_a_village_listed_twice_is_refused_naming_both_rows_and_nothing_is_written(
    app, client, login
):
    token = login("telecom_editor")
    before = _feature_count(app)
    response = _post(
        client, token, "/api/layers/signal/imports?lang=en", "office_villages_same_name_twice.csv"
    )
    body = response.get_json()
    assert response.status_code == 422, body
    [problem] = body["errors"]
    assert (problem["row"], problem["field"]) == (11, "Tên thôn bản")
    assert problem["message"].startswith("Same layer, commune and name as row 9 ('Bản  Nà  Lạn')")
    assert _feature_count(app) == before
