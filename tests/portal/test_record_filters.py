"""The status and incomplete filters of the features API and of the exports (issue 9)."""

import csv
import io
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = "2025-12-31"


def _import_minimal_sheet(client, login):
    """Import the office's minimal project sheet (CN-02 is paused, CN-01..03 incomplete)."""
    name = "office_minimal_projects.xlsx"
    with (DATA / name).open("rb") as handle:
        response = client.post("/api/imports", data={"file": (handle, name), "dry_run": "0"},
                               headers={"X-CSRFToken": login("planner")})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    client.post("/logout")


def _features(client, layer, query=""):
    response = client.get(f"/api/layers/{layer}/features?as_of={AS_OF}&limit=5000{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _statuses(body):
    return {f["properties"]["record_id"]: f["properties"]["status"] for f in body["features"]}


def test_status_paused_returns_only_the_paused_records(app, client, login):
    _import_minimal_sheet(client, login)
    everything = _statuses(_features(client, "industry"))
    paused = [k for k, s in everything.items() if s == "paused"]
    assert "CN-02" in paused and len(everything) > len(paused)
    body = _features(client, "industry", "&status=paused&cluster=auto")
    assert "clustered" not in body
    assert sorted(_statuses(body)) == sorted(paused)
    assert body["numberMatched"] == len(paused)


def test_statuses_add_up_and_combine_with_incomplete(app, client, login):
    _import_minimal_sheet(client, login)
    everything = _statuses(_features(client, "industry"))
    halted = sorted(k for k, s in everything.items() if s in ("paused", "cancelled"))
    body = _features(client, "industry", "&status=paused,cancelled")
    assert sorted(_statuses(body)) == halted
    both = _features(client, "industry", "&status=paused&incomplete=1")
    assert _statuses(both) == {"CN-02": "paused"}


def test_an_unknown_status_is_refused_in_vietnamese_and_english(client):
    for lang, words in (("vi", "không có trong lớp"), ("en", "is not a status")):
        response = client.get(f"/api/layers/industry/features?status=paused,xong&lang={lang}")
        assert response.status_code == 422
        body = response.get_json()
        assert words in body["error"] and "xong" in body["error"]
        assert body["errors"][0]["field"] == "status"
        assert "cancelled" in body["error"]  # the layer's own statuses are named


def test_the_export_keeps_only_the_filtered_records(app, client, login):
    _import_minimal_sheet(client, login)
    response = client.get(
        f"/api/layers/industry/export?format=csv&as_of={AS_OF}&status=paused&incomplete=1"
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(row["record_id"], row["status"]) for row in rows] == [("CN-02", "paused")]
    incomplete = client.get(f"/api/layers/industry/export?format=geojson&as_of={AS_OF}"
                            "&incomplete=1").get_json()  # fmt: skip
    ids = sorted(f["properties"]["record_id"] for f in incomplete["features"])
    assert ids == ["CN-01", "CN-02", "CN-03"]


def test_an_export_with_an_unknown_status_is_refused(client):
    response = client.get("/api/layers/geopark/export?format=csv&status=done,paused;drop&lang=en")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "status"
