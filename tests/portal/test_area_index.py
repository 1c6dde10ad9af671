"""The area index: the counts of SQL, kept up to date by every kind of edit, in every process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

import shapely

from layers import CATALOGUE, get_layer
from portal import create_app
from portal.services import imports, revert
from portal.services.accounts import create_user
from portal.services.editing import records
from portal.store import loader
from portal.store.area_index import AreaIndex
from portal.store.db import open_database
from portal.store.models import AuditEvent, Feature, FeatureState
from portal.store.progress import area_progress, tally_areas
from portal.web.database import get_area_index, get_database

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = dt.date.today()
LEVELS = ("commune", "district", "province")


def _unsummed(layer) -> frozenset:
    return frozenset({layer.generic_statuses.get("cancelled")})


def assert_same_tallies(index_answer, sql_answer) -> None:
    """Counts per area and status exactly equal; progress sums equal up to float rounding."""
    assert index_answer is not None
    assert set(index_answer) == set(sql_answer)
    for code, tally in sql_answer.items():
        mine = index_answer[code]
        assert (mine.count, dict(mine.status_counts)) == (tally.count, dict(tally.status_counts))
        assert mine.progress_sum == pytest.approx(tally.progress_sum, rel=1e-12, abs=1e-9)


def assert_index_matches_sql(session, index: AreaIndex, as_of: dt.date) -> None:
    """Every layer, every level: the index's tallies and progress rows are SQL's."""
    for layer in CATALOGUE:
        for level in LEVELS:
            sql = tally_areas(session, layer.id, level, as_of, _unsummed(layer))
            assert_same_tallies(index.tally(session, layer.id, level, as_of, _unsummed(layer)),
                                sql)
            with_index = area_progress(session, layer, level, as_of, index=index)
            assert with_index == area_progress(session, layer, level, as_of)


def progress_json(client, layer: str, level: str, as_of: dt.date) -> list[dict]:
    response = client.get(f"/api/progress?layer={layer}&level={level}&as_of={as_of}")
    assert response.status_code == 200
    return response.get_json()


def sql_progress(app, layer: str, level: str, as_of: dt.date) -> list[dict]:
    """The progress rows counted in SQL (no index), as /api/progress shows them to the public."""
    from portal.services import disclosure

    with get_database(app).sessions() as session:
        rows = area_progress(session, get_layer(layer), level, as_of)
    return [r.as_dict() for r in disclosure.shown_progress(get_layer(layer), rows, None)]


def admin(app, name: str = "root"):
    with get_database(app).transaction() as session:
        return create_user(session, name, "correct horse battery staple", "admin")


def signal_record(session, status: str | None = None) -> Feature:
    query = (select(Feature).join(FeatureState, FeatureState.feature_id == Feature.id)
             .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None)))
    if status:
        query = query.where(FeatureState.status == status)
    return session.scalars(query.order_by(Feature.id)).first()


# --- the same values as SQL ------------------------------------------------------------------


def test_the_index_gives_the_sql_tallies_for_every_layer_and_level_of_the_demo(app):
    index = AreaIndex()
    with get_database(app).sessions() as session:
        assert_index_matches_sql(session, index, TODAY)
        assert_index_matches_sql(session, index, dt.date(2100, 1, 1))
    assert index.reloads == len(CATALOGUE)  # each layer read once, then answered from memory


def test_paused_cancelled_and_summed_progress_count_as_in_sql(app):
    user = admin(app)
    db = get_database(app)
    with db.transaction() as session:
        roads = session.scalars(select(Feature).where(Feature.layer_id == "transport")
                                .order_by(Feature.id)).all()[:3]
        transport = get_layer("transport")
        for road, status, progress in zip(roads, ("paused", "cancelled", None), (55.5, 12.25, 33.3),
                                          strict=True):
            status_id = transport.generic_statuses.get(status) if status else None
            records.change_status(session, road.id, road.version, status_id, progress, TODAY, None,
                                  user, "site visit", today=TODAY)
        village = signal_record(session, "listed")
        records.change_status(session, village.id, village.version,
                              get_layer("signal").generic_statuses["cancelled"], None, TODAY,
                              None, user, "no longer needed", today=TODAY)
    with db.sessions() as session:
        assert_index_matches_sql(session, AreaIndex(), TODAY)
        tally = AreaIndex().tally(session, "transport", "province", TODAY, _unsummed(transport))
        statuses = tally["20"].status_counts
        assert statuses[transport.generic_statuses["paused"]] >= 1
        assert statuses[transport.generic_statuses["cancelled"]] >= 1


def test_an_empty_store_has_an_empty_index(empty_db_url):
    db = open_database(empty_db_url)
    from portal.services import bootstrap

    bootstrap.init_schema(db)
    with db.sessions() as session:
        for layer in CATALOGUE:
            assert AreaIndex().tally(session, layer.id, "commune", TODAY) == {}
            assert tally_areas(session, layer.id, "commune", TODAY) == {}
    db.engine.dispose()


# --- kept up to date by every kind of edit ---------------------------------------------------


def _all_levels_match(app, client, layer: str) -> None:
    for level in LEVELS:
        assert progress_json(client, layer, level, TODAY) == sql_progress(app, layer, level, TODAY)


def test_every_kind_of_edit_updates_the_index_without_reloading_it(app, client):
    user = admin(app)
    db = get_database(app)
    index = get_area_index(app)
    _all_levels_match(app, client, "signal")
    reloads = index.reloads
    signal = get_layer("signal")
    first_state = signal.statuses[0].id
    with db.transaction() as session:  # create
        created = records.create_feature(
            session, signal, shapely.Point(106.76, 21.85), {"village": "Bản Mới", "households": 40},
            records.NewState(status=first_state, date=TODAY), user, "new village",
            name="Bản Mới", today=TODAY)  # fmt: skip
        new_id = created.id
    _all_levels_match(app, client, "signal")
    with db.transaction() as session:  # move into another commune and district
        feature = session.get(Feature, new_id)
        records.update_feature(session, new_id, feature.version,
                               {"geometry": shapely.Point(106.25, 21.70)}, user, "moved",
                               today=TODAY)  # fmt: skip
    _all_levels_match(app, client, "signal")
    with db.transaction() as session:  # status
        feature = session.get(Feature, new_id)
        records.change_status(session, new_id, feature.version, signal.statuses[1].id, None,
                              TODAY, None, user, "agreed", today=TODAY)  # fmt: skip
    _all_levels_match(app, client, "signal")
    with db.transaction() as session:  # delete
        feature = session.get(Feature, new_id)
        records.delete_feature(session, new_id, feature.version, user, "duplicate", today=TODAY)
    _all_levels_match(app, client, "signal")
    with db.transaction() as session:  # restore
        feature = session.get(Feature, new_id)
        records.restore_feature(session, new_id, feature.version, user, "not a duplicate",
                                today=TODAY)  # fmt: skip
    _all_levels_match(app, client, "signal")
    with db.transaction() as session:  # revert the restore: deleted again
        event = session.scalars(select(AuditEvent).where(AuditEvent.feature_id == new_id)
                                .order_by(AuditEvent.id.desc())).first()
        revert.revert(session, event.id, user, "restored by mistake", today=TODAY)
    _all_levels_match(app, client, "signal")
    assert index.reloads == reloads  # all of it caught up record by record


def test_imports_new_and_changed_records_update_the_index(app, client):
    db = get_database(app)
    index = get_area_index(app)
    _all_levels_match(app, client, "signal")
    reloads = index.reloads
    imports.run_import(db, DATA / "office_report_villages.xlsx", "signal", today=TODAY)
    _all_levels_match(app, client, "signal")
    imports.run_import(db, DATA / "office_report_villages_next_month.xlsx", "signal",
                       today=TODAY)  # fmt: skip
    _all_levels_match(app, client, "signal")
    assert index.reloads == reloads


def test_an_edit_through_one_worker_is_counted_by_another(db_url, tmp_path):
    settings = {"database_url": db_url, "default_as_of": "2025-11-30", "auto_seed": False}
    first = create_app({**settings, "instance_path": tmp_path / "a"})
    second = create_app({**settings, "instance_path": tmp_path / "b"})
    before = progress_json(second.test_client(), "signal", "commune", TODAY)
    user = admin(first)
    with get_database(first).transaction() as session:
        village = signal_record(session, "listed")
        commune = village.commune_code
        records.change_status(session, village.id, village.version, "site_agreed", None, TODAY,
                              None, user, "site visit", today=TODAY)  # fmt: skip
    after = progress_json(second.test_client(), "signal", "commune", TODAY)
    assert after == sql_progress(first, "signal", "commune", TODAY)
    row_before = next(r for r in before if r["code"] == commune)
    row_after = next(r for r in after if r["code"] == commune)
    assert row_after["status_counts"].get("listed", 0) == row_before["status_counts"]["listed"] - 1
    assert row_after["status_counts"].get("site_agreed", 0) == \
        row_before["status_counts"].get("site_agreed", 0) + 1  # fmt: skip
    assert get_area_index(second).reloads == 1  # caught up from the log, not reloaded
    for application in (first, second):
        application.extensions["portal_db"].engine.dispose()


def test_a_date_before_the_latest_change_is_counted_in_sql_and_stays_right(app, client):
    user = admin(app)
    yesterday = TODAY - dt.timedelta(days=1)
    before = progress_json(client, "signal", "commune", yesterday)
    with get_database(app).transaction() as session:
        village = signal_record(session, "listed")
        records.change_status(session, village.id, village.version, "site_agreed", None, TODAY,
                              None, user, "site visit", today=TODAY)  # fmt: skip
    with get_database(app).sessions() as session:
        assert get_area_index(app).tally(session, "signal", "commune", yesterday) is None
    assert progress_json(client, "signal", "commune", yesterday) == before
    assert progress_json(client, "signal", "commune", TODAY) != before
    _all_levels_match(app, client, "signal")


def test_a_bulk_write_of_a_whole_layer_reloads_that_layer(app, client):
    index = get_area_index(app)
    _all_levels_match(app, client, "signal")
    reloads = index.reloads
    with get_database(app).transaction() as session:
        loader.delete_illustrative(session)
        loader.bump_data_version(session)
    _all_levels_match(app, client, "signal")
    assert index.reloads == reloads + 1


def test_an_index_behind_a_pruned_log_reloads_and_stays_right(app, client, monkeypatch):
    from portal.store import change_log

    monkeypatch.setattr(change_log, "KEEP", 1)
    monkeypatch.setattr(change_log, "PRUNE_EVERY", 1)
    index = get_area_index(app)
    _all_levels_match(app, client, "signal")
    reloads = index.reloads
    user = admin(app)
    db = get_database(app)
    with db.sessions() as session:
        ids = [f.id for f in session.scalars(
            select(Feature).join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status == "listed").order_by(Feature.id).limit(2))]  # fmt: skip
    assert len(ids) == 2
    for feature_id in ids:
        with db.transaction() as session:
            feature = session.get(Feature, feature_id)
            records.change_status(session, feature_id, feature.version, "site_agreed", None,
                                  TODAY, None, user, "site visit", today=TODAY)  # fmt: skip
    with db.sessions() as session:
        assert change_log.floor(session) > 0  # entries this index had not read are gone
    _all_levels_match(app, client, "signal")
    assert index.reloads == reloads + 1
