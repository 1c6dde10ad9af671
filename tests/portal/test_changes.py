import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from layers import CATALOGUE, get_layer
from portal.store.models import Feature, FeatureState
from portal.web.database import get_database

SINCE, UNTIL = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
WINDOW = f"since={SINCE}&until={UNTIL}"
PUBLIC_LAYERS = [layer.id for layer in CATALOGUE if layer.records_public]


def histories(app, layer_id):
    """Every record's states, read plainly from the table: record_id -> [(from, to, status, %)]."""
    with get_database(app).sessions() as session:
        rows = session.execute(
            select(Feature.record_id, FeatureState.valid_from, FeatureState.valid_to,
                   FeatureState.status, FeatureState.progress)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == layer_id)
        ).all()
    result = {}
    for record_id, start, end, status, progress in rows:
        result.setdefault(record_id, []).append((start, end, status, progress))
    return result


def state_on(history, day):
    for start, end, status, progress in history:
        if start <= day and (end is None or day < end):
            return status, progress
    return None


def expected_class(layer, before, after):
    """The rule, restated: workflow order (paused lowest), then progress; done if unchanged."""
    if before is None:
        return "new" if after else None
    if after is None:
        return "removed"
    order = [s.id for s in layer.statuses if s.id != layer.generic_statuses.get("paused")]
    rank = {s: i for i, s in enumerate(order)}
    rank[layer.generic_statuses.get("paused")] = -1
    if rank[after[0]] != rank[before[0]]:
        return "advanced" if rank[after[0]] > rank[before[0]] else "regressed"
    if before[1] is not None and after[1] is not None and after[1] != before[1]:
        return "advanced" if after[1] > before[1] else "regressed"
    done = {s.id for s in layer.statuses if s.done}
    return "unchanged" if after[0] in done else "stalled"


@pytest.mark.parametrize("layer_id", PUBLIC_LAYERS)
def test_records_are_classed_as_their_state_histories_say(app, client, layer_id):
    body = client.get(f"/api/changes?{WINDOW}&layer={layer_id}").get_json()
    layer = get_layer(layer_id)
    expected = {}
    stored = histories(app, layer_id)
    for record_id, history in stored.items():
        change = expected_class(layer, state_on(history, SINCE), state_on(history, UNTIL))
        if change:
            expected[record_id] = change
    listed = {r["record_id"]: r["class"] for r in body["records"]}
    assert listed == {k: v for k, v in expected.items() if v != "unchanged"}
    assert body["counts"] == {**dict.fromkeys(body["counts"], 0), **Counter(expected.values())}
    for record in body["records"]:
        history = stored[record["record_id"]]
        before, after = state_on(history, SINCE), state_on(history, UNTIL)
        assert (record["status_before"], record["progress_before"]) == (before or (None, None))
        assert (record["status_after"], record["progress_after"]) == (after or (None, None))


def test_the_demo_window_holds_advanced_new_and_stalled_records(client):
    body = client.get(f"/api/changes?{WINDOW}").get_json()
    counts = body["counts"]
    assert counts["advanced"] > 100 and counts["new"] > 0 and counts["stalled"] > 0
    assert {layer["id"] for layer in body["layers"]} == {layer.id for layer in CATALOGUE}


def test_a_regression_and_a_deletion_show_up(app, client):
    with get_database(app).transaction() as session:
        states = session.scalars(
            select(FeatureState)
            .join(Feature, Feature.id == FeatureState.feature_id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "on_air")
            .order_by(Feature.id)
            .limit(2)
        ).all()
        went_back, deleted = states
        went_back.valid_to = dt.date(2025, 12, 1)
        session.add(FeatureState(
            feature_id=went_back.feature_id, layer_id="signal",
            valid_from=dt.date(2025, 12, 1), status="station_built",
        ))
        gone = session.get(Feature, deleted.feature_id)
        gone.deleted_at = dt.datetime(2025, 12, 2, 9)
        ids = {session.get(Feature, went_back.feature_id).record_id: "regressed",
               gone.record_id: "removed"}
    body = client.get("/api/changes?since=2025-11-30&until=2025-12-31&layer=signal").get_json()
    classes = {r["record_id"]: r["class"] for r in body["records"]}
    assert {k: classes.get(k) for k in ids} == ids
    assert body["counts"]["regressed"] == 1 and body["counts"]["removed"] == 1


def test_area_percents_match_the_progress_api_and_delta_is_their_difference(client):
    body = client.get(f"/api/changes?{WINDOW}&layer=signal&level=district").get_json()
    before = client.get(f"/api/progress?layer=signal&level=district&as_of={SINCE}").get_json()
    after = client.get(f"/api/progress?layer=signal&level=district&as_of={UNTIL}").get_json()
    before = {r["code"]: r["percent"] for r in before}
    after = {r["code"]: r["percent"] for r in after}
    assert len(body["areas"]) == 11
    for area in body["areas"]:
        assert area["percent_before"] == before.get(area["code"])
        assert area["percent_after"] == after.get(area["code"])
        if area["percent_before"] is not None and area["percent_after"] is not None:
            assert area["delta"] == pytest.approx(area["percent_after"] - area["percent_before"],
                                                  abs=0.051)
    listed = Counter(r["district_code"] for r in body["records"] if r["class"] != "unchanged")
    for area in body["areas"]:
        in_area = sum(n for c, n in area["counts"].items() if c != "unchanged")
        assert in_area == listed.get(area["code"], 0)


def housing_secrets(app):
    with get_database(app).sessions() as session:
        rows = session.execute(
            select(Feature.record_id, Feature.attributes).where(Feature.layer_id == "housing")
        ).all()
    names = {a.get("beneficiary") for _, a in rows} - {None, ""}
    phones = {a.get("phone") for _, a in rows} - {None, ""}
    return names, phones, {record_id for record_id, _ in rows}


def test_the_public_changes_never_contain_housing_beneficiaries(app, client):
    names, phones, record_ids = housing_secrets(app)
    assert len(names) > 1000
    urls = [
        f"/api/changes?{WINDOW}",
        f"/api/changes?{WINDOW}&layer=housing",
        "/api/changes?since=2025-01-01&until=2025-12-31&layer=housing&level=district",
        f"/changes?{WINDOW}&layer=housing",
        f"/changes?{WINDOW}&layer=housing&lang=en",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        leaked = [n for n in names if n in text] + [p for p in phones if p in text]
        assert leaked == [], url
        assert not any(f'"{r}"' in text or f">{r}<" in text for r in record_ids), url
    body = client.get(f"/api/changes?{WINDOW}&layer=housing").get_json()
    assert body["records"] == []
    assert body["layers"][0]["records_hidden"] > 1000
    assert sum(body["counts"].values()) > 1000
    # Per area: percents with small numbers hidden, as /api/progress shows them; no class counts.
    progress = client.get(f"/api/progress?layer=housing&level=commune&as_of={UNTIL}").get_json()
    shown = {r["code"]: r["percent"] for r in progress}
    for area in body["areas"]:
        assert area["counts_hidden"] is True and area["counts"] == {}
        assert area["percent_after"] == shown[area["code"]]


def test_a_housing_editor_sees_housing_records_of_their_area_only(app, client, login):
    login("housing_editor", areas=("186",))
    body = client.get(f"/api/changes?{WINDOW}&layer=housing&level=district").get_json()
    assert body["records"]
    assert {r["district_code"] for r in body["records"]} == {"186"}
    assert body["layers"][0]["records_hidden"] > 0
    areas = {a["code"]: a for a in body["areas"]}
    assert not areas["186"]["counts_hidden"] and sum(areas["186"]["counts"].values()) > 0
    assert all(a["counts_hidden"] for code, a in areas.items() if code != "186")


def test_the_changes_page_shows_the_map_the_counts_and_the_records(client):
    response = client.get(f"/changes?{WINDOW}&layer=signal&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "PortalMap.init" in page and '"asOf": "2025-09-30"' in page
    assert 'data-class="advanced"' in page and 'data-records="advanced"' in page
    assert "/static/" in page and "https://" not in page


@pytest.mark.parametrize(
    ("query", "field"),
    [("since=2025-10-01&until=2025-09-01", "since"), ("since=yesterday", "since"),
     ("until=2025-13-01", "until"), ("level=hamlet", "level")],
)
def test_bad_parameters_get_the_json_error_shape(client, query, field):
    response = client.get("/api/changes?" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["errors"][0]["field"] == field


def test_an_unknown_layer_is_404(client):
    assert client.get("/api/changes?layer=casinos").status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/changes?layer=signal&until=0001-01-01", "until"),
        ("/changes?layer=signal&until=0001-01-01", "until"),
        ("/api/changes?layer=signal&since=9999-12-31", "since"),
        ("/api/progress?layer=signal&level=commune&as_of=0001-01-01", "as_of"),
        ("/planning?layer=signal&as_of=1989-12-31", "as_of"),
        ("/api/layers/signal/features?as_of=2101-01-01", "as_of"),
    ],
)
def test_dates_outside_1990_to_2100_answer_400_naming_the_parameter(client, path, field):
    response = client.get(f"{path}&lang=en")
    assert response.status_code == 400
    message = f"{field} must be between 1990-01-01 and 2100-12-31."
    if path.startswith("/api/"):
        body = response.get_json()
        assert body["error"] == message
        assert body["errors"] == [{"row": None, "field": field, "message": message}]
    else:
        assert message in response.get_data(as_text=True)
