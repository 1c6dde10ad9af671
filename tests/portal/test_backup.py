"""``langson-portal backup`` and ``restore``: a consistent copy taken while a writer writes, a
restore into a new instance that exports every layer byte for byte, and archives refused whole
(tampered, path traversal, symlink, foreign) with nothing written.

The commands run as real processes through the console script where it matters (the backup
beside a writing process, the round trip into an instance made by ``langson-portal init``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from PIL import Image
from sqlalchemy import text

from layers import CATALOGUE
from portal import create_app
from portal.services import exports
from portal.services.backup import create_backup, restore_backup, store_is_empty
from portal.store.migrate import alembic_config
from portal.web.database import get_database

#: The newest schema revision, which a new store has.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "langson-portal"
PASSWORD = "correct horse battery staple 7"

#: A second process writing ten audit rows and a counter per transaction, until told to stop;
#: it never checkpoints, so its commits live in the -wal file only.
WRITER = """
import pathlib, sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
con.execute("PRAGMA wal_autocheckpoint=0")  # its commits stay in the -wal file, as recent ones do
stop = pathlib.Path(sys.argv[2])
n = 0
while not stop.exists():
    con.execute("BEGIN IMMEDIATE")
    for _ in range(10):
        con.execute("INSERT INTO audit_events (at, actor, action, reason, detail) "
                    "VALUES (datetime('now'), 'writer', 'probe', '', '{}')")
    n += 1
    con.execute("INSERT INTO meta (key, value) VALUES ('probe', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(n),))
    con.execute("COMMIT")
    if n == 1:
        print("ready", flush=True)
print(n, flush=True)
"""


def portal_cli(instance: Path, *args: str, db: Path | None = None, url: str | None = None,
               stdin: str = "", env: dict[str, str] | None = None):  # fmt: skip
    """Run the console script on ``instance`` (its default SQLite file unless ``db`` or ``url``)."""
    env = {**{k: v for k, v in os.environ.items()
              if k not in ("DATABASE_URL", "PORTAL_DATABASE_URL")}, **(env or {})}  # fmt: skip
    env.update(PYTHONPATH=str(ROOT), PORTAL_INSTANCE_PATH=str(instance), PORTAL_AUTO_SEED="false")
    if db is not None or url is not None:
        env["DATABASE_URL"] = url or f"sqlite:///{db}"
    return subprocess.run([str(SCRIPT), *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def png(size=(120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


def upload_photo(client, token, fid) -> dict:
    boundary = "backup-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nCột BTS\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bts.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + png() + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(f"/api/layers/signal/features/{fid}/photos", data=body,
                           headers={"X-CSRFToken": token},
                           content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def every_export(app, as_of: dt.date) -> dict[tuple[str, str], bytes]:
    """GeoJSON and CSV of every layer, restricted fields included."""
    out = {}
    with get_database(app).sessions() as session:
        for layer in CATALOGUE:
            for fmt in ("geojson", "csv"):
                content, _mime, _name = exports.export_layer(
                    session, layer, fmt, as_of, locale="vi", include_restricted=True)
                out[layer.id, fmt] = content
    return out


def rows(app, table: str) -> list[tuple]:
    with get_database(app).engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


@pytest.fixture
def db_url(db_path) -> str:
    """Backups are of the embedded SQLite store, on the PostgreSQL test pass too."""
    return f"sqlite:///{db_path}"


@pytest.fixture
def empty_app(tmp_path):
    """A new instance whose store only ``langson-portal init`` has made (a real process)."""
    instance = tmp_path / "new"
    result = portal_cli(instance, "init")
    assert result.returncode == 0, result.stderr
    application = create_app({"instance_path": instance, "auto_seed": False,
                              "database_url": f"sqlite:///{instance / 'portal.sqlite3'}"})
    application.config["TESTING"] = True
    yield application
    get_database(application).engine.dispose()


def test_a_backup_taken_while_another_process_writes_is_one_consistent_snapshot(db_path, tmp_path):
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(stop)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "ready"
        result = portal_cli(tmp_path, "backup", str(tmp_path / "live.zip"), "--lang", "en",
                            db=db_path)  # fmt: skip
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0].strip())
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "live.zip") as bundle:
        (tmp_path / "copy.sqlite3").write_bytes(bundle.read("database/portal.sqlite3"))
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    probes = copy.execute("SELECT COUNT(*) FROM audit_events WHERE action = 'probe'").fetchone()[0]
    counter = copy.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()
    copy.close()
    assert probes > 0 and counter is not None
    counter = counter[0]
    # Whole transactions only: ten rows per counter step, never a half-written one; and the
    # commits still only in the -wal file are there (a copy of the main file would miss them).
    assert probes > 0 and probes == 10 * int(counter)
    assert written > int(counter)  # the writer went on writing after the snapshot


def test_backup_then_restore_into_an_init_instance_gives_identical_exports(
    app, client, login, db_path, tmp_path, empty_app
):
    token = login("telecom_editor")
    with get_database(app).engine.connect() as connection:
        fid = connection.scalar(text("SELECT MIN(id) FROM features WHERE layer_id = 'signal'"))
    photo = upload_photo(client, token, fid)
    created = portal_cli(tmp_path, "create-user", "thu_ky", "--role", "viewer", db=db_path,
                         stdin=f"{PASSWORD}\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    archive = tmp_path / "lang-son.zip"
    backup = portal_cli(tmp_path, "backup", str(archive), "--lang", "en", db=db_path)
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.startswith(f"{archive}: ") and f"schema {HEAD}" in backup.stdout

    new_instance = Path(empty_app.config["PORTAL_SETTINGS"].instance_path)
    get_database(empty_app).engine.dispose()
    restored = portal_cli(new_instance, "restore", str(archive), "--lang", "en")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored ") and "from lang-son.zip" in restored.stdout

    for day in (dt.date(2025, 6, 30), dt.date.today()):
        assert every_export(empty_app, day) == every_export(app, day)
    for table in ("audit_events", "users", "photos", "targets", "areas"):
        assert rows(empty_app, table) == rows(app, table), table
    served = empty_app.test_client().get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == client.get(photo["url"]).data
    assert not list(new_instance.glob(".restore-*"))


def test_the_manifest_counts_every_layer_and_sums_every_member(app, tmp_path):
    (tmp_path / "rasters").mkdir()
    (tmp_path / "rasters" / "dem_langson.tif").write_bytes(b"II*\x00" + bytes(range(256)) * 40)
    manifest = create_backup(get_database(app).engine, tmp_path, tmp_path / "b.zip", "0.1.0")
    assert manifest["alembic_revision"] == HEAD and manifest["dialect"] == "sqlite"
    with get_database(app).engine.connect() as connection:
        per_layer = dict(connection.execute(text(
            "SELECT layer_id, COUNT(*) FROM features GROUP BY layer_id")).all())  # fmt: skip
    assert manifest["counts"]["layers"] == per_layer
    assert sorted(manifest["files"]) == ["database/portal.sqlite3", "files/rasters/dem_langson.tif"]
    assert manifest["files"]["files/rasters/dem_langson.tif"]["bytes"] == 4 + 256 * 40


def _copy_with(source: Path, target: Path, change: dict[str, bytes | None], extra=()) -> None:
    """Rewrite the zip ``source`` as ``target``: members replaced, dropped, or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for info, data in extra:
            new.writestr(info, data)


def _listing(instance: Path) -> list[str]:
    """The instance's files, but SQLite's -wal and -shm (opened by any reader in WAL mode)."""
    return sorted(str(p.relative_to(instance)) for p in instance.rglob("*")
                  if not p.name.endswith(("-wal", "-shm")))  # fmt: skip


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info


def _future_manifest(path: Path) -> bytes:
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    return json.dumps({**manifest, "alembic_revision": "0099_future"}).encode()


def _damage_database(path: Path, member: str = "database/portal.sqlite3") -> bytes:
    with zipfile.ZipFile(path) as bundle:
        data = bytearray(bundle.read(member))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(("case", "message"), [
    ("tampered", "bad.zip is damaged: database/portal.sqlite3 does not match the checksum in its "
     "manifest. Nothing was restored."),
    ("traversal", "bad.zip holds an unsafe path (../../outside.txt): a restore never writes "
     "outside the instance folder. Nothing was restored."),
    ("absolute", "bad.zip holds an unsafe path (/tmp/outside.txt): a restore never writes "
     "outside the instance folder. Nothing was restored."),
    ("symlink", "bad.zip holds an unsafe path (files/rasters/link.tif): a restore never writes "
     "outside the instance folder. Nothing was restored."),
    ("unlisted", "bad.zip is not a backup of this portal (files/rasters/extra.tif is not in its "
     "manifest). Nothing was restored."),
    ("foreign", "bad.zip is not a backup of this portal (no readable manifest.json). Nothing was "
     "restored."),
    ("newer", "The backup's schema (0099_future) is unknown to this portal: it was made by a newer "
     "version. Upgrade the portal, then restore. Nothing was restored."),
])  # fmt: skip
def test_a_bad_archive_is_refused_whole_and_nothing_is_written(
    archive, empty_app, tmp_path, case, message
):
    bad = tmp_path / "bad.zip"
    changes = {
        "tampered": ({"database/portal.sqlite3": _damage_database(archive)}, ()),
        "traversal": ({}, [("../../outside.txt", b"x")]),
        "absolute": ({}, [("/tmp/outside.txt", b"x")]),
        "symlink": ({}, [(_symlink("files/rasters/link.tif"), b"/etc/passwd")]),
        "unlisted": ({}, [("files/rasters/extra.tif", b"II*\x00")]),
        "foreign": ({"manifest.json": None}, ()),
        "newer": ({"manifest.json": _future_manifest(archive)}, ()),
    }
    change, extra = changes[case]
    _copy_with(archive, bad, change, extra)
    instance = Path(empty_app.config["PORTAL_SETTINGS"].instance_path)
    before = _listing(instance)
    result = empty_app.test_cli_runner().invoke(args=["restore", str(bad), "--lang", "en"])
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert store_is_empty(get_database(empty_app).engine)[0]
    assert _listing(instance) == before
    assert not (tmp_path / "outside.txt").exists()


def test_the_vietnamese_refusal_of_a_tampered_archive(archive, empty_app, tmp_path):
    bad = tmp_path / "bad.zip"
    _copy_with(archive, bad, {"database/portal.sqlite3": _damage_database(archive)})
    result = empty_app.test_cli_runner().invoke(args=["restore", str(bad), "--lang", "vi"])
    assert result.exit_code == 1
    assert result.output.strip() == ("bad.zip bị hỏng: database/portal.sqlite3 không khớp mã kiểm "
                                     "tra trong manifest. Chưa khôi phục gì.")


def test_a_store_holding_data_is_not_overwritten_without_force(app, archive, tmp_path):
    engine = get_database(app).engine
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM targets"))
    counts = store_is_empty(engine)[1]
    result = app.test_cli_runner().invoke(args=["restore", str(archive), "--lang", "en"])
    assert result.exit_code == 1
    records, users = counts["tables"]["features"], counts["tables"]["users"]
    rows_ = sum(counts["tables"].values())
    assert result.output.strip() == (
        f"The store is not empty ({rows_:,} rows: {records:,} records, {users:,} users). Restore "
        "into a new instance (made with langson-portal init), or add --force to replace "
        "everything in this one.")
    assert rows(app, "targets") == []  # untouched
    forced = app.test_cli_runner().invoke(args=["restore", str(archive), "--force", "--lang", "en"])
    assert forced.exit_code == 0, forced.output
    assert len(rows(app, "targets")) > 0
    assert (tmp_path / "rasters" / "hillshade.tif").read_bytes() == b"II*\x00" + b"\x07" * 900


def test_a_backup_of_an_older_schema_is_restored_then_migrated(tmp_path, empty_app):
    from alembic import command

    old = tmp_path / "old"
    old.mkdir()
    engine = create_app({"instance_path": old, "auto_seed": False,
                         "database_url": f"sqlite:///{old / 'portal.sqlite3'}"}
                        ).extensions["portal_db"].engine  # fmt: skip
    command.upgrade(alembic_config(str(engine.url)), "0004")
    manifest = create_backup(engine, old, tmp_path / "old.zip", "0.0.9")
    engine.dispose()
    assert manifest["alembic_revision"] == "0004"
    target = get_database(empty_app).engine
    restored = restore_backup(target, Path(empty_app.config["PORTAL_SETTINGS"].instance_path),
                              tmp_path / "old.zip")  # fmt: skip
    assert restored["migrated_from"] == "0004"
    with target.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
        assert connection.scalar(text("SELECT COUNT(*) FROM login_sessions")) == 0
