"""Shared fixtures: the derived boundaries built once per run, and a real store prepared once
from them, copied per test.

The store is a SQLite file, or, when ``PORTAL_TEST_DATABASE_URL`` names a PostgreSQL database
(``postgresql+psycopg://user:password@127.0.0.1/portal_test``), a PostgreSQL database built once
as a template and copied per test with ``CREATE DATABASE … TEMPLATE``. The role needs CREATEDB.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

import shapely

from geodata.boundaries import BoundarySet, build_approximate_boundaries
from portal import create_app
from portal.services import bootstrap
from portal.store.db import open_database

#: The PostgreSQL database the tests run on instead of SQLite files (empty: SQLite).
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def _fingerprint(boundaries: BoundarySet) -> str:
    """A digest of every level's attributes, geometries and CRS."""
    digest = hashlib.sha256()
    for frame in (boundaries.province, boundaries.districts, boundaries.legacy_communes,
                  boundaries.communes):
        digest.update(frame.drop(columns=frame.geometry.name).to_csv().encode())
        digest.update(b"".join(shapely.to_wkb(frame.geometry.to_numpy())))
        digest.update(str(frame.crs).encode())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def boundaries() -> BoundarySet:
    """The derived boundary set, built once per run (20 to 40 s) for every test that needs it.

    geodata's and layers' tests use it as it is; ``template_db`` stores this same set. The set is
    shared, so no test may change it: the run fails if one did.
    """
    built = build_approximate_boundaries()
    before = _fingerprint(built)
    yield built
    assert _fingerprint(built) == before, "a test changed the shared boundary set"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, boundaries) -> Path:
    """A SQLite file with schema, the derived boundaries and demo data, built once."""
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    db = open_database(f"sqlite:///{path}")
    bootstrap.prepare(db, seed=True, boundaries=boundaries)
    db.engine.dispose()
    return path


@pytest.fixture
def db_path(template_db, tmp_path) -> Path:
    """A private copy of the prepared SQLite store for one test."""
    path = tmp_path / "portal.sqlite3"
    shutil.copy(template_db, path)
    return path


class Stores:
    """New databases for tests: SQLite files, or PostgreSQL databases when ``PG_URL`` is set."""

    def __init__(self, pg_url: str) -> None:
        self.pg_url = make_url(pg_url) if pg_url else None
        self.admin = (create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
                      if self.pg_url else None)
        self.names = (f"{self.pg_url.database}_{os.getpid()}_{n}" for n in itertools.count())
        self.made: list[str] = []

    def new(self, folder: Path, template: str | None = None) -> str:
        """The URL of a new database: a copy of ``template`` (a URL from here) or empty."""
        if self.admin is None:
            path = folder / "portal.sqlite3"
            if template:
                shutil.copy(make_url(template).database, path)
            return f"sqlite:///{path}"
        name = next(self.names)
        source = make_url(template).database if template else "template1"
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        self.made.append(name)
        return self.pg_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove a database made by ``new`` (a SQLite file goes with its test's folder)."""
        name = make_url(url).database
        if self.admin is not None and name in self.made:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.made.remove(name)

    def close(self) -> None:
        """Drop every database still left and close the admin connection."""
        for name in list(self.made):
            self.drop(self.pg_url.set(database=name).render_as_string(hide_password=False))
        if self.admin is not None:
            self.admin.dispose()


@pytest.fixture(scope="session")
def stores() -> Stores:
    """The run's maker of test databases (see ``Stores``)."""
    made = Stores(PG_URL)
    yield made
    made.close()


@pytest.fixture(scope="session")
def template_url(stores, tmp_path_factory, boundaries) -> str:
    """The URL of a store with schema, the derived boundaries and demo data, built once."""
    url = stores.new(tmp_path_factory.mktemp("template-store"))
    db = open_database(url)
    bootstrap.prepare(db, seed=True, boundaries=boundaries)
    db.engine.dispose()
    return url


@pytest.fixture
def db_url(stores, template_url, tmp_path) -> str:
    """The URL of a private copy of the prepared store for one test."""
    url = stores.new(tmp_path, template_url)
    yield url
    stores.drop(url)


@pytest.fixture
def empty_db_url(stores, tmp_path) -> str:
    """The URL of a new, empty database for one test."""
    url = stores.new(tmp_path / "empty")
    yield url
    stores.drop(url)


@pytest.fixture
def app(db_url, tmp_path):
    """The portal on a real store (SQLite, or PostgreSQL when ``PG_URL`` is set)."""
    application = create_app(
        {
            "database_url": db_url,
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    from portal.cli.serve import free_port as portal_free_port

    return portal_free_port()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=10)
    raise RuntimeError(f"portal did not start within {deadline_s} s; log:\n{log.read_text()}")


@dataclass
class LivePortal:
    """A portal served by the console script: its base URL and its (master) process."""

    base: str
    process: subprocess.Popen


@contextmanager
def running_portal(db_url: str, folder: Path, *args: str, **settings: str) -> Iterator[LivePortal]:
    """Serve the store at ``db_url`` with the real console script; yield it once it answers.

    ``args`` are extra ``run`` options (``"--workers", "2"``); ``settings`` are extra portal
    settings by name (``secure_cookies="true"`` is passed as ``PORTAL_SECURE_COOKIES``); the
    server's log is ``folder/server.log``. The process is stopped (SIGTERM) when the block ends.
    """
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORTAL_INSTANCE_PATH": str(folder),
        "PORTAL_DEFAULT_AS_OF": "2025-11-30",
        "PORTAL_AUTO_SEED": "false",
        **{f"PORTAL_{name.upper()}": value for name, value in settings.items()},
    }
    script = Path(sys.executable).with_name("langson-portal")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(script), "run", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(f"{base}/api/layers", process, log, deadline_s=60)
    try:
        yield LivePortal(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def portal_process():
    """Return `running_portal`: ``portal_process(db_url, folder, *args, **settings)``."""
    return running_portal


@pytest.fixture(scope="session")
def serve_portal(stores, template_url, tmp_path_factory):
    """Return a context manager serving a private copy of the prepared store.

    ``serve_portal(name, prepare=None, **settings)`` copies the ``template_url`` store (a
    SQLite file in a new folder, or a new PostgreSQL database), calls ``prepare(db_url)`` on the
    copy (to add users or records) and serves it with `running_portal`; it yields
    ``(base_url, db_url)``. Read-only tests share ``live_server``;
    a module that writes or needs other settings opens its own.
    """

    @contextmanager
    def serve(
        name: str, prepare: Callable[[str], None] | None = None, **settings: str
    ) -> Iterator[tuple[str, str]]:
        folder = tmp_path_factory.mktemp(name)
        db_url = stores.new(folder, template_url)
        try:
            if prepare is not None:
                prepare(db_url)
            with running_portal(db_url, folder, **settings) as portal:
                yield portal.base, db_url
        finally:
            stores.drop(db_url)

    return serve


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    """Remember every skipped test: a skip is a defect here, not an option."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when anything was skipped: a skipped check is a defect, never an option."""
    if _skipped and exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) skipped; skipping is not allowed: {_skipped[:5]}")
        session.exitstatus = 1


LOGIN_PASSWORD = "correct horse battery staple"


def _sign_in_form_token(client) -> str:
    """The CSRF token the sign-in form gives the client's session."""
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def anonymous_csrf_token(client) -> str:
    """A valid CSRF token of the client's anonymous session (to reach the sign-in check)."""
    return _sign_in_form_token(client)


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """New password hashes at a lower scrypt cost, so the many sign-ins of the tests stay quick.

    Stored hashes carry their own cost, so checking works the same; the production cost is
    checked by the doctest of ``portal.services.passwords.hash_password``, which runs without
    this fixture.
    """
    from portal.services import passwords

    monkeypatch.setattr(passwords, "SCRYPT_N", 2**12)


@pytest.fixture
def login(app, client):
    """Create a user of ``role`` (scoped to ``areas``), sign the client in, return a CSRF token."""
    from portal.services.accounts import create_user
    from portal.web.database import get_database

    def sign_in(role: str, areas: tuple[str, ...] = (), name: str | None = None) -> str:
        name = name or f"{role}-{'-'.join(areas) or 'tinh'}"
        with get_database(app).transaction() as session:
            create_user(session, name, LOGIN_PASSWORD, role, areas=areas)
        token = _sign_in_form_token(client)
        response = client.post(
            "/login", data={"username": name, "password": LOGIN_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        page = client.get("/import").get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        return match.group(1) if match else token

    return sign_in


@pytest.fixture
def archive(app, tmp_path) -> Path:
    """A genuine backup of the test's store (its module's ``app``), with one raster file."""
    from portal.services.backup import create_backup
    from portal.web.database import get_database

    (tmp_path / "rasters").mkdir()
    (tmp_path / "rasters" / "hillshade.tif").write_bytes(b"II*\x00" + b"\x07" * 900)
    path = tmp_path / "b.zip"
    create_backup(get_database(app).engine, tmp_path, path, "0.1.0")
    return path


def change_status(client, token: str, layer_id: str, fid: int, status: str,
                  reason: str = "Khảo sát"):
    """Move a record to ``status`` through the API as the signed-in user (its current version)."""
    version = client.get(f"/api/layers/{layer_id}/features/{fid}").get_json()["version"]
    return client.post(f"/api/layers/{layer_id}/features/{fid}/status",
                       json={"version": version, "status": status, "reason": reason},
                       headers={"X-CSRFToken": token})
