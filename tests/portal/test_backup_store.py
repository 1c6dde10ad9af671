"""Backup and restore of the suite's own store: SQLite on the first pass, PostgreSQL + PostGIS
when ``PORTAL_TEST_DATABASE_URL`` names one (``pg_dump`` / a checked ``pg_restore``).

Every test here runs on both passes with the store the pass gives (``db_url``), except the few
defined only when the pass runs on PostgreSQL (a server older than pg_dump, extensions, a backup
of the other kind of database): those need a server, and are not collected at all without one.
The helpers are `test_backup`'s, so the SQLite round trip and this one check the same things.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from portal import create_app
from portal.services.backup import BackupError, create_backup, restore_backup, store_is_empty
from portal.store.migrate import alembic_config
from portal.web.database import get_database
from tests.conftest import LOGIN_PASSWORD, PG_URL, _sign_in_form_token
from tests.portal.test_backup import (
    HEAD,
    PASSWORD,
    _copy_with,
    _damage_database,
    _listing,
    every_export,
    portal_cli,
    rows,
    upload_photo,
)

#: A second process committing ten audit rows and a counter per transaction until told to
#: stop, through SQLAlchemy, so the same writer runs against SQLite and PostgreSQL.
WRITER = """
import datetime, pathlib, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
stop = pathlib.Path(sys.argv[2])
n = 0
while not stop.exists():
    with engine.begin() as con:
        for _ in range(10):
            con.execute(text("INSERT INTO audit_events (at, actor, action, reason, detail) "
                             "VALUES (:at, 'writer', 'probe', '', '{}')"),
                        {"at": datetime.datetime(2025, 12, 1, 8, 0)})
        n += 1
        con.execute(text("INSERT INTO meta (key, value) VALUES ('probe', :n) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value"), {"n": str(n)})
    if n == 1:
        print("ready", flush=True)
print(n, flush=True)
"""


def _member(url: str) -> str:
    return "database/portal.pgdump" if url.startswith("postgresql") else "database/portal.sqlite3"


@pytest.fixture
def new_app(tmp_path, empty_db_url):
    """A new instance on a new database of the pass's kind, made by ``langson-portal init``."""
    instance = tmp_path / "new"
    result = portal_cli(instance, "init", url=empty_db_url)
    assert result.returncode == 0, result.stderr
    application = create_app({"instance_path": instance, "auto_seed": False,
                              "database_url": empty_db_url})  # fmt: skip
    application.config["TESTING"] = True
    yield application
    get_database(application).engine.dispose()


def _instance(application) -> Path:
    return Path(application.config["PORTAL_SETTINGS"].instance_path)


def _sign_in(application, client, role: str, *, create: bool = True) -> str:
    """Sign ``client`` in as ``bien_tap`` (made with ``role`` when ``create``); return a token."""
    from portal.services.accounts import create_user

    if create:
        with get_database(application).transaction() as session:
            create_user(session, "bien_tap", LOGIN_PASSWORD, role)
    response = client.post("/login", data={"username": "bien_tap", "password": LOGIN_PASSWORD,
                                           "csrf_token": _sign_in_form_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get("/import").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _probes(application) -> tuple[int, int]:
    with get_database(application).engine.connect() as connection:
        probes = connection.scalar(text(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'probe'"))  # fmt: skip
        counter = connection.scalar(text("SELECT value FROM meta WHERE key = 'probe'"))
    return probes, int(counter)


def test_a_backup_taken_while_a_writer_edits_restores_into_a_new_database_identically(
    app, client, login, db_url, empty_db_url, tmp_path, new_app
):
    token = login("telecom_editor")
    with get_database(app).engine.connect() as connection:
        fid = connection.scalar(text("SELECT MIN(id) FROM features WHERE layer_id = 'signal'"))
    photo = upload_photo(client, token, fid)
    created = portal_cli(tmp_path, "create-user", "thu_ky", "--role", "viewer", url=db_url,
                         stdin=f"{PASSWORD}\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    (tmp_path / "rasters").mkdir()
    (tmp_path / "rasters" / "dem_langson.tif").write_bytes(b"II*\x00" + bytes(range(256)) * 40)

    stop, archive = tmp_path / "stop", tmp_path / "lang-son.zip"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(stop)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "ready"
        backup = portal_cli(tmp_path, "backup", str(archive), "--lang", "en", url=db_url)
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0].strip())
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.startswith(f"{archive}: ")
    assert f"schema {HEAD}, 1 other files" in backup.stdout

    get_database(new_app).engine.dispose()
    restored = portal_cli(_instance(new_app), "restore", str(archive), "--lang", "en",
                          url=empty_db_url)  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored ") and "from lang-son.zip" in restored.stdout

    # One snapshot: whole transactions only (ten rows per counter step), and the writer went on.
    probes, counter = _probes(new_app)
    assert probes == 10 * counter and 0 < counter < written
    for day in (dt.date(2025, 6, 30), dt.date.today()):
        assert every_export(new_app, day) == every_export(app, day)
    for table in ("users", "photos", "targets", "areas", "features", "feature_states"):
        assert rows(new_app, table) == rows(app, table), table
    kept = [r for r in rows(app, "audit_events") if r[3] != "probe"]
    assert [r for r in rows(new_app, "audit_events") if r[3] != "probe"] == kept
    served = new_app.test_client().get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == client.get(photo["url"]).data
    assert (_instance(new_app) / "rasters" / "dem_langson.tif").read_bytes() == (
        (tmp_path / "rasters" / "dem_langson.tif").read_bytes())
    assert not list(_instance(new_app).glob(".restore-*"))
    # The restored store goes on numbering where the backup stopped: a new record is accepted.
    again = portal_cli(_instance(new_app), "create-user", "ke_toan", "--role", "viewer",
                       url=empty_db_url, stdin=f"{PASSWORD}\n")  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_a_store_holding_data_is_kept_without_force_and_replaced_with_it(app, db_url, tmp_path):
    engine = get_database(app).engine
    archive = tmp_path / "b.zip"
    create_backup(engine, tmp_path, archive, "0.1.0")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM targets"))
    counts = store_is_empty(engine)[1]
    refused = app.test_cli_runner().invoke(args=["restore", str(archive), "--lang", "en"])
    assert refused.exit_code == 1
    tables = counts["tables"]
    assert refused.output.strip() == (
        f"The store is not empty ({sum(tables.values()):,} rows: {tables['features']:,} records, "
        f"{tables['users']:,} users). Restore into a new instance (made with langson-portal "
        "init), or add --force to replace everything in this one.")
    assert rows(app, "targets") == [] and store_is_empty(engine)[1] == counts  # untouched
    forced = app.test_cli_runner().invoke(args=["restore", str(archive), "--force", "--lang", "en"])
    assert forced.exit_code == 0, forced.output
    assert len(rows(app, "targets")) == 191


def test_a_database_that_fails_its_checksum_is_refused_and_nothing_changes(
    archive, db_url, new_app, tmp_path
):
    member = _member(db_url)
    bad = tmp_path / "bad.zip"
    _copy_with(archive, bad, {member: _damage_database(archive, member)})
    before = _listing(_instance(new_app))
    tables = store_is_empty(get_database(new_app).engine)[1]
    for lang, message in (
        ("en", f"bad.zip is damaged: {member} does not match the checksum in its manifest. "
               "Nothing was restored."),
        ("vi", f"bad.zip bị hỏng: {member} không khớp mã kiểm tra trong manifest. "
               "Chưa khôi phục gì."),
    ):  # fmt: skip
        result = new_app.test_cli_runner().invoke(args=["restore", str(bad), "--lang", lang])
        assert result.exit_code == 1
        assert result.output.strip() == message
    assert store_is_empty(get_database(new_app).engine) == (True, tables)
    assert _listing(_instance(new_app)) == before


def test_a_damaged_database_whose_manifest_was_rewritten_to_match_is_still_refused(
    archive, db_url, new_app, tmp_path
):
    import hashlib

    member = _member(db_url)
    with zipfile.ZipFile(archive) as bundle:
        data = bytearray(bundle.read(member))
        manifest = json.loads(bundle.read("manifest.json"))
    del data[len(data) // 2:]  # cut in half: a file the database program cannot read through
    manifest["files"][member] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    bad = tmp_path / "bad.zip"
    _copy_with(archive, bad, {member: bytes(data), "manifest.json": json.dumps(manifest).encode()})
    result = new_app.test_cli_runner().invoke(args=["restore", str(bad), "--lang", "en"])
    assert result.exit_code == 1
    assert result.output.startswith("The database in the backup is damaged (")
    assert result.output.strip().endswith("); nothing was restored.")
    assert store_is_empty(get_database(new_app).engine)[0]


def test_a_backup_of_an_older_schema_restores_into_a_newer_store_then_migrates(
    stores, tmp_path, new_app
):
    from alembic import command

    (tmp_path / "old").mkdir()
    old_url = stores.new(tmp_path / "old")
    engine = create_engine(old_url)
    config = alembic_config(old_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # Alembic's own engine would stay open
        command.upgrade(config, "0004")
    manifest = create_backup(engine, tmp_path / "old", tmp_path / "old.zip", "0.0.9")
    engine.dispose()
    stores.drop(old_url)
    assert manifest["alembic_revision"] == "0004"
    target = get_database(new_app).engine  # made by init: at the head revision
    restored = restore_backup(target, _instance(new_app), tmp_path / "old.zip")
    assert restored["migrated_from"] == "0004"
    with target.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
        assert connection.scalar(text("SELECT COUNT(*) FROM login_sessions")) == 0


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PORTAL_PG_BIN", str(empty))  # the only folder searched: no programs
    engine = create_engine("postgresql+psycopg://portal:secret@127.0.0.1:9/lang_son")
    with pytest.raises(BackupError) as refused:
        create_backup(engine, tmp_path, tmp_path / "b.zip", "0.1.0")
    assert refused.value.user_msg == (
        f"pg_dump was not found (looked in {empty}). Install PostgreSQL's client programs "
        "(Debian: apt install postgresql-client), or set PORTAL_PG_BIN to the folder that "
        "holds them.")
    assert refused.value.user_msg_vi == (
        f"Không tìm thấy pg_dump (đã tìm trong {empty}). Hãy cài các chương trình máy khách "
        "của PostgreSQL (Debian: apt install postgresql-client), hoặc đặt PORTAL_PG_BIN là "
        "thư mục chứa chúng.")
    assert not (tmp_path / "b.zip").exists() and not list(tmp_path.glob(".backup-*"))


if PG_URL.startswith("postgresql"):
    # Only on the PostgreSQL pass: these need a server (collected there, never skipped here).

    def test_a_pg_dump_older_than_the_server_is_refused(app, tmp_path, monkeypatch):
        old = tmp_path / "pg12"
        old.mkdir()
        (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n")
        (old / "pg_dump").chmod(0o755)  # what PostgreSQL 12's pg_dump answers to --version
        monkeypatch.setenv("PORTAL_PG_BIN", str(old))
        engine = get_database(app).engine
        with engine.connect() as connection:
            server = int(connection.scalar(text("SHOW server_version_num"))) // 10000
        with pytest.raises(BackupError) as refused:
            create_backup(engine, tmp_path, tmp_path / "b.zip", "0.1.0")
        assert refused.value.user_msg == (
            f"{old / 'pg_dump'} is PostgreSQL 12, older than the server ({server}): it cannot "
            f"dump it. Install postgresql-client-{server}, or set PORTAL_PG_BIN to its folder.")
        assert not (tmp_path / "b.zip").exists()

    def test_a_target_without_postgis_that_may_not_create_it_is_refused(
        archive, stores, tmp_path
    ):
        name = f"{make_url(PG_URL).database}_no_postgis_{tmp_path.name[-12:]}"
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        with stores.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        stores.made.append(name)  # dropped at the end of the run at the latest
        try:
            instance = tmp_path / "bare"
            assert portal_cli(instance, "init", url=url).returncode == 0
            result = portal_cli(instance, "restore", str(archive), "--lang", "en", url=url)
            assert result.returncode == 1
            assert result.stderr.strip() == (
                "The target database lacks the postgis extension and this role may not create "
                'it (permission denied to create extension "postgis"). Ask the server\'s '
                "administrator to run CREATE EXTENSION postgis in it, then restore again. "
                "Nothing was restored.")
            engine = create_engine(url)
            try:
                assert store_is_empty(engine)[0]
            finally:
                engine.dispose()
        finally:
            stores.drop(url)

    def test_a_sqlite_backup_moves_into_a_portal_on_postgresql_identically(
        db_path, tmp_path, new_app, empty_db_url
    ):
        lite = create_app({"instance_path": tmp_path, "auto_seed": False,
                           "database_url": f"sqlite:///{db_path}"})  # fmt: skip
        lite.config["TESTING"] = True
        client = lite.test_client()
        token = _sign_in(lite, client, "telecom_editor")
        with get_database(lite).engine.connect() as connection:
            fid = connection.scalar(text("SELECT MIN(id) FROM features WHERE layer_id = 'signal'"))
        photo = upload_photo(client, token, fid)
        backup = portal_cli(tmp_path, "backup", str(tmp_path / "lite.zip"), db=db_path)
        assert backup.returncode == 0, backup.stderr
        restored = portal_cli(_instance(new_app), "restore", str(tmp_path / "lite.zip"), "--lang",
                              "en", url=empty_db_url)  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        for day in (dt.date(2025, 6, 30), dt.date.today()):
            assert every_export(new_app, day) == every_export(lite, day)
        moved_counts = store_is_empty(get_database(new_app).engine)[1]
        lite_counts = store_is_empty(get_database(lite).engine)[1]
        # One change-log entry more: the restore's "reload everything" for running portals.
        tables = lite_counts["tables"]
        assert moved_counts == {**lite_counts,
                                "tables": {**tables, "change_log": tables["change_log"] + 1}}
        served = new_app.test_client().get(photo["url"])
        assert served.status_code == 200 and served.data == client.get(photo["url"]).data
        # The moved store goes on: the same user signs in, and a new photo gets a new id.
        moved = new_app.test_client()
        again = upload_photo(moved, _sign_in(new_app, moved, "telecom_editor", create=False), fid)
        assert again["id"] > photo["id"]
        get_database(lite).engine.dispose()

    def test_a_sqlite_row_postgresql_refuses_leaves_the_postgresql_store_as_it_was(
        app, db_path, tmp_path
    ):
        long_name = "Xã " + "Hữu Lũng " * 14  # 129 characters: SQLite keeps it, varchar(120) not
        lite = create_engine(f"sqlite:///{db_path}")
        with lite.begin() as connection:
            connection.execute(text("UPDATE areas SET name = :n WHERE id = (SELECT MIN(id) "
                                    "FROM areas WHERE level = 'commune')"), {"n": long_name})
        create_backup(lite, tmp_path / "lite", tmp_path / "lite.zip", "0.1.0")
        lite.dispose()
        engine = get_database(app).engine
        before = (store_is_empty(engine)[1], rows(app, "areas"), rows(app, "targets"))
        result = app.test_cli_runner().invoke(
            args=["restore", str(tmp_path / "lite.zip"), "--force", "--lang", "en"])
        assert result.exit_code == 1
        assert result.output.strip() == (
            "PostgreSQL refused a row of the SQLite backup (value too long for type character "
            "varying(120)). Nothing was restored.")
        assert (store_is_empty(engine)[1], rows(app, "areas"), rows(app, "targets")) == before

    def test_a_postgresql_backup_is_refused_by_a_portal_on_sqlite(archive, tmp_path):
        instance = tmp_path / "embedded"
        assert portal_cli(instance, "init").returncode == 0
        into_sqlite = portal_cli(instance, "restore", str(archive), "--lang", "vi")
        assert into_sqlite.returncode == 1
        assert into_sqlite.stderr.strip() == (
            "b.zip chứa cơ sở dữ liệu PostgreSQL còn cổng thông tin này chạy trên SQLite: bản sao "
            "lưu PostgreSQL chỉ khôi phục được vào cổng thông tin chạy trên PostgreSQL. "
            "Chưa khôi phục gì.")
        into_sqlite = portal_cli(instance, "restore", str(archive), "--lang", "en")
        assert into_sqlite.stderr.strip() == (
            "b.zip holds a PostgreSQL database and this portal runs on SQLite: a PostgreSQL "
            "backup is restored only into a portal on PostgreSQL. Nothing was restored.")

    def test_a_wrong_password_is_refused_without_showing_it(app, db_url, tmp_path):
        url = make_url(db_url).set(password="not-the-password-7")
        result = portal_cli(tmp_path, "backup", str(tmp_path / "b.zip"), "--lang", "en",
                            url=url.render_as_string(hide_password=False))  # fmt: skip
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f'The database cannot be reached (connection failed: connection to server at '
            f'"{url.host}", port {url.port} failed: FATAL: password authentication failed for '
            f'user "{url.username}"). No backup was written.')
        assert "not-the-password-7" not in result.stdout + result.stderr
        assert not (tmp_path / "b.zip").exists()
