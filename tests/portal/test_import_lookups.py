"""An import asks which of a chunk's ids are stored: one index lookup per id, on both databases.

The layer's rows here are written in the test's own open transaction and the table was never
analysed, as during a first import into a new store. PostgreSQL then knows nothing of the
table: with the ids as a list of bound parameters it scanned the whole layer for each chunk
(100,000 rows went in at 500 rows/s); sent as one array and joined, each id is a lookup in the
unique key whatever the planner knows (`import_writes._looked_up`).
"""

from __future__ import annotations

import json

from sqlalchemy import insert, text

import shapely

from portal.services import bootstrap, import_writes
from portal.store.db import open_database
from portal.store.models import Feature

ROWS = 20_000


POINT = shapely.to_wkb(shapely.Point(106.7, 21.8))


def _rows(layer: str, count: int) -> list[dict]:
    return [{"layer_id": layer, "record_id": f"B-{i:06d}", "name": f"Bản {i}",
             "name_ascii": f"ban {i}", "geom_type": "Point", "x": 106.7, "y": 21.8,
             "geom": POINT, "minx": 106.7, "miny": 21.8, "maxx": 106.7, "maxy": 21.8,
             "attributes": {}} for i in range(count)]  # fmt: skip


def _plan(session, ids: list[str]) -> str:
    """The database's plan of the stored-ids query, as it runs it."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {import_writes._STORED_SQLITE.text}"),
                                  {"layer": "signal", "ids": json.dumps(ids)})  # fmt: skip
        return " ".join(row[-1] for row in rows)
    query = import_writes._looked_up("signal", ids, "record_id")
    compiled = query.compile(dialect=connection.dialect)
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(row[0] for row in rows)


def test_the_stored_ids_of_a_chunk_are_looked_up_in_the_unique_key(empty_db_url):
    db = open_database(empty_db_url)
    bootstrap.init_schema(db)
    with db.sessions() as session:
        session.execute(insert(Feature), _rows("signal", ROWS) + _rows("industry", 50))
        asked = [f"B-{i:06d}" for i in range(ROWS - 3000, ROWS + 2000)] + ["", "b-000001"]
        stored = import_writes._stored_ids(session, "signal", asked)
        assert stored == [f"B-{i:06d}" for i in range(ROWS - 3000, ROWS)]
        assert import_writes._stored_ids(session, "industry", asked) == []
        named = list(import_writes._features_named(session, "signal", stored[:450]))
        assert sorted(f.record_id for f in named) == stored[:450]
        plan = _plan(session, asked)
        session.rollback()
    dialect = db.engine.dialect.name
    db.engine.dispose()
    if dialect == "sqlite":
        assert "SEARCH features USING COVERING INDEX sqlite_autoindex_features_1" in plan, plan
    else:
        assert plan.startswith("Nested Loop"), plan
        assert "Scan using uq_feature_layer_record on features" in plan, plan
        assert "Filter" not in plan and "Seq Scan" not in plan and "Hash" not in plan, plan
