"""Shared fixtures: a real SQLite store prepared once per session, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal import bootstrap, create_app
from portal.store.db import open_database


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """A SQLite file with schema, derived boundaries and demo data, built once."""
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    db = open_database(f"sqlite:///{path}")
    bootstrap.prepare(db, seed=True)
    db.engine.dispose()
    return path


@pytest.fixture
def db_path(template_db, tmp_path) -> Path:
    """A private copy of the prepared store for one test."""
    path = tmp_path / "portal.sqlite3"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def app(db_path, tmp_path):
    """The portal on a real SQLite file."""
    application = create_app(
        {
            "database_url": f"sqlite:///{db_path}",
            "instance_path": tmp_path,
            "default_as_of": "2025-11-30",
            "auto_seed": False,
        }
    )
    application.config["TESTING"] = True
    yield application
    application.extensions["portal_db"].engine.dispose()


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    """Remember every skipped test: a skip is a defect here, not an option."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when anything was skipped (STYLE.md §7: CI fails on skips)."""
    if _skipped and exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) skipped; skipping is not allowed: {_skipped[:5]}")
        session.exitstatus = 1
