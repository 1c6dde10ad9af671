"""Large imports are checked and written in chunks, still all or nothing (issue 11)."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import shapely

from geodata.readers_stream import CHUNK_ROWS
from layers.importing import ImportRejected
from portal.services.imports import run_import
from portal.store import loader
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState

HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật"]  # fmt: skip
DAY = dt.date(2025, 12, 31)


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    yield database
    database.engine.dispose()


def _places(db, count):
    """``count`` (commune code, lon, lat) inside the stored communes, a few per commune."""
    with db.sessions() as session:
        communes = loader.load_areas(session, "commune")
    points = shapely.point_on_surface(communes.geometry.to_numpy())
    places = [(code, p.x, p.y) for code, p in zip(communes["code"], points, strict=True)]
    return [places[i % len(places)] for i in range(count)]


def _village_rows(db, count, status="Trong danh sách lõm sóng", day="01/11/2025"):
    return [
        [f"T-{i:06d}", f"Bản Nà Lạn {i}", code, str(10 + i % 50), "Viettel", f"{x:.6f}",
         f"{y:.6f}", status, day]
        for i, (code, x, y) in enumerate(_places(db, count))
    ]  # fmt: skip


def _write_csv(path: Path, rows) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _counts(db):
    with db.sessions() as session:
        return (session.scalar(select(func.count(Feature.id))),
                session.scalar(select(func.count(FeatureState.id))),
                loader.data_version(session))  # fmt: skip


def test_a_bad_row_past_the_first_chunks_refuses_the_whole_file(db, tmp_path):
    rows = _village_rows(db, 30_000)
    rows[25_001 - 2][3] = "nhiều hộ"  # file row 25,001: the header is row 1
    rows[27_000 - 2][0] = rows[3 - 2][0]  # repeats the id of row 3, four chunks earlier
    path = _write_csv(tmp_path / "thon_lom_song.csv", rows)
    assert 25_001 > 4 * CHUNK_ROWS  # earlier chunks were written, then rolled back
    before = _counts(db)
    with pytest.raises(ImportRejected) as caught:
        run_import(db, path, "signal", today=DAY)
    problems = caught.value.problems
    assert [(p.row, p.field, p.value) for p in problems] == [
        (25_001, "Số hộ", "nhiều hộ"), (27_000, "Mã", "T-000001"),
    ]
    assert "dòng 3" in problems[1].message_vi and "row 3" in problems[1].message_en
    assert problems[0].message_vi and problems[0].message_en
    assert _counts(db) == before  # nothing of rows 2-20,001 stayed


def test_a_dry_run_of_a_large_file_writes_nothing_and_previews_its_first_rows(db, tmp_path):
    path = _write_csv(tmp_path / "thon.csv", _village_rows(db, 2 * CHUNK_ROWS + 10))
    before = _counts(db)
    result = run_import(db, path, "signal", today=DAY, dry_run=True)
    assert result.plan.summary()["added"] == 2 * CHUNK_ROWS + 10
    assert result.report.rows_read == 2 * CHUNK_ROWS + 10
    assert [row["row"] for row in result.preview[:3]] == [2, 3, 4]
    assert all(row["action"] == "added" for row in result.preview)
    assert _counts(db) == before


def _states(db, record_id):
    with db.sessions() as session:
        feature = session.scalars(select(Feature).where(Feature.record_id == record_id)).one()
        return [(s.valid_from, s.valid_to, s.status) for s in session.scalars(
            select(FeatureState).where(FeatureState.feature_id == feature.id)
            .order_by(FeatureState.valid_from))]  # fmt: skip


def test_updates_across_chunk_boundaries_land_on_the_right_records(db, tmp_path):
    count = 2 * CHUNK_ROWS + 500
    first = _village_rows(db, count)
    result = run_import(db, _write_csv(tmp_path / "thang_11.csv", first), "signal", today=DAY)
    assert result.plan.summary()["added"] == count
    features, states, version = _counts(db)
    # Next month: the villages on both sides of each chunk boundary are on air.
    edges = [0, CHUNK_ROWS - 1, CHUNK_ROWS, 2 * CHUNK_ROWS - 1, 2 * CHUNK_ROWS, count - 1]
    second = [list(row) for row in first]
    for i in edges:
        second[i][7], second[i][8] = "Đã phát sóng", "05/12/2025"
    second[CHUNK_ROWS + 1][4] = "VNPT"  # one village changes operator, not status
    path = _write_csv(tmp_path / "thang_12.csv", second)
    summary = run_import(db, path, "signal", today=DAY).plan.summary()
    assert (summary["added"], summary["changed"], summary["unchanged"]) == (
        0, len(edges) + 1, count - len(edges) - 1,
    )
    # A new state for each village on air, and one for the new operator (same day: the
    # attributes of a state are the record's own on that day).
    assert _counts(db) == (features, states + len(edges) + 1, version + 1)
    for i in edges:
        assert _states(db, f"T-{i:06d}") == [
            (dt.date(2025, 11, 1), dt.date(2025, 12, 5), "listed"),
            (dt.date(2025, 12, 5), None, "on_air"),
        ]
    assert _states(db, f"T-{CHUNK_ROWS - 2:06d}") == [(dt.date(2025, 11, 1), None, "listed")]
    with db.sessions() as session:
        operator = session.scalars(select(Feature).where(
            Feature.record_id == f"T-{CHUNK_ROWS + 1:06d}")).one().attributes["operator"]
    assert operator == "vnpt"
    again = run_import(db, path, "signal", today=DAY).plan.summary()
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, count)


def test_new_records_get_their_commune_district_and_first_state(db, tmp_path):
    rows = _village_rows(db, CHUNK_ROWS + 3)
    run_import(db, _write_csv(tmp_path / "thon.csv", rows), "signal", today=DAY)
    code, lon, lat = _places(db, CHUNK_ROWS + 3)[-1]
    with db.sessions() as session:
        feature = session.scalars(select(Feature).where(
            Feature.record_id == f"T-{CHUNK_ROWS + 2:06d}")).one()  # fmt: skip
        districts = loader.load_areas(session, "district")
    assert feature.commune_code == code
    inside = districts[districts.contains(shapely.Point(lon, lat))]["code"].tolist()
    assert [feature.district_code] == inside
    assert feature.name == f"Bản Nà Lạn {CHUNK_ROWS + 2}"
    assert feature.name_ascii == f"ban na lan {CHUNK_ROWS + 2}"
    assert feature.geom_type == "Point" and feature.illustrative is False
    assert (feature.x, feature.y) == pytest.approx((lon, lat), abs=1e-6)
    assert feature.attributes["households"] == 10 + (CHUNK_ROWS + 2) % 50
    assert feature.created_at is not None and feature.version == 1
    assert _states(db, feature.record_id) == [(dt.date(2025, 11, 1), None, "listed")]


def test_counted_notes_come_once_per_file_with_the_whole_count(db, tmp_path):
    """Notes that count rows add up over the chunks instead of repeating once per chunk."""
    rows = _village_rows(db, 2 * CHUNK_ROWS + 500, day="")  # no update date on any row
    for i in (10, CHUNK_ROWS + 10, 2 * CHUNK_ROWS + 10):  # one row in each chunk: no position
        rows[i][5] = rows[i][6] = ""
    path = _write_csv(tmp_path / "thon_lom_song.csv", rows)
    notes = run_import(db, path, "signal", today=DAY).report.notes
    count = len(rows)
    assert [n for n in notes if "update date" in n] == [
        f"{count} dòng không ghi ngày cập nhật, đã lấy ngày hôm nay (31/12/2025) / "
        f"{count} row(s) without an update date are dated today (2025-12-31)"
    ]
    shown = f"12, {CHUNK_ROWS + 12}, {2 * CHUNK_ROWS + 12}"
    assert [n for n in notes if "centre" in n] == [
        f"3 dòng chỉ ghi tên xã, không có tọa độ, đã đặt tại trung tâm xã (vị trí gần đúng): "
        f"dòng {shown} / 3 row(s) give only a commune and were placed at its centre "
        f"(approximate position): rows {shown}"
    ]


def _indexed(db) -> tuple[int, int, bool]:
    """How many signal records a province-wide view finds through the spatial index, how many
    there are, and whether the SQLite insert trigger is in place (always True on PostgreSQL)."""
    from portal.store.spatial import overlaps

    with db.sessions() as session:
        dialect = session.connection().dialect.name
        signal = Feature.layer_id == "signal"
        found = session.scalar(select(func.count(Feature.id)).where(
            signal, overlaps(dialect, (105.0, 20.0, 108.5, 23.0))))  # fmt: skip
        total = session.scalar(select(func.count(Feature.id)).where(signal))
        trigger = dialect != "sqlite" or session.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'features_rtree_insert'")) == 1
    return found, total, trigger


def test_imported_records_are_found_through_the_spatial_index(db, tmp_path):
    """The R*Tree filled after each batch holds every imported record; its trigger is back."""
    rows = _village_rows(db, CHUNK_ROWS + 20)
    bad = [list(r) for r in rows]
    bad[CHUNK_ROWS + 5][3] = "nhiều hộ"  # in the second chunk: the first was written already
    found, total, _ = before = _indexed(db)
    assert found == total
    with pytest.raises(ImportRejected):
        run_import(db, _write_csv(tmp_path / "loi.csv", bad), "signal", today=DAY)
    assert _indexed(db) == before  # rolled back: the trigger too is as it was
    run_import(db, _write_csv(tmp_path / "thon.csv", rows), "signal", today=DAY)
    assert _indexed(db) == (found + len(rows), total + len(rows), True)


def test_imports_at_once_leave_the_collector_as_they_found_it():
    import gc

    from portal.services.imports import _fewer_collections

    usual = gc.get_threshold()
    first, second = _fewer_collections(), _fewer_collections()
    first.__enter__()
    raised = gc.get_threshold()
    assert raised[0] >= 20_000
    second.__enter__()
    first.__exit__(None, None, None)  # the first import ends while the second still runs
    assert gc.get_threshold() == raised
    second.__exit__(None, None, None)
    assert gc.get_threshold() == usual


def test_next_months_file_moving_a_village_to_another_commune_moves_it_there(db, tmp_path):
    rows = _village_rows(db, 3)
    run_import(db, _write_csv(tmp_path / "thang_11.csv", rows), "signal", today=DAY)
    code, lon, lat = _places(db, 40)[39]  # a commune none of the three villages is in
    assert code not in {row[2] for row in rows}
    moved = [row[:] for row in rows]
    moved[1][2], moved[1][5], moved[1][6] = code, f"{lon:.6f}", f"{lat:.6f}"
    moved[1][8] = "01/12/2025"
    run_import(db, _write_csv(tmp_path / "thang_12.csv", moved), "signal", today=DAY)
    with db.sessions() as session:
        feature = session.scalars(select(Feature).where(Feature.record_id == "T-000001")).one()
        districts = loader.load_areas(session, "district")
    assert (feature.x, feature.y) == pytest.approx((lon, lat), abs=1e-6)
    assert (feature.minx, feature.miny) == pytest.approx((lon, lat), abs=1e-6)
    assert feature.commune_code == code
    inside = districts[districts.contains(shapely.Point(lon, lat))]["code"].tolist()
    assert [feature.district_code] == inside
