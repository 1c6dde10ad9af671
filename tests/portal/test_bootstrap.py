"""Preparing a store on first start, as ``langson-portal run`` does.

The session's ``template_db`` is prepared from the run's shared boundary set (passed to
``prepare``); this checks the first-start path without it: ``prepare`` derives the boundaries
itself and gives a store with the same areas, records and targets as the template.
"""

from __future__ import annotations

import sqlite3

from portal.services import bootstrap
from portal.store.db import open_database

#: Table -> columns compared (every column but the times a row was written).
COMPARED = {
    "areas": "*",
    "features": "id, layer_id, record_id, name, geom_type, x, y, commune_code, district_code, "
                "attributes, illustrative, geom",
    "feature_states": "id, feature_id, layer_id, valid_from, valid_to, status, progress, "
                      "attributes, author, note",
    "targets": "*",
}


def rows(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT {COMPARED[table]} FROM {table} ORDER BY id").fetchall()


def test_first_start_derives_the_boundaries_and_matches_the_template(
    boundaries, template_db, tmp_path, monkeypatch
):
    derived = []

    def derive():
        derived.append(True)  # the same deterministic set, without a second 30 s build
        return boundaries

    monkeypatch.setattr(bootstrap, "build_approximate_boundaries", derive)
    path = tmp_path / "first-start.sqlite3"
    db = open_database(f"sqlite:///{path}")
    try:
        report = bootstrap.prepare(db, seed=True)
        assert derived == [True]
        assert set(report) == {"boundaries_seconds", "demo_records"}
        assert report["demo_records"] > 2000
        assert bootstrap.prepare(db, seed=True) == {}, "a prepared store is left as it is"
        assert derived == [True]
    finally:
        db.engine.dispose()
    for table in COMPARED:
        assert rows(path, table) == rows(template_db, table), table
