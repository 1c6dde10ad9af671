"""The housing programme's staff read and edit the households of their own areas, and every
read of a household record is written to the audit log (Decree 13/2023/ND-CP, Law 91/2025/QH15).

Two households are added the way a commune office lists them: one in commune A, one in a
commune B of another (pre-2025) district. The housing editor of commune A works on A only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

import shapely

from portal.store import loader
from portal.store.models import Area, AuditEvent, Feature, FeatureState
from portal.web.database import get_database

CLIENT_IP = "203.0.113.7"
AS_OF = "2025-11-30"
HOUSEHOLDS = {
    "A": {"name": "Nhà ở hộ thôn Khuổi Phầy số 07", "record_id": "NT-A-0007",
          "beneficiary": "Hoàng Văn Thắng", "phone": "0912345678", "village": "Khuổi Phầy"},
    "B": {"name": "Nhà ở hộ thôn Nà Lừa số 15", "record_id": "NT-B-0015",
          "beneficiary": "Lý Thị Mai", "phone": "0987654321", "village": "Nà Lừa"},
}  # fmt: skip


def _household(key: str, area: Area) -> loader.RecordRow:
    facts = HOUSEHOLDS[key]
    attributes = {"beneficiary": facts["beneficiary"], "phone": facts["phone"],
                  "village": facts["village"], "household_size": 5, "commune_name": area.name,
                  "category": "poor", "work": "new_build", "funds_million_vnd": 60.0}
    return loader.RecordRow(
        layer_id="housing", record_id=facts["record_id"], name=facts["name"],
        attributes=attributes, geometry=shapely.Point(area.label_lon, area.label_lat),
        history=[loader.StateRow(date=dt.date(2025, 3, 10), status="approved",
                                 attributes=attributes)],
    )  # fmt: skip


@pytest.fixture
def place(app):
    """Add households A and B; return their ids and codes (communes A, B; districts)."""
    with get_database(app).transaction() as session:
        communes = list(session.scalars(
            select(Area).where(Area.level == "commune").order_by(Area.code)))  # fmt: skip
        first, last = communes[0], communes[-1]
        loader.write_records(session, [_household("A", first), _household("B", last)])
        rows = {f.record_id: f for f in session.scalars(
            select(Feature).where(Feature.record_id.in_(["NT-A-0007", "NT-B-0015"])))}
        a, b = rows["NT-A-0007"], rows["NT-B-0015"]
        found = {"A": a.id, "B": b.id, "commune_A": a.commune_code, "commune_B": b.commune_code,
                 "district_A": a.district_code, "district_B": b.district_code}  # fmt: skip
    assert found["district_A"] != found["district_B"], "B must lie in another district"
    return found


def households_of_commune(app, commune: str) -> list[int]:
    """Ids of the live household records of a commune on AS_OF (demo ones included)."""
    day = dt.date.fromisoformat(AS_OF)
    with get_database(app).sessions() as session:
        return list(session.scalars(
            select(Feature.id).join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "housing", Feature.commune_code == commune,
                   FeatureState.valid_from <= day,
                   (FeatureState.valid_to.is_(None)) | (FeatureState.valid_to > day))
            .order_by(Feature.id)
        ))  # fmt: skip


def personal_reads(app) -> list[AuditEvent]:
    with get_database(app).sessions() as session:
        return list(session.scalars(
            select(AuditEvent).where(AuditEvent.action == "read_personal")
            .order_by(AuditEvent.id)))  # fmt: skip


class Reads:
    """Counts the ``read_personal`` events one request writes."""

    def __init__(self, app):
        self.app = app
        self.before = len(personal_reads(app))

    def new(self) -> list[AuditEvent]:
        return personal_reads(self.app)[self.before:]


@pytest.fixture
def editor_a(app, client, login, place):
    """The housing editor of commune A, signed in, calling from CLIENT_IP; its CSRF token."""
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    token = login("housing_editor", (place["commune_A"],), name="nhaotam-xa-a")
    return token


def _one_read(app, before: Reads, what: str, ids: list[int]) -> AuditEvent:
    events = before.new()
    assert len(events) == 1, [e.detail for e in events]
    event = events[0]
    assert event.actor == "nhaotam-xa-a" and event.ip == CLIENT_IP
    assert event.layer_id == "housing" and event.detail["what"] == what
    assert event.detail["count"] == len(ids) and event.detail["feature_ids"] == ids
    return event


def test_the_editor_of_commune_a_reads_and_updates_a_household_of_a(app, client, editor_a, place):
    reads = Reads(app)
    answer = client.get(f"/api/layers/housing/features/{place['A']}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["properties"]["beneficiary"] == "Hoàng Văn Thắng"
    assert body["properties"]["phone"] == "0912345678" and body["canEdit"] is True
    assert answer.headers["Cache-Control"] == "private, no-store"
    event = _one_read(app, reads, "record", [place["A"]])
    assert event.feature_id == place["A"] and event.record_id == "NT-A-0007"

    reads = Reads(app)
    changed = client.patch(
        f"/api/layers/housing/features/{place['A']}", headers={"X-CSRFToken": editor_a},
        json={"version": body["version"], "properties": {"phone": "0911222333"},
              "reason": "Hộ đổi số điện thoại"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["properties"]["phone"] == "0911222333"
    # The answer shows the household's fields: a read of them, beside the edit itself.
    _one_read(app, reads, "update", [place["A"]])
    with get_database(app).sessions() as session:
        stored = session.get(Feature, place["A"])
        assert stored.attributes["phone"] == "0911222333"
        assert stored.version == body["version"] + 1
        logged = session.scalars(select(AuditEvent.action).where(
            AuditEvent.feature_id == place["A"], AuditEvent.action == "update")).all()
    assert logged == ["update"]

    reads = Reads(app)
    history = client.get(f"/api/layers/housing/features/{place['A']}/history")
    assert history.status_code == 200 and history.get_json()["history"]
    _one_read(app, reads, "history", [place["A"]])


def test_a_household_of_commune_b_is_refused_with_403(app, client, editor_a, place):
    # 403, not 404: the record exists and is live; ``visible_feature`` answers 404 only for an
    # unknown id or a deleted record the user may not edit, and refuses a restricted record
    # its reader may not see with 403 (the same answer the public gets for any household).
    reads = Reads(app)
    answer = client.get(f"/api/layers/housing/features/{place['B']}")
    assert answer.status_code == 403
    assert "Lý Thị Mai" not in answer.get_data(as_text=True)
    assert client.get(f"/api/layers/housing/features/{place['B']}/history").status_code == 403
    with get_database(app).sessions() as session:
        version = session.get(Feature, place["B"]).version
    changed = client.patch(
        f"/api/layers/housing/features/{place['B']}", headers={"X-CSRFToken": editor_a},
        json={"version": version, "properties": {"phone": "0900000000"}, "reason": "Thử"},
    )
    assert changed.status_code == 403
    with get_database(app).sessions() as session:
        assert session.get(Feature, place["B"]).attributes["phone"] == "0987654321"
    assert reads.new() == [], "a refused read is not a read"


def test_the_features_list_holds_exactly_the_households_of_a(app, client, editor_a, place):
    expected = households_of_commune(app, place["commune_A"])
    assert place["A"] in expected and place["B"] not in expected
    reads = Reads(app)
    answer = client.get("/api/layers/housing/features?cluster=auto&zoom=8")
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in answer.headers
    body = answer.get_json()
    assert sorted(f["id"] for f in body["features"]) == expected
    assert body["numberMatched"] == len(expected)
    mine = next(f for f in body["features"] if f["id"] == place["A"])
    assert mine["properties"]["beneficiary"] == "Hoàng Văn Thắng"
    assert mine["properties"]["phone"] == "0912345678"
    assert "Lý Thị Mai" not in answer.get_data(as_text=True)
    _one_read(app, reads, "features", expected)


def test_search_finds_the_household_of_a_never_that_of_b(app, client, editor_a, place):
    reads = Reads(app)
    found = client.get("/api/search?q=khuoi phay so 07").get_json()
    assert [r["id"] for r in found if r["layer"] == "housing"] == [place["A"]]
    _one_read(app, reads, "search", [place["A"]])

    reads = Reads(app)
    answer = client.get("/api/search?q=na lua so 15")
    assert answer.status_code == 200
    assert place["B"] not in [r["id"] for r in answer.get_json()]
    assert "Nhà ở hộ thôn Nà Lừa" not in answer.get_data(as_text=True)
    assert reads.new() == [], "no household was shown, nothing is logged"


def test_the_csv_export_holds_exactly_the_households_of_a(app, client, editor_a, place):
    expected = households_of_commune(app, place["commune_A"])
    reads = Reads(app)
    answer = client.get("/api/layers/housing/export?format=csv&lang=en")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    text = answer.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(expected)
    assert "Hoàng Văn Thắng" in text and "Lý Thị Mai" not in text
    assert {r["commune_code"] for r in rows} == {place["commune_A"]}
    assert "NT-A-0007" in {r["record_id"] for r in rows}
    _one_read(app, reads, "export", expected)


def test_the_area_page_lists_the_households_of_a_for_its_editor(app, client, editor_a, place):
    expected = households_of_commune(app, place["commune_A"])
    reads = Reads(app)
    page = client.get(f"/area/commune/{place['commune_A']}?as_of={AS_OF}")
    assert page.status_code == 200
    assert "Nhà ở hộ thôn Khuổi Phầy số 07" in page.get_data(as_text=True)
    _one_read(app, reads, "area_page", expected)
    reads = Reads(app)
    other = client.get(f"/area/commune/{place['commune_B']}?as_of={AS_OF}")
    assert other.status_code == 200
    assert "Nhà ở hộ thôn Nà Lừa" not in other.get_data(as_text=True)
    assert reads.new() == []


def test_the_public_still_gets_no_household(app, place):
    public = app.test_client()
    reads = Reads(app)
    assert public.get("/api/layers/housing/features").status_code == 403
    assert public.get("/api/layers/housing/export?format=csv").status_code == 403
    assert public.get(f"/api/layers/housing/features/{place['A']}").status_code == 403
    found = public.get("/api/search?q=khuoi phay so 07").get_json()
    assert [r for r in found if r["layer"] == "housing"] == []
    page = public.get(f"/area/commune/{place['commune_A']}").get_data(as_text=True)
    assert "Khuổi Phầy số 07" not in page
    assert reads.new() == []


def test_a_telecom_editor_gets_no_household_either(app, client, login, place):
    login("telecom_editor", (place["commune_A"],))
    assert client.get("/api/layers/housing/features").status_code == 403
    assert client.get("/api/layers/housing/export?format=csv").status_code == 403
    assert client.get(f"/api/layers/housing/features/{place['A']}").status_code == 403


def test_a_province_wide_reader_gets_both_and_the_read_is_logged(app, client, login, place):
    login("viewer", (), name="xem-toan-tinh")
    reads = Reads(app)
    body = client.get("/api/layers/housing/features").get_json()
    ids = {f["id"] for f in body["features"]}
    assert {place["A"], place["B"]} <= ids
    events = reads.new()
    assert len(events) == 1 and events[0].actor == "xem-toan-tinh"
    assert events[0].detail["count"] == len(ids)


def test_the_audit_label_of_a_personal_read_is_in_both_languages():
    from portal.services.audit import action_label

    assert action_label("read_personal", "vi") == "Xem dữ liệu cá nhân"
    assert action_label("read_personal", "en") == "Personal data read"


def test_the_map_draws_households_for_their_readers_and_counts_for_the_others(
    app, client, editor_a
):
    def housing_spec(page: str) -> str:
        """Whether the page's map configuration lets the client draw the households."""
        return re.search(r'"id": "housing".*?"canViewRecords": (true|false)', page).group(1)

    mine = client.get("/?layer=housing&show=housing").get_data(as_text=True)
    assert housing_spec(mine) == "true"
    public = app.test_client().get("/?layer=housing&show=housing").get_data(as_text=True)
    assert housing_spec(public) == "false"


def test_the_changes_list_shows_the_households_of_a_and_logs_the_read(app, client, editor_a, place):
    reads = Reads(app)
    answer = client.get("/api/changes?layer=housing&since=2025-01-01&until=2025-11-30")
    assert answer.status_code == 200
    listed = [r["id"] for r in answer.get_json()["records"]]
    assert place["A"] in listed and place["B"] not in listed
    assert set(listed) <= set(households_of_commune(app, place["commune_A"]))
    _one_read(app, reads, "changes", listed)

    client.post("/logout", headers={"X-CSRFToken": editor_a})
    reads = Reads(app)
    public = client.get("/api/changes?layer=housing&since=2025-01-01&until=2025-11-30")
    assert public.get_json()["records"] == []
    assert reads.new() == [], "no household was shown, nothing is logged"


def test_the_answers_of_a_household_creation_and_status_change_are_logged_reads(
    app, client, editor_a, place
):
    with get_database(app).sessions() as session:
        area = session.scalar(select(Area).where(Area.level == "commune",
                                                 Area.code == place["commune_A"]))  # fmt: skip
        point = {"type": "Point", "coordinates": [area.label_lon, area.label_lat]}
    reads = Reads(app)
    created = client.post(
        "/api/layers/housing/features", headers={"X-CSRFToken": editor_a},
        json={"type": "Feature", "geometry": point, "reason": "Hộ mới rà soát tháng 11",
              "properties": {"name": "Nhà ở hộ thôn Khuổi Phầy số 12", "record_id": "NT-A-0012",
                             "beneficiary": "Nông Thị Hoa", "phone": "0915000111",
                             "village": "Khuổi Phầy", "household_size": 4, "category": "poor",
                             "work": "repair", "funds_million_vnd": 30, "status": "registered",
                             "date": "2025-11-20"}},
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["properties"]["beneficiary"] == "Nông Thị Hoa"
    event = _one_read(app, reads, "create", [body["id"]])
    assert event.feature_id == body["id"] and event.record_id == "NT-A-0012"

    reads = Reads(app)
    moved_on = client.post(
        f"/api/layers/housing/features/{body['id']}/status", headers={"X-CSRFToken": editor_a},
        json={"version": body["version"], "status": "approved", "date": "2025-11-28",
              "reason": "UBND xã phê duyệt"},
    )  # fmt: skip
    assert moved_on.status_code == 200, moved_on.get_json()
    assert moved_on.get_json()["properties"]["phone"] == "0915000111"
    event = _one_read(app, reads, "status", [body["id"]])
    assert event.feature_id == body["id"] and event.record_id == "NT-A-0012"
    with get_database(app).sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.feature_id == body["id"]).order_by(AuditEvent.id)).all()  # fmt: skip
    assert actions == ["create", "read_personal", "status", "read_personal"]


def test_a_refused_household_write_logs_no_read(app, client, editor_a, place):
    reads = Reads(app)
    refused = client.post(
        f"/api/layers/housing/features/{place['B']}/status", headers={"X-CSRFToken": editor_a},
        json={"version": 1, "status": "completed", "date": "2025-11-28", "reason": "thử"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert reads.new() == []
