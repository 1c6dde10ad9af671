"""The rasters table: which raster of a kind the map shows "as of" a day, and to whom."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from portal.store import rasters
from portal.web.database import get_database


def _add(session, kind: str, day: dt.date, *, public: bool = True, name: str = "") -> int:
    row = rasters.add_raster(
        session, kind=kind, name_vi=name or f"{kind} {day}", name_en=name or f"{kind} {day}",
        unit="m", source="Sở TN&MT", as_of=day, provenance="illustrative", public=public,
        file_name=f"{kind}-{day}.tif", sha256="0" * 64, file_bytes=1024,
        crs="EPSG:4326", width=10, height=10, band_count=1, dtype="float32", nodata=-9999.0,
        west=106.0, south=21.5, east=107.0, north=22.5,
        style={"colormap": "terrain", "vmin": 0, "vmax": 1500, "opacity": 0.7},
        stats=[{"min": 0.0, "max": 1500.0, "mean": 600.0, "valid_cells": 100}],
        created_by="quantri",
    )
    return row.id


def test_the_migration_makes_the_rasters_table(app):
    engine = get_database(app).engine
    columns = {c["name"] for c in inspect(engine).get_columns("rasters")}
    assert {"kind", "as_of", "public", "file_name", "crs", "style", "withdrawn_at"} <= columns


def test_the_latest_raster_of_each_kind_on_or_before_the_day_is_shown(app):
    with get_database(app).transaction() as session:
        old = _add(session, "elevation", dt.date(2024, 1, 1))
        new = _add(session, "elevation", dt.date(2025, 6, 1))
        people = _add(session, "population", dt.date(2025, 1, 1))
    with get_database(app).transaction() as session:
        shown = rasters.current_rasters(session, dt.date(2025, 5, 31))
        assert [(r.kind, r.id) for r in shown] == [("elevation", old), ("population", people)]
        shown = rasters.current_rasters(session, dt.date(2025, 6, 1))
        assert [(r.kind, r.id) for r in shown] == [("elevation", new), ("population", people)]
        assert rasters.current_rasters(session, dt.date(2023, 12, 31)) == []
        assert [r.id for r in rasters.current_rasters(session)] == [new, people]


def test_the_public_never_sees_a_private_raster_nor_a_withdrawn_one(app):
    with get_database(app).transaction() as session:
        public = _add(session, "flood_depth", dt.date(2025, 1, 1))
        private = _add(session, "flood_depth", dt.date(2025, 3, 1), public=False)
        withdrawn = _add(session, "slope", dt.date(2025, 1, 1))
        rasters.get_raster(session, withdrawn).withdrawn_at = dt.datetime(2025, 2, 1)
    with get_database(app).transaction() as session:
        day = dt.date(2025, 12, 31)
        assert [r.id for r in rasters.current_rasters(session, day)] == [public]
        assert [r.id for r in rasters.current_rasters(session, day, public_only=False)] == [private]
        assert rasters.current_raster(session, "slope", day, public_only=False) is None
        assert [r.id for r in rasters.rasters_of_kind(session, "slope")] == [withdrawn]


def test_a_raster_file_lives_in_the_instance_rasters_folder(tmp_path, app):
    with get_database(app).transaction() as session:
        row = rasters.get_raster(session, _add(session, "population", dt.date(2025, 1, 1)))
        expected = tmp_path / "rasters" / "population-2025-01-01.tif"
        assert rasters.raster_path(tmp_path, row) == expected
