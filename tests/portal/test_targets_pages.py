"""The targets board, a target's page, the planners' forms and import over HTTP (issue 14)."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import select

from portal.store import plan_targets as store
from portal.store.models import AuditEvent
from portal.web.database import get_database

#: The demo's reported targets, judged by hand (see layers/demo_targets.py and the rule):
#: 30/06: GRDP 7.6 vs 7.40 expected; NTM 4 vs 4.46 (5 % of 9 behind); NGHEO 2.65 vs its
#: milestone 2.6 (6 % of 0.9 behind); TRUONG 3 vs 7.44; HSSK 85 vs 86.4 (8 % of 17 behind).
#: 30/11: GRDP 7.9 vs 7.70; NTM 7 vs 7.5 (6 %); NGHEO 2.3 on its milestone; TRUONG 5 vs 11.2;
#: HSSK 93 vs 92.2.
REPORTED = {
    "2025-06-30": {"GRDP": "on_track", "NTM": "at_risk", "NGHEO": "at_risk",
                   "TRUONG": "off_track", "HSSK": "at_risk"},
    "2025-11-30": {"GRDP": "on_track", "NTM": "at_risk", "NGHEO": "on_track",
                   "TRUONG": "off_track", "HSSK": "on_track"},
}  # fmt: skip


def _cards(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-code="([^"]+)" data-status="([^"]+)"', page))


def test_the_board_counts_and_badges_as_of_two_dates(client):
    for day, expected in REPORTED.items():
        answer = client.get(f"/api/targets?as_of={day}").get_json()
        page = client.get(f"/targets?as_of={day}").get_data(as_text=True)
        cards = _cards(page)
        assert len(cards) == answer["total"] == 9
        assert {code: cards[code] for code in expected} == expected
        assert {t["code"]: t["status"] for t in answer["targets"]} == cards
        on_track = sum(s == "on_track" for s in cards.values())
        assert answer["counts"]["on_track"] == on_track
        date = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
        assert f"{on_track} trên 9 chỉ tiêu đúng tiến độ tính đến {date}" in page
    english = client.get("/targets?as_of=2025-11-30&lang=en").get_data(as_text=True)
    assert re.search(r"\d of 9 targets on track as of 30/11/2025", english)
    # Every demo target is illustrative, and says so on the card.
    assert english.count('data-provenance="illustrative"') == 9


def test_the_computed_targets_on_the_board_come_from_the_layers(client):
    answer = client.get("/api/targets?as_of=2025-11-30").get_json()
    by_code = {t["code"]: t for t in answer["targets"]}
    assert {c for c, t in by_code.items() if t["computed"]} == {
        "NHA-TAM", "THON-SONG", "VSIP", "CAO-TOC"}
    signal = client.get("/api/progress?layer=signal&level=province&as_of=2025-11-30").get_json()
    left = signal[0]["count"] - signal[0]["done"] - signal[0]["status_counts"].get("cancelled", 0)
    assert by_code["THON-SONG"]["value"] == left
    assert by_code["THON-SONG"]["value_date"] == "2025-11-30"
    road = client.get("/api/targets/CAO-TOC?as_of=2025-11-30").get_json()
    page = client.get("/targets/CAO-TOC?as_of=2025-11-30").get_data(as_text=True)
    assert "Cao tốc cửa khẩu Hữu Nghị – Chi Lăng" in page and road["status"] in (
        "on_track", "at_risk", "off_track")
    # The households' page gives counts, never a household.
    housing = client.get("/targets/NHA-TAM").get_data(as_text=True)
    assert "data-record=" not in housing and "dữ liệu cá nhân" in housing


def test_a_target_page_has_its_history_milestones_and_commune_map(client):
    page = client.get("/targets/NGHEO?as_of=2025-11-30").get_data(as_text=True)
    assert page.count("<path d=") >= 60  # one shape per 2025 commune
    assert "30/06/2025: 2,6%" in page and "target-history" in page
    answer = client.get("/api/targets/NGHEO?as_of=2025-11-30").get_json()
    assert len(answer["areas"]) == 65 and answer["milestones"][0]["value"] == 2.6
    assert client.get("/api/targets/NOPE").status_code == 404
    assert client.get("/targets/NOPE").status_code == 404
    assert client.get("/api/targets?as_of=31/02/2025").status_code == 400


def _office_file(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SỞ TÀI CHÍNH - SỐ LIỆU CHỈ TIÊU"])
    sheet.append([])
    sheet.append(["Mã chỉ tiêu", "Ngày số liệu", "Giá trị", "Nguồn", "Loại số liệu"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_others_than_planners_get_403_and_a_post_without_csrf_400(client, login):
    token = login("housing_editor")
    file = (io.BytesIO(_office_file([["GRDP", "31/10/2025", "8,1", "Cục TK", "Ước tính"]])),
            "so_lieu.xlsx")
    refused = [
        client.post("/targets/import", data={"csrf_token": token, "file": file},
                    content_type="multipart/form-data"),
        client.post("/targets/new", data={"csrf_token": token, "code": "X"}),
        client.post("/targets/GRDP/values", data={"csrf_token": token, "value": "9"}),
        client.get("/targets/import"),
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    client.post("/logout", headers={"X-CSRFToken": token})
    login("planner")
    assert client.post("/targets/new", data={"code": "X"}).status_code == 400
    assert client.post("/targets/GRDP/values", data={"value": "9"}).status_code == 400
    with get_database(client.application).sessions() as session:
        assert "X" not in store.target_codes(session)
        assert len(store.values_of(session, store.get_target(session, "GRDP").id,
                                   store.get_target(session, "GRDP").baseline_date.replace(
                                       year=2030))) == 3  # fmt: skip


def test_a_planner_adds_a_target_and_a_value_through_the_forms_audited(client, login):
    token = login("planner")
    bad = client.post("/targets/new", data={
        "csrf_token": token, "code": "RUNG", "name_vi": "Tỷ lệ che phủ rừng", "unit": "%",
        "direction": "tăng", "target_value": "65,5", "year": "2025"})
    assert bad.status_code == 422
    assert 'data-field="direction"' in bad.get_data(as_text=True)
    saved = client.post("/targets/new", data={
        "csrf_token": token, "code": "RUNG", "name_vi": "Tỷ lệ che phủ rừng",
        "name_en": "Forest cover", "unit": "%", "direction": "at_least", "target_value": "65,5",
        "year": "2025", "baseline_value": "64,8", "baseline_date": "2024-12-31"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/targets/RUNG")
    assert client.get("/api/targets/RUNG").get_json()["status"] == "no_data"
    value = client.post("/targets/RUNG/values", data={
        "csrf_token": token, "date": "2025-10-31", "value": "65,4", "source": "Chi cục Kiểm lâm",
        "provenance": "official"})
    assert value.status_code == 303
    answer = client.get("/api/targets/RUNG?as_of=2025-11-30").get_json()
    assert (answer["value"], answer["provenance"], answer["status"]) == (65.4, "official",
                                                                        "on_track")
    typed = client.post("/targets/VSIP/values", data={
        "csrf_token": token, "date": "2025-10-31", "value": "99", "provenance": "official"})
    assert typed.status_code == 422 and "VSIP" in typed.get_data(as_text=True)
    edited = client.post("/targets/RUNG/edit", data={
        "csrf_token": token, "name_vi": "Tỷ lệ che phủ rừng", "unit": "%",
        "direction": "at_least", "target_value": "66", "year": "2025", "baseline_value": "64,8",
        "baseline_date": "31/12/2024"})
    assert edited.status_code == 303
    assert client.get("/api/targets/RUNG").get_json()["target"] == 66.0
    with get_database(client.application).sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(["target_save", "target_value"])).order_by(AuditEvent.id))
        assert list(actions) == ["target_save", "target_value", "target_save"]


def test_a_planner_imports_values_all_or_nothing(client, login):
    token = login("planner")

    def post(rows):
        return client.post("/targets/import", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(_office_file(rows)), "so_lieu.xlsx")})

    bad = post([["GRDP", "31/10/2025", "8,1", "Cục TK", "Ước tính"],
                ["NHA-TAM", "31/10/2025", "12", "Sở XD", "Chính thức"]])
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'data-row="5" data-field="Giá trị"' in text
    good = post([["GRDP", "31/10/2025", "8,1", "Cục TK", "Ước tính"]])
    assert good.status_code == 200 and "Đã lưu: 1 số liệu báo cáo" in good.get_data(as_text=True)
    answer = client.get("/api/targets/GRDP?as_of=2025-11-30").get_json()
    assert [h["value"] for h in answer["history"]] == [7.1, 7.6, 7.9, 8.1]
    assert answer["provenance"] == "estimate"
    template = client.get("/targets/template/values.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"


def _goal(page: str, code: str) -> str:
    card = page[page.index(f'data-code="{code}"'):]
    return re.sub(r"<[^>]+>|\s+", " ", re.search(r'class="target-goal">(.*?)</span>', card,
                                                 re.S).group(1)).strip()  # fmt: skip


def test_a_targets_unit_reads_in_the_readers_language(client):
    vietnamese = client.get("/targets?as_of=2025-11-30").get_data(as_text=True)
    english = client.get("/targets?as_of=2025-11-30&lang=en").get_data(as_text=True)
    assert _goal(vietnamese, "NHA-TAM") == "/ chỉ tiêu ≤ 0 hộ"
    assert _goal(english, "NHA-TAM") == "/ target ≤ 0 households"
    assert _goal(english, "TRUONG") == "/ target ≥ 15 schools"
    assert _goal(english, "HSSK") == "/ target ≥ 95%"
