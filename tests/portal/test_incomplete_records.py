"""Records imported without some fields or placed by their commune, as the public sees them."""

import csv
import io
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = "2025-12-31"


def _import(client, token, url, name):
    with (DATA / name).open("rb") as handle:
        response = client.post(url, data={"file": (handle, name), "dry_run": "0"},
                               headers={"X-CSRFToken": token})  # fmt: skip
    assert response.status_code == 200, response.get_json()


def _features(client, layer, query=""):
    response = client.get(f"/api/layers/{layer}/features?as_of={AS_OF}&limit=5000{query}")
    assert response.status_code == 200
    return response.get_json()


def _by_record(body):
    return {f["properties"]["record_id"]: f["properties"] for f in body["features"]}


def test_the_features_api_names_the_fields_an_imported_record_lacks(app, client, login):
    _import(client, login("planner"), "/api/imports", "office_minimal_projects.xlsx")
    client.post("/logout")
    records = _by_record(_features(client, "industry"))
    assert records["CN-01"]["incomplete"] == ["kind", "plan_goal"]
    assert records["CN-01"]["position_approximate"] is False
    assert records["CN-02"]["status"] == "paused"
    complete = [r for r in records.values() if r["incomplete"] == []]
    assert complete  # the demo records are complete and say so with an empty list


def test_incomplete_1_returns_only_the_incomplete_records(app, client, login):
    before = _features(client, "industry", "&incomplete=1")
    assert before["numberMatched"] == 0 and before["features"] == []
    _import(client, login("planner"), "/api/imports", "office_minimal_projects.xlsx")
    body = _features(client, "industry", "&incomplete=1")
    assert body["numberMatched"] == 3
    assert sorted(_by_record(body)) == ["CN-01", "CN-02", "CN-03"]
    everything = _features(client, "industry")
    assert everything["numberMatched"] > 3


def test_the_csv_export_lists_the_missing_fields_by_label(app, client, login):
    _import(client, login("planner"), "/api/imports", "office_minimal_projects.xlsx")
    response = client.get(f"/api/layers/industry/export?format=csv&as_of={AS_OF}&lang=vi")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_id = {row["record_id"]: row for row in rows}
    assert by_id["CN-01"]["incomplete"] == "Loại dự án, Mục tiêu kế hoạch 2025"
    assert by_id["CN-01"]["position_approximate"] == "FALSE"
    assert [k for k, row in by_id.items() if row["incomplete"]] == ["CN-01", "CN-02", "CN-03"]


def test_a_village_given_by_its_commune_only_is_an_approximate_position(app, client, login):
    _import(client, login("telecom_editor"), "/api/layers/signal/imports",
            "office_report_villages.xlsx")  # fmt: skip
    records = _by_record(_features(client, "signal"))
    approximate = sorted(k for k, r in records.items() if r["position_approximate"])
    assert approximate == ["06325-thon-lung-vai", "06463-ban-na-phai"]  # rows 13 and 18
    assert records["06046-ban-khuoi-puc"]["position_approximate"] is False


def test_the_area_page_marks_an_incomplete_record(app, client, login):
    _import(client, login("planner"), "/api/imports", "office_minimal_projects.xlsx")
    commune = _by_record(_features(client, "industry"))["CN-01"]["commune_code"]
    page = client.get(f"/area/commune/{commune}?as_of={AS_OF}&lang=vi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-incomplete="kind,plan_goal"' in html
    assert "Thiếu: Loại dự án, Mục tiêu kế hoạch 2025" in html


def test_the_map_client_knows_the_paused_and_cancelled_statuses_and_field_labels(client):
    layer = client.get("/api/layers/industry?lang=en").get_json()
    statuses = {s["id"]: s for s in layer["statuses"]}
    assert statuses["paused"]["label"] == "Paused"
    assert statuses["cancelled"]["label"] == "Cancelled"
    assert layer["fieldLabels"]["plan_goal"] == "2025 plan goal"
