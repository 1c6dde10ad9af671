"""A large import fills the SQLite R*Tree in a thread while it checks the next chunk (issue 11).

The fill runs on the import's own connection: whatever the import sends next waits for it, and
what the fill raised is raised there, so the store sees the statements of a serial import.
"""

import csv
import datetime as dt

import pytest
from sqlalchemy import func, insert, select, text

import shapely

from geodata.readers_stream import CHUNK_ROWS
from portal.services.imports import run_import
from portal.store import loader
from portal.store.db import open_database
from portal.store.models import Feature
from portal.store.spatial import rtree_filled_after, rtree_fills_in_background

HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật"]  # fmt: skip


@pytest.fixture
def db(db_path):
    database = open_database(f"sqlite:///{db_path}")
    yield database
    database.engine.dispose()


def _office_csv(db, path, count):
    """A dead-zone village list as a district office sends it: VN text, dd/mm/yyyy dates."""
    with db.sessions() as session:
        communes = loader.load_areas(session, "commune")
    points = shapely.point_on_surface(communes.geometry.to_numpy())
    places = list(zip(communes["code"], points, strict=True))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(count):
            code, point = places[i % len(places)]
            writer.writerow([f"LS-{i:06d}", f"Thôn Khuổi Phầy {i}", code, str(12 + i % 40),
                             "VNPT", f"{point.x:.6f}".replace(".", ","),
                             f"{point.y:.6f}".replace(".", ","), "Trong danh sách lõm sóng",
                             f"{1 + i % 28:02d}/{1 + i % 12:02d}/2025"])  # fmt: skip
    return path


def _rtree_matches_features(db):
    with db.sessions() as session:
        features = session.scalar(select(func.count(Feature.id)))
        boxed = session.scalar(text(
            "SELECT count(*) FROM features f JOIN features_rtree r ON r.id = f.id "
            "WHERE r.minx <= f.minx AND r.maxx >= f.maxx AND r.miny <= f.miny AND r.maxy >= f.maxy"
        ))  # fmt: skip
        indexed = session.scalar(text("SELECT count(*) FROM features_rtree"))
    return features == boxed == indexed


def test_a_file_of_several_chunks_is_indexed_and_the_trigger_serves_later_records(db, tmp_path):
    path = _office_csv(db, tmp_path / "thon_lom_song_lang_son.csv", 2 * CHUNK_ROWS + 7)
    result = run_import(db, path, "signal", today=dt.date(2025, 12, 31))
    assert result.plan.count("added") == 2 * CHUNK_ROWS + 7
    assert _rtree_matches_features(db)
    with db.transaction() as session:  # a record added one by one afterwards: the trigger
        row = session.execute(select(Feature).limit(1)).scalar_one()
        values = {c.name: getattr(row, c.name) for c in Feature.__table__.columns if c.name != "id"}
        session.execute(insert(Feature).values({**values, "record_id": "LS-SAU-NHAP"}))
    assert _rtree_matches_features(db)


def test_the_next_statement_waits_for_the_fill_and_raises_what_it_raised(db):
    after_the_statement = []
    with pytest.raises(RuntimeError, match="fill failed"), db.transaction() as session:
        with rtree_fills_in_background(session) as later:
            before = session.scalar(text("SELECT count(*) FROM features_rtree"))

            def failing() -> None:
                raise RuntimeError("fill failed")

            later.start(failing)
            session.scalar(text("SELECT 1"))  # waits for the fill, and raises its error
            after_the_statement.append(True)
    assert after_the_statement == []
    with db.sessions() as session:  # rolled back, nothing changed
        assert session.scalar(text("SELECT count(*) FROM features_rtree")) == before


def test_a_block_that_fails_rolls_back_its_fill_and_keeps_its_own_error(db):
    with db.sessions() as session:
        before = session.scalar(text("SELECT count(*) FROM features_rtree"))
    with pytest.raises(ZeroDivisionError), db.transaction() as session:
        with rtree_fills_in_background(session) as later:
            with rtree_filled_after(session, later):
                row = session.execute(select(Feature).limit(1)).scalar_one()
                values = {c.name: getattr(row, c.name) for c in Feature.__table__.columns
                          if c.name != "id"}  # fmt: skip
                session.execute(insert(Feature).values({**values, "record_id": "LS-LOI"}))
            1 / 0  # noqa: B018 - the block's own error, while the fill may still run
    with db.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM features_rtree")) == before
        trigger = "SELECT count(*) FROM sqlite_master WHERE name = 'features_rtree_insert'"
        assert session.scalar(text(trigger)) == 1
    assert _rtree_matches_features(db)
