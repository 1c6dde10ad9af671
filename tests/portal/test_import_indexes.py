"""Migration 0008: no index on the layer id alone, lookups by layer still indexed."""

from alembic import command
from sqlalchemy import create_engine, inspect, text

from portal.store.migrate import alembic_config, upgrade
from portal.store.models import Feature


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
