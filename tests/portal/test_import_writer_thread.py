"""A chunk is written in a thread while the next one is parsed; a failure there loses nothing.

`portal.services.import_chunks.ChunkWriter` runs each chunk's database step in one thread.
What that step raises reaches the import, the transaction is rolled back whole (the chunks
written before it too), and the store is as it was.
"""

import contextvars
import csv
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

import shapely

from geodata.readers_stream import CHUNK_ROWS
from portal.services.import_chunks import chunk_writer
from portal.services.imports import run_import
from portal.store import loader
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState

HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật"]  # fmt: skip
REFUSED = f"LS-{2 * CHUNK_ROWS + 20:06d}"  # in the third chunk

SQLITE_RULE = f"""CREATE TRIGGER no_village BEFORE INSERT ON features
WHEN NEW.record_id = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'the store refuses {REFUSED}'); END"""
PG_RULE = [
    f"""CREATE FUNCTION no_village() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.record_id = '{REFUSED}' THEN RAISE EXCEPTION 'the store refuses {REFUSED}'; END IF;
    RETURN NEW; END $$""",
    "CREATE TRIGGER no_village BEFORE INSERT ON features FOR EACH ROW EXECUTE FUNCTION "
    "no_village()",
]


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    yield database
    database.engine.dispose()


def _office_csv(db, path, count):
    """A dead-zone village list as a district office sends it."""
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
                             "VNPT", f"{point.x:.6f}", f"{point.y:.6f}",
                             "Trong danh sách lõm sóng", "05/11/2025"])  # fmt: skip
    return path


def _state(db):
    with db.sessions() as session:
        counts = (session.scalar(select(func.count(Feature.id))),
                  session.scalar(select(func.count(FeatureState.id))),
                  session.scalar(text("SELECT count(*) FROM change_log")),
                  loader.data_version(session))  # fmt: skip
        if session.get_bind().dialect.name == "sqlite":
            counts += (session.scalar(text("SELECT count(*) FROM features_rtree")),
                       session.scalar(text("SELECT count(*) FROM sqlite_master "
                                           "WHERE name = 'features_rtree_insert'")))  # fmt: skip
    return counts


def test_a_chunk_the_store_refuses_in_the_writer_thread_rolls_back_every_chunk(db, tmp_path):
    with db.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text(SQLITE_RULE))
        else:
            for statement in PG_RULE:
                session.execute(text(statement))
    before = _state(db)
    path = _office_csv(db, tmp_path / "thon_lom_song.csv", 3 * CHUNK_ROWS + 40)
    assert 2 * CHUNK_ROWS < int(REFUSED[3:]) < 3 * CHUNK_ROWS  # two chunks were written before
    with pytest.raises(Exception, match=f"the store refuses {REFUSED}"):
        run_import(db, path, "signal", today=dt.date(2025, 12, 1))
    assert _state(db) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("import-write")]


def test_a_failing_block_waits_for_the_chunk_under_way_and_keeps_its_own_error():
    started, order = threading.Event(), []

    def step() -> None:
        started.wait()
        order.append("chunk written")

    with pytest.raises(ZeroDivisionError), chunk_writer() as writer:
        writer.submit(step)
        started.set()
        1 / 0  # noqa: B018 - the block's own error while the chunk is written
    order.append("error raised")
    assert order == ["chunk written", "error raised"]


def test_an_error_of_the_writer_is_raised_where_the_next_chunk_is_handed_over():
    def failing() -> None:
        raise ValueError("chunk 1 failed")

    handed = []
    with pytest.raises(ValueError, match="chunk 1 failed"), chunk_writer() as writer:
        writer.submit(failing)
        writer.submit(handed.append, "chunk 2")  # waits for chunk 1 and raises its error
    assert handed == []


USER = contextvars.ContextVar("user", default="anonymous")


def test_a_chunk_is_written_in_the_context_of_the_request_that_imports_it():
    """The API's scope check reads the signed-in user, which Flask keeps in the context."""
    seen = []
    token = USER.set("telecom-editor-cao-loc")
    try:
        with chunk_writer() as writer:
            writer.submit(lambda: seen.append(USER.get()))
    finally:
        USER.reset(token)
    assert seen == ["telecom-editor-cao-loc"]
