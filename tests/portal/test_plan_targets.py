"""The plan's targets as data: computed from a small store, imported from an office's sheet,
judged by the documented status rule (issue 14)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select, update

import shapely

from portal.services import bootstrap
from portal.services.plan_computed import RULES, per_area, records_behind, value_on
from portal.services.plan_status import Line, judge
from portal.services.plan_target_import import import_targets_file, template_xlsx
from portal.services.plan_target_rows import TargetRejected
from portal.services.plan_targets import add_value_form, board, target_report
from portal.store import loader
from portal.store import plan_targets as store
from portal.store.db import open_database
from portal.store.models import AuditEvent, Feature

D = dt.date
S, R = loader.StateRow, loader.RecordRow


@pytest.fixture
def small_db(empty_db_url):
    """A store with the schema, no boundaries and a handful of records with known histories."""
    db = open_database(empty_db_url)
    bootstrap.init_schema(db)
    point = shapely.Point(106.7, 21.8)
    records = [
        # Five households: two done by 1 June, one more by 1 October, one cancelled in July.
        R("housing", "h1", "Hộ 1", point, {}, [S(D(2025, 1, 10), "registered"),
                                               S(D(2025, 5, 1), "completed")]),
        R("housing", "h2", "Hộ 2", point, {}, [S(D(2025, 1, 10), "approved"),
                                               S(D(2025, 5, 20), "handed_over")]),
        R("housing", "h3", "Hộ 3", point, {}, [S(D(2025, 2, 1), "under_construction"),
                                               S(D(2025, 9, 1), "completed")]),
        R("housing", "h4", "Hộ 4", point, {}, [S(D(2025, 2, 1), "registered"),
                                               S(D(2025, 7, 1), "cancelled")]),
        R("housing", "h5", "Hộ 5", point, {}, [S(D(2025, 3, 1), "approved")]),
        # Three villages: one on air in April, one only listed in August.
        R("signal", "s1", "Thôn Nà Pàn", point, {}, [S(D(2025, 1, 5), "listed"),
                                                     S(D(2025, 4, 1), "on_air")]),
        R("signal", "s2", "Thôn Khuổi Mạ", point, {}, [S(D(2025, 1, 5), "power")]),
        R("signal", "s3", "Thôn Bản Chắt", point, {}, [S(D(2025, 8, 1), "listed")]),
        # The expressway: 60 % in June, open on 15 October, completed on 20 December.
        R("transport", "t1", "Cao tốc cửa khẩu Hữu Nghị – Chi Lăng",
          shapely.LineString([(106.7, 21.9), (106.6, 21.7)]), {},
          [S(D(2025, 1, 15), "construction", 40.0), S(D(2025, 6, 1), "construction", 60.0),
           S(D(2025, 10, 15), "open_to_traffic", 97.0), S(D(2025, 12, 20), "completed", 100.0)]),
        R("transport", "t2", "Quốc lộ 4A", shapely.LineString([(106.7, 21.9), (106.8, 22.0)]),
          {}, [S(D(2025, 1, 15), "construction", 10.0)]),
    ]  # fmt: skip
    with db.transaction() as session:
        loader.write_records(session, records)
        session.execute(update(Feature).where(Feature.record_id.in_(["s1", "s2"]))
                        .values(commune_code="06400"))  # fmt: skip
        session.execute(update(Feature).where(Feature.record_id == "s3")
                        .values(commune_code="06463"))  # fmt: skip
    yield db
    db.engine.dispose()


def test_computed_targets_match_the_hand_counts_on_two_dates(small_db):
    with small_db.sessions() as session:
        housing, signal = RULES["housing_left"], RULES["signal_left"]
        # 28 February: h1, h2, h3, h4 not done (h5 recorded on 1 March) -> 4; then 5.
        assert value_on(session, housing, D(2025, 2, 28)) == 4.0
        assert value_on(session, housing, D(2025, 3, 1)) == 5.0
        # 1 October: h1, h2, h3 done, h4 cancelled -> only h5 left.
        assert value_on(session, housing, D(2025, 10, 1)) == 1.0
        # Before any household was recorded there is no figure (no data, never "0 left").
        assert value_on(session, housing, D(2025, 1, 1)) is None
        assert value_on(session, signal, D(2025, 3, 1)) == 2.0  # s1, s2
        assert value_on(session, signal, D(2025, 9, 1)) == 2.0  # s2, s3 (s1 on air)
        assert per_area(session, signal, D(2025, 9, 1)) == {"06400": 1.0, "06463": 1.0}


def test_the_expressway_is_read_from_its_record_before_and_after_its_completion(small_db):
    with small_db.sessions() as session:
        road = RULES["expressway"]
        assert value_on(session, road, D(2025, 7, 1)) == 60.0
        # Open to traffic is a done status of the transport layer: finished is 100.
        assert value_on(session, road, D(2025, 10, 20)) == 100.0
        assert value_on(session, road, D(2025, 12, 31)) == 100.0
        behind = records_behind(session, road, D(2025, 7, 1))
        assert [r["record_id"] for r in behind] == ["t1"]  # QL4A is not the expressway
        assert behind[0]["status"] == "construction" and behind[0]["done"] is False
        # Personal records are never listed.
        assert records_behind(session, RULES["housing_left"], D(2025, 7, 1)) == []


def _computed_target(session, code="CAO-TOC", rule="expressway", direction="exactly",
                     target=100.0):  # fmt: skip
    return store.add_target(
        session, code=code, name_vi=code, name_en=code, unit="%", direction=direction,
        year=2025, target_value=target, baseline_date=D(2025, 1, 31), department="",
        milestones=[], computed=rule, illustrative=False,
    )  # fmt: skip


def test_a_computed_targets_report_and_status_as_of_two_dates(small_db):
    with small_db.transaction() as session:
        _computed_target(session)
    with small_db.sessions() as session:
        target = store.get_target(session, "CAO-TOC")
        june = target_report(session, target, D(2025, 7, 1))
        # Baseline: 40 on 31 January; expected on 1 July ~ 40 + 60 * 151/334 = 67.1 > 60.
        assert june.latest.value == 60.0 and june.line.start_value == 40.0
        assert june.status == "off_track"  # 7.1 behind on a way of 60: more than 10 %
        done = target_report(session, target, D(2025, 12, 31))
        assert done.status == "on_track" and done.latest.value == 100.0
        assert [r.date for r in done.history][:2] == [D(2025, 1, 31), D(2025, 2, 28)]


def test_a_value_typed_for_a_computed_target_is_refused_and_nothing_is_written(small_db):
    with small_db.transaction() as session:
        _computed_target(session)
    with pytest.raises(TargetRejected) as caught:
        with small_db.transaction() as session:
            add_value_form(session, "CAO-TOC", {"date": "30/09/2025", "value": "95",
                                                "provenance": "official"}, "lan",
                           lambda level, code: True)  # fmt: skip
    problem = caught.value.problems[0]
    assert problem.field == "value" and problem.code == "not_allowed"
    assert "computed from the transport layer" in problem.message_en
    assert "không nhập số liệu" in problem.message_vi
    with small_db.sessions() as session:
        assert store.values_of(session, store.get_target(session, "CAO-TOC").id,
                               D(2026, 1, 1)) == []  # fmt: skip


# --- the status rule, on named cases -----------------------------------------------------------

YEAR = (D(2025, 1, 1), D(2025, 12, 31))
MID = D(2025, 7, 2)  # half the way through the year: the line expects 50 of 100


def _line(direction="at_least", start=0.0, target=100.0, milestones=()):
    return Line(start, YEAR[0], target, YEAR[1], direction, milestones)


@pytest.mark.parametrize(
    ("name", "line", "value", "expected"),
    [
        ("ahead", _line(), 70.0, "on_track"),
        ("on the line", _line(), 50.0, "on_track"),
        ("just behind: within 10 % of the way", _line(), 41.0, "at_risk"),
        ("behind", _line(), 30.0, "off_track"),
        ("an at-most target met early", _line("at_most", 2.9, 2.0), 1.9, "on_track"),
        ("an at-most target going the wrong way", _line("at_most", 2.9, 2.0), 3.0, "off_track"),
        ("an exactly target reached", _line("exactly", 0.0, 100.0), 100.0, "on_track"),
        ("an exactly target behind its line", _line("exactly", 0.0, 100.0), 35.0, "off_track"),
        ("milestones: slow start planned, on them",
         _line(milestones=((D(2025, 6, 30), 20.0),)), 21.0, "on_track"),
        ("milestones: behind them though ahead of the plain line",
         _line(milestones=((D(2025, 6, 30), 80.0),)), 60.0, "off_track"),
    ],
)
def test_the_status_rule(name, line, value, expected):
    assert judge(line, value, MID) == expected, name


def test_no_reported_value_is_no_data_never_on_track():
    assert judge(_line(), None, None) == "no_data"


# --- import: the template, an office's sheet, bad rows ---------------------------------------


def _office_sheet(path, header, rows):
    """Write a sheet as an office fills the template: a title, a blank line, text cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["UBND TỈNH LẠNG SƠN - CHỈ TIÊU KẾ HOẠCH NĂM 2025"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


TARGET_HEADER = ["Mã chỉ tiêu / Code", "Tên chỉ tiêu / Name (Vietnamese)",
                 "Tên tiếng Anh / Name (English)", "Đơn vị tính / Unit", "Chiều / Direction",
                 "Chỉ tiêu năm / Target value", "Năm / Year", "Giá trị gốc / Baseline value",
                 "Ngày gốc / Baseline date", "Cơ quan chủ trì / Department",
                 "Mốc trung gian / Milestones"]  # fmt: skip


def test_targets_imported_from_an_office_sheet_equal_its_rows(small_db, tmp_path):
    path = _office_sheet(tmp_path / "chi_tieu.xlsx", TARGET_HEADER, [
        ["GRDP", "Tốc độ tăng trưởng GRDP", "GRDP growth", "%", "Tối thiểu (≥)", "8,0", 2025,
         "6,8", "31/12/2024", "Sở Tài chính", "30/06/2025: 7,2; 30/09/2025: 7,6"],
        ["NGHEO", "Tỷ lệ hộ nghèo đa chiều", "", "%", "Tối đa", "2,0", "2025", "2,9",
         "31/12/2024", "Sở Y tế", ""],
    ])  # fmt: skip
    with small_db.transaction() as session:
        summary = import_targets_file(session, path, "lan")
    assert summary == {"kind": "targets", "rows": 2, "created": 2, "updated": 0, "values": 0}
    with small_db.sessions() as session:
        grdp, poverty = store.get_target(session, "GRDP"), store.get_target(session, "NGHEO")
        assert (grdp.name_vi, grdp.name_en, grdp.unit, grdp.direction, grdp.target_value,
                grdp.year, grdp.baseline_value, grdp.baseline_date, grdp.department) == (
            "Tốc độ tăng trưởng GRDP", "GRDP growth", "%", "at_least", 8.0, 2025, 6.8,
            D(2024, 12, 31), "Sở Tài chính")  # fmt: skip
        assert grdp.milestones == [{"date": "2025-06-30", "value": 7.2},
                                   {"date": "2025-09-30", "value": 7.6}]  # fmt: skip
        assert (poverty.direction, poverty.target_value, poverty.computed) == ("at_most", 2.0,
                                                                               None)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "targets_import"))
        assert [e.detail["created"] for e in event] == [2]


def test_a_value_for_an_area_the_store_lacks_is_refused_by_row_and_column(small_db, tmp_path):
    targets = _office_sheet(tmp_path / "t.xlsx", TARGET_HEADER, [
        ["NGHEO", "Tỷ lệ hộ nghèo", "", "%", "at_most", "2", "2025", "2,9", "31/12/2024", "",
         ""]])  # fmt: skip
    values = _office_sheet(tmp_path / "v.xlsx", [
        "Mã chỉ tiêu", "Ngày số liệu", "Giá trị", "Nguồn", "Loại số liệu", "Cấp", "Mã địa bàn"], [
        ["NGHEO", "30/06/2025", "2,5", "Báo cáo 6 tháng", "Chính thức", "", ""],
        ["NGHEO", "30/06/2025", "3,4", "Báo cáo 6 tháng", "Ước tính", "Xã", "06400"]])
    with small_db.transaction() as session:
        import_targets_file(session, targets, "lan")
    # The per-area row names a commune this store does not hold: refused by row and column.
    with pytest.raises(TargetRejected) as caught:
        with small_db.transaction() as session:
            import_targets_file(session, values, "lan")
    assert [(p.row, p.field) for p in caught.value.problems] == [(5, "Mã địa bàn")]
    with small_db.sessions() as session:
        assert store.values_of(session, store.get_target(session, "NGHEO").id,
                               D(2026, 1, 1)) == []  # fmt: skip


def test_bad_rows_are_each_named_by_row_and_column_and_nothing_is_written(small_db, tmp_path):
    with small_db.transaction() as session:
        _computed_target(session)
    path = _office_sheet(tmp_path / "sai.xlsx", TARGET_HEADER, [
        ["TRUONG", "Trường chuẩn", "", "trường", "tăng lên", "15", "2025", "0", "31/12/2024",
         "", ""],
        ["HSSK", "Hồ sơ sức khỏe", "", "%", "Tối thiểu", "95", "2025", "78", "31/02/2025",
         "", ""],
        ["", "Không có mã", "", "", "Tối thiểu", "1", "2025", "", "", "", ""],
        ["NTM", "Xã nông thôn mới", "", "xã", "Tối thiểu", "9", "2025", "0", "31/12/2024", "",
         ""],
    ])  # fmt: skip
    with pytest.raises(TargetRejected) as caught:
        with small_db.transaction() as session:
            import_targets_file(session, path, "lan")
    found = [(p.row, p.field, p.value) for p in caught.value.problems]
    assert found == [
        (4, "Chiều / Direction", "tăng lên"),
        (5, "Ngày gốc / Baseline date", "31/02/2025"),
        (6, "Mã chỉ tiêu / Code", None),
    ]
    assert "not a known direction" in caught.value.problems[0].message_en
    assert "31/02/2025" in caught.value.problems[1].message_vi
    values = _office_sheet(tmp_path / "so_lieu.xlsx", [
        "Mã chỉ tiêu / Code", "Ngày số liệu / Date", "Giá trị / Value", "Nguồn / Source",
        "Loại số liệu / Provenance"], [
        ["CAO-TOC", "30/09/2025", "95", "Ban QLDA", "Chính thức"]])  # fmt: skip
    with pytest.raises(TargetRejected) as typed:
        with small_db.transaction() as session:
            import_targets_file(session, values, "lan")
    assert [(p.row, p.field) for p in typed.value.problems] == [(4, "Giá trị / Value")]
    with small_db.sessions() as session:
        assert sorted(store.target_codes(session)) == ["CAO-TOC"]  # NTM, fine, not written
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "targets_import")) is None  # fmt: skip


def test_the_template_reads_back_as_its_example_row(small_db, tmp_path):
    for kind in ("targets", "values"):
        content, name = template_xlsx(kind)
        assert name == f"mau_chi_tieu_{kind}.xlsx"
        (tmp_path / name).write_bytes(content)
    with small_db.transaction() as session:
        assert import_targets_file(session, tmp_path / "mau_chi_tieu_targets.xlsx", "lan")[
            "created"] == 1  # fmt: skip
        assert import_targets_file(session, tmp_path / "mau_chi_tieu_values.xlsx", "lan")[
            "values"] == 1  # fmt: skip
    with small_db.sessions() as session:
        reports, counts = board(session, D(2025, 10, 1))
        assert [(r.target.code, r.latest.value) for r in reports] == [("GRDP", 7.4)]
        assert sum(counts.values()) == 1
