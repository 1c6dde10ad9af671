"""The import benchmark (scripts/bench_import.py) end to end on 400 rows, on this pass's store.

On the PostGIS pass it builds its base store in ``<test database>_import`` and imports into a
copy made from it, as ``--postgres`` does from the command line; the test checks that every
row went in and that the databases it made are gone afterwards.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.scripts_loading import load_script


def _bench_import():
    return load_script("bench_import")


def _databases_named(prefix: str) -> list[str]:
    admin = create_engine(make_url(PG_URL).set(database="postgres"))
    with admin.connect() as connection:
        names = connection.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                   {"p": prefix + "%"}).all()  # fmt: skip
    admin.dispose()
    return names


def test_the_import_benchmark_imports_every_row_of_both_formats(capsys, boundaries):
    results = _bench_import().run(400, postgres=PG_URL, boundaries=boundaries)
    assert {fmt: r["rows"] for fmt, r in results.items()} == {"csv": 400, "xlsx": 400}
    assert all(r["rows_per_second"] > 0 and r["peak_mb"] > 0 for r in results.values())
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == f"store: {'PostGIS' if PG_URL else 'SQLite'}"
    if PG_URL:
        assert _databases_named(make_url(PG_URL).database + "_import") == []
