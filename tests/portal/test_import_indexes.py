"""Migrations 0008 and 0012: no index on the layer id alone, lookups by layer still indexed;
the states and positions of a layer keyed so that new records go to the end of their index."""

import datetime as dt

from alembic import command
from sqlalchemy import create_engine, inspect, text

from portal.store.db import open_database
from portal.store.migrate import alembic_config, upgrade
from portal.store.models import Feature, FeatureState
from portal.store.progress import tally_areas


def _feature_indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("features")}


def _downgrade(engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_a_new_store_has_no_index_on_layer_id_alone_and_the_downgrade_brings_it_back(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    upgrade(engine)
    indexes = _feature_indexes(engine)
    assert "ix_features_layer_id" not in indexes
    assert {"ix_feature_layer_xy", "ix_features_name_ascii"} <= indexes
    assert indexes == {i.name for i in Feature.__table__.indexes}  # the model says the same
    with engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM features WHERE layer_id = 'signal'"
        )))  # fmt: skip
    assert "USING" in plan and "INDEX" in plan  # the unique key or (layer_id, x, y): no scan
    _downgrade(engine, "0007")
    assert "ix_features_layer_id" in _feature_indexes(engine)
    upgrade(engine)
    assert "ix_features_layer_id" not in _feature_indexes(engine)
    engine.dispose()


def _index_columns(engine, table: str, name: str) -> list[str]:
    return next(i["column_names"] for i in inspect(engine).get_indexes(table) if i["name"] == name)


def _plan(engine, sql: str) -> str:
    with engine.connect() as connection:
        return " ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


CURRENT = ("SELECT feature_id, status, progress FROM feature_states "
           "WHERE layer_id = 'signal' AND valid_to IS NULL AND valid_from <= '2025-11-30'")
POSITIONS = "SELECT id, x, y FROM features WHERE layer_id = 'signal'"


def _answers(url: str) -> tuple:
    """What the two indexes serve: per-area tallies on two dates, and a layer's positions."""
    db = open_database(url)
    with db.sessions() as session:
        tallies = {(layer, level, day): tally_areas(session, layer, level, day)
                   for layer in ("signal", "housing", "industry")
                   for level in ("commune", "district")
                   for day in (dt.date(2025, 6, 30), dt.date(2025, 11, 30))}  # fmt: skip
        positions = session.execute(text(POSITIONS)).all()
    db.engine.dispose()
    return tallies, sorted(positions)


def test_0012_keys_states_and_positions_by_record_and_answers_as_before(db_path):
    url = f"sqlite:///{db_path}"
    engine = create_engine(url)
    assert _index_columns(engine, "feature_states", "ix_state_layer_valid") == [
        "layer_id", "valid_to", "feature_id", "valid_from", "status", "progress"]
    assert _index_columns(engine, "features", "ix_feature_layer_xy") == ["layer_id", "id", "x", "y"]
    for table, model in (("features", Feature), ("feature_states", FeatureState)):
        declared = {i.name: [c.name for c in i.columns] for i in model.__table__.indexes}
        assert {i["name"]: i["column_names"] for i in inspect(engine).get_indexes(table)
                if i["name"] in declared} == declared, table  # fmt: skip
    assert "COVERING INDEX ix_state_layer_valid" in _plan(engine, CURRENT)
    assert "COVERING INDEX ix_feature_layer_xy" in _plan(engine, POSITIONS)
    after = _answers(url)
    assert len(after[1]) > 100 and any(t for t in after[0].values())

    _downgrade(engine, "0011")
    assert _index_columns(engine, "feature_states", "ix_state_layer_valid") == [
        "layer_id", "valid_to", "valid_from", "feature_id", "status", "progress"]
    assert _index_columns(engine, "features", "ix_feature_layer_xy") == ["layer_id", "x", "y"]
    assert _answers(url) == after
    upgrade(engine)
    assert _index_columns(engine, "features", "ix_feature_layer_xy") == ["layer_id", "id", "x", "y"]
    engine.dispose()
