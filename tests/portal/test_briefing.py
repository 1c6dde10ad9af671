"""The monthly briefing PDF (issue 14, item 4) and the targets board kept per data version.

The PDFs are read back with pypdf (``tests/pdf_reading.py``) and their figures compared with
what the store's own functions answer: ``board``, ``area_progress``, ``class_counts``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from layers import CATALOGUE, get_layer
from portal import create_app
from portal.cli import main
from portal.services.plan_targets import board
from portal.store.changes import class_counts, record_changes
from portal.store.models import AuditEvent, Feature, FeatureState
from portal.store.progress import area_progress
from portal.web.database import get_database
from portal.web.formats import fmt_num
from tests.conftest import LOGIN_PASSWORD, change_status
from tests.pdf_reading import pdf_pages_text

AS_OF = dt.date(2025, 11, 30)
DATA = Path(__file__).resolve().parents[1] / "data"


def _flat(pages: list[str]) -> str:
    """Every page's text on one line: table cells wrap names over lines."""
    return " ".join(" ".join(pages).split())


def _sign_in(client, app, role: str) -> None:
    from portal.services.accounts import create_user

    with get_database(app).transaction() as session:
        create_user(session, f"b-{role}", LOGIN_PASSWORD, role)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": f"b-{role}", "password": LOGIN_PASSWORD,
                                         "csrf_token": token})  # fmt: skip
    assert answer.status_code == 302


@pytest.fixture(scope="module")
def demo(stores, template_url, tmp_path_factory):
    """The portal on one copy of the demo store, only read by this module's tests."""
    folder = tmp_path_factory.mktemp("briefing")
    url = stores.new(folder, template_url)
    app = create_app({"database_url": url, "instance_path": folder,
                      "default_as_of": AS_OF.isoformat(), "auto_seed": False})  # fmt: skip
    app.config["TESTING"] = True
    yield app
    app.extensions["portal_db"].engine.dispose()
    stores.drop(url)


@pytest.fixture(scope="module")
def planner(demo):
    """A client signed in as a planner, and the demo briefing it printed (Vietnamese)."""
    client = demo.test_client()
    _sign_in(client, demo, "planner")
    answer = client.get("/reports/briefing.pdf")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return client, answer


def _lagging_head(session, layer, level: str) -> list:
    rows = [r for r in area_progress(session, layer, level, AS_OF)
            if r.lagging and r.percent is not None]  # fmt: skip
    return sorted(rows, key=lambda r: (-(r.expected_percent - r.percent), r.name))


def test_the_demo_briefing_holds_the_board_the_lagging_areas_and_the_changes(demo, planner):
    _client, answer = planner
    assert answer.mimetype == "application/pdf"
    assert "bao-cao-thang-2025-11-30.pdf" in answer.headers["Content-Disposition"]
    pages = pdf_pages_text(answer.data)
    assert 4 <= len(pages) <= 6
    text = _flat(pages)
    assert "Báo cáo tháng" in text and "Số liệu tính đến ngày 30/11/2025" in text
    assert "Thay đổi kể từ báo cáo kỳ trước, ngày 30/10/2025" in text  # one month before
    assert f"Trang 1 trên {len(pages)}" in text and f"Trang {len(pages)} trên {len(pages)}" in text
    with demo.app_context():
        from portal.web.database import get_session

        session = get_session()
        reports, counts = board(session, AS_OF)
        assert f"{counts['on_track']} trên {len(reports)} chỉ tiêu đúng tiến độ" in text
        for report in reports:
            target = report.target
            assert target.name_vi in text
            unit = target.unit if target.unit == "%" else f" {target.unit}"
            assert f"{fmt_num(report.latest.value, 'vi', 2)}{unit}" in text, target.code
        for layer in CATALOGUE:
            districts = _lagging_head(session, layer, "district")
            communes = _lagging_head(session, layer, "commune")
            assert (f"chậm: {len(districts)}/" in text) and (f"{len(communes)}/" in text)
            if communes:
                assert communes[0].name in text, layer.id
            if districts:
                assert districts[0].name in text, layer.id
        totals = {c: 0 for c in ("advanced", "stalled", "regressed", "new")}
        for layer in CATALOGUE:
            counted = class_counts(record_changes(session, layer, dt.date(2025, 10, 30), AS_OF))
            row = " ".join(fmt_num(counted[c], "vi", 0) for c in totals)
            assert f"{layer.name_vi}{' (chỉ số lượng)' if not layer.records_public else ''} " \
                   f"{row}" in text, layer.id
            totals = {c: totals[c] + counted[c] for c in totals}
    assert "Tất cả các lớp " + " ".join(fmt_num(n, "vi", 0) for n in totals.values()) in text
    # The data notes flag what is illustrative and approximate, as the screens do.
    assert "Minh họa" in text and "ranh giới gần đúng" in text


def test_no_household_is_named_even_for_an_admin(demo):
    client = demo.test_client()
    _sign_in(client, demo, "admin")
    text = _flat(pdf_pages_text(client.get("/reports/briefing.pdf?lang=en").data))
    with get_database(demo).sessions() as session:
        rows = session.execute(select(Feature.name, Feature.attributes)
                               .where(Feature.layer_id == "housing")).all()  # fmt: skip
    housing = get_layer("housing")
    personal = {f.name for f in housing.restricted_fields}
    names = {name for name, _attributes in rows if name}
    names |= {str(attributes[key]) for _n, attributes in rows for key in personal
              if attributes and isinstance(attributes.get(key), str) and
              len(attributes[key]) > 4}  # fmt: skip
    assert len(names) > 100
    assert not [name for name in names if name in text]
    # Households are there as counts only.
    assert "Replacing temporary and dilapidated houses (counts only)" in text
    assert "Monthly briefing" in text and "of 9 targets on track" in text
    assert "Báo cáo tháng" not in text and "Page 1 of" in text


def test_who_may_print_and_bad_dates(demo, planner):
    anonymous = demo.test_client().get("/reports/briefing.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    editor = demo.test_client()
    _sign_in(editor, demo, "telecom_editor")
    assert editor.get("/reports/briefing.pdf").status_code == 403
    client, _answer = planner
    bad = client.get("/reports/briefing.pdf?as_of=31/02/2025")
    assert bad.status_code == 400
    assert ("as_of phải là ngày hợp lệ, ví dụ 2025-06-30 (giá trị nhận được: 31/02/2025)"
            in bad.get_data(as_text=True))
    bad_en = client.get("/reports/briefing.pdf?as_of=2025-11-30&since=2025-13-01&lang=en")
    assert bad_en.status_code == 400
    assert "since must be a real date such as 2025-06-30" in bad_en.get_data(as_text=True)
    later = client.get("/reports/briefing.pdf?as_of=2025-11-30&since=2025-12-01&lang=vi")
    assert later.status_code == 400
    assert "Ngày báo cáo kỳ trước (since) phải trước" in later.get_data(as_text=True)
    # The board offers the briefing to the planner, with the board's date.
    page = client.get("/targets?as_of=2025-10-31&lang=vi").get_data(as_text=True)
    assert 'id="briefing-print"' in page and "In báo cáo tháng" in page
    assert 'name="as_of" value="2025-10-31" required' in page
    assert 'id="briefing-print"' not in demo.test_client().get("/targets").get_data(as_text=True)


def _records_in(app, layer_id: str, status: str, n: int) -> list[tuple[int, str]]:
    """The ids and names of ``n`` records of a layer now in ``status``."""
    with get_database(app).sessions() as session:
        return [tuple(row) for row in session.execute(
            select(Feature.id, Feature.name)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == layer_id, FeatureState.valid_to.is_(None),
                   FeatureState.status == status, Feature.deleted_at.is_(None))
            .order_by(Feature.id).limit(n))]  # fmt: skip


def test_the_briefing_counts_the_changes_made_between_two_dates(app, client, login):
    """Known changes after the demo's last date: two records advanced, one regressed."""
    token = login("planner")
    for fid, _name in _records_in(app, "signal", "listed", 2):
        moved = change_status(client, token, "signal", fid, "site_agreed")
        assert moved.status_code == 200, moved.get_data(as_text=True)
    [(fid, regressed)] = _records_in(app, "industry", "construction", 1)
    paused = change_status(client, token, "industry", fid, "paused")
    assert paused.status_code == 200, paused.get_data(as_text=True)
    today = dt.date.today()
    answer = client.get(f"/reports/briefing.pdf?as_of={today}&since=2025-12-01&lang=en")
    assert answer.status_code == 200
    text = _flat(pdf_pages_text(answer.data))
    with app.app_context():
        from portal.web.database import get_session

        counted = {layer.id: class_counts(record_changes(get_session(), layer,
                                                         dt.date(2025, 12, 1), today))
                   for layer in CATALOGUE}  # fmt: skip
    assert counted["signal"]["advanced"] == 2 and counted["industry"]["regressed"] == 1
    assert sum(c["advanced"] for c in counted.values()) == 2
    stalled = sum(c["stalled"] for c in counted.values())
    assert (f"All layers 2 {fmt_num(stalled, 'en', 0)} 1 0") in text
    assert "3 records advanced" not in text and "2 records advanced" in text
    assert "1 regressed" in text and regressed in text


def _targets_api(client, day) -> dict:
    return {t["code"]: t for t in client.get(f"/api/targets?as_of={day}").get_json()["targets"]}


def test_the_board_is_kept_until_a_value_a_target_or_a_layer_changes(app, client, login):
    before = _targets_api(client, "2025-11-30")
    assert before["GRDP"]["value"] == 7.9 and before["GRDP"]["target"] == 8.0
    cache = app.extensions["portal_cache"]
    assert any(key[0] == "target_board" for key in cache._items)
    token = login("planner")
    # A new reported value.
    answer = client.post("/targets/GRDP/values", data={
        "date": "15/11/2025", "value": "8,1", "source": "Cục Thống kê", "provenance": "official",
        "level": "", "area_code": "", "csrf_token": token})  # fmt: skip
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    after_value = _targets_api(client, "2025-11-30")["GRDP"]
    assert (after_value["value"], after_value["source"]) == (8.1, "Cục Thống kê")
    # A target edited.
    form = client.get("/targets/GRDP/edit").get_data(as_text=True)
    cells = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    cells.update({"target_value": "9", "direction": before["GRDP"]["direction"],
                  "csrf_token": token})
    assert client.post("/targets/GRDP/edit", data=cells).status_code == 303
    edited = _targets_api(client, "2025-11-30")["GRDP"]
    assert (edited["target"], edited["value"]) == (9.0, 8.1)
    # A layer edited: one village fewer without signal, on the day of the edit.
    today = dt.date.today()
    villages = _targets_api(client, today)["THON-SONG"]["value"]
    [(fid, _name)] = _records_in(app, "signal", "station_built", 1)
    on_air = change_status(client, token, "signal", fid, "on_air")
    assert on_air.status_code == 200, on_air.get_data(as_text=True)
    assert _targets_api(client, today)["THON-SONG"]["value"] == villages - 1


def test_a_store_without_targets_still_prints_a_briefing_that_says_so(empty_db_url, tmp_path):
    app = create_app({"database_url": empty_db_url, "instance_path": tmp_path,
                      "auto_seed": False})  # fmt: skip
    app.config["TESTING"] = True
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(args=["import-boundaries", str(DATA / "communes_2025_wgs84.geojson"),
                                 "--level", "commune", "--vintage", "2025"])  # fmt: skip
    assert result.exit_code == 0, result.output
    try:
        client = app.test_client()
        _sign_in(client, app, "planner")
        answer = client.get("/reports/briefing.pdf?as_of=2025-11-30&lang=en")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        pages = pdf_pages_text(answer.data)
        text = _flat(pages)
        assert 4 <= len(pages) <= 6
        assert "No target has been entered yet." in text
        assert "the board is empty" in text
        assert "No record of the portal's layers changed between 30/10/2025 and 30/11/2025" in text
        assert "The boundaries are the official ones." in text and "approximate" not in text
        assert "Notable records" not in text
    finally:
        app.extensions["portal_db"].engine.dispose()


def _since_printed(client, query: str) -> str:
    answer = client.get(f"/reports/briefing.pdf?{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    found = re.search(r"Thay đổi kể từ báo cáo kỳ trước, ngày (\d\d/\d\d/\d{4})",
                      _flat(pdf_pages_text(answer.data)))  # fmt: skip
    return found.group(1)


def test_a_briefing_counts_from_the_last_one_printed_and_each_print_is_logged(app, client, login):
    login("planner")
    assert _since_printed(client, "as_of=2025-09-30") == "30/08/2025"  # none before: a month
    assert _since_printed(client, "as_of=2025-11-30") == "30/09/2025"  # the last one printed
    assert _since_printed(client, "as_of=2025-11-30") == "30/09/2025"  # not itself
    assert _since_printed(client, "as_of=2025-11-30&since=2025-11-01") == "01/11/2025"
    with get_database(app).sessions() as session:
        printed = session.execute(
            select(AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action == "briefing_print").order_by(AuditEvent.id)
        ).all()  # fmt: skip
    assert [(actor, d["as_of"], d["since"], d["lang"]) for actor, d in printed] == [
        ("planner-tinh", "2025-09-30", "2025-08-30", "vi"),
        ("planner-tinh", "2025-11-30", "2025-09-30", "vi"),
        ("planner-tinh", "2025-11-30", "2025-09-30", "vi"),
        ("planner-tinh", "2025-11-30", "2025-11-01", "vi"),
    ]
    viewer = app.test_client()
    _sign_in(viewer, app, "viewer")  # a leader's read-only account looks at another date
    assert _since_printed(viewer, "as_of=2025-12-15") == "30/11/2025"
    assert _since_printed(client, "as_of=2025-12-31") == "30/11/2025"  # not the viewer's 15/12


def test_a_draft_is_marked_on_every_page_and_the_next_briefing_does_not_count_from_it(
    app, client, login
):
    login("planner")
    assert _since_printed(client, "as_of=2025-10-31") == "30/09/2025"
    draft = client.get("/reports/briefing.pdf?as_of=2025-11-15&draft=1")
    assert draft.status_code == 200
    assert draft.headers["Content-Disposition"] == \
        'inline; filename="bao-cao-thang-2025-11-15-ban-nhap.pdf"'
    pages = pdf_pages_text(draft.data)
    assert len(pages) >= 3 and all("BẢN NHÁP" in page for page in pages)
    assert "Thay đổi kể từ báo cáo kỳ trước, ngày 31/10/2025" in _flat(pages)
    assert _since_printed(client, "as_of=2025-11-30") == "31/10/2025"  # not the draft's 15/11
    final = client.get("/reports/briefing.pdf?as_of=2025-11-15")  # kept apart in the cache
    assert not any("BẢN NHÁP" in page for page in pdf_pages_text(final.data))
    with get_database(app).sessions() as session:
        printed = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "briefing_print").order_by(AuditEvent.id)).all()  # fmt: skip
    assert [(d["as_of"], d["draft"]) for d in printed] == [
        ("2025-10-31", False), ("2025-11-15", True), ("2025-11-30", False),
        ("2025-11-15", False)]  # fmt: skip
