"""Backup and restore of a whole portal instance: the database, its files and a manifest.

The archive is one zip::

    manifest.json              what is inside: versions, date, counts, sha256 of every member
    database/portal.sqlite3    the store (one consistent copy; the member is the dialect's:
                               portal.sqlite3, or portal.pgdump from pg_dump)
    files/<folder>/...         the instance's file folders (`FILE_FOLDERS`), when present

Photos are stored in the database (``photos`` table), so they travel with it. A restore trusts
nothing in the archive: every member name is checked before anything is unpacked (relative, no
``..``, no symlink, only what the manifest lists), the unpacked bytes are counted against a cap
and a compression ratio (`geodata.archives`), every checksum and count is compared with the
manifest, and only then is the store replaced. A refusal leaves the instance as it was.
A SQLite backup restores into a portal on PostgreSQL too (`portal.services.backup_convert`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from geodata.archives import MAX_RATIO, extract_members
from geodata.errors import GeodataError
from portal.services.backup_convert import load_sqlite_into
from portal.services.backup_dialects import (
    BackupError,
    DatabaseDump,
    SqliteDump,
    refuse,
    revision_of,
    store_counts,
)
from portal.services.backup_postgres import PostgresDump
from portal.store import change_log
from portal.store.migrate import alembic_config, upgrade

FORMAT = "langson-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Folders of the instance folder carried under ``files/`` (photos live in the database today;
#: a rasters folder, once the portal keeps one, comes along with no other change; basemaps:
#: the tile archives and sidecars of `portal.services.basemaps`).
FILE_FOLDERS = ("photos", "rasters", "basemaps")
#: Most a restore unpacks, whatever the manifest says; the free disk space is a second cap.
MAX_UNPACKED = 64 * 1024**3
_CHUNK = 1024 * 1024

#: The dump strategy of each SQLAlchemy dialect (see `portal.services.backup_dialects`).
DUMPS: dict[str, DatabaseDump] = {"sqlite": SqliteDump(), "postgresql": PostgresDump()}
#: (backup's dialect, store's dialect) restored by copying table by table (`backup_convert`).
CONVERSIONS = {("sqlite", "postgresql")}

__all__ = ["MAX_RATIO", "BackupError", "create_backup", "restore_backup", "store_is_empty"]


def dump_for(dialect: str) -> DatabaseDump:
    """Return the strategy of ``dialect``, or refuse in both languages."""
    try:
        return DUMPS[dialect]
    except KeyError:
        raise refuse(
            f"Backup and restore of a {dialect} database are not supported; "
            f"supported: {', '.join(sorted(DUMPS))}.",
            f"Chưa hỗ trợ sao lưu và khôi phục cơ sở dữ liệu {dialect}; "
            f"hiện hỗ trợ: {', '.join(sorted(DUMPS))}.",
        ) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _instance_files(instance: Path) -> dict[str, Path]:
    """Return archive name -> path of every regular file in the instance's file folders."""
    found: dict[str, Path] = {}
    for folder in FILE_FOLDERS:
        root = instance / folder
        if not root.is_dir() or root.is_symlink():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[f"files/{path.relative_to(instance).as_posix()}"] = path
    return found


def create_backup(engine: Engine, instance: Path, dest: Path, portal_version: str) -> dict:
    """Write a backup of the store of ``engine`` and of ``instance``'s files to ``dest`` (zip).

    Returns the manifest. ``dest`` appears whole or not at all (written beside it, then renamed).
    """
    dump = dump_for(engine.dialect.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".backup-") as work:
        copy = Path(work) / dump.member
        dump.dump(engine, copy)
        revision, counts = dump.inspect_copy(copy)
        members = {f"database/{dump.member}": copy, **_instance_files(instance)}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "portal_version": portal_version,
            "alembic_revision": revision,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "dialect": engine.dialect.name,
            "database": f"database/{dump.member}",
            "counts": counts,
            "files": {
                name: {"sha256": _sha256(path), "bytes": path.stat().st_size}
                for name, path in members.items()
            },
        }
        partial = Path(work) / "backup.zip"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            for name, path in members.items():
                bundle.write(path, name)
        os.replace(partial, dest)
    return manifest


# --- restore -------------------------------------------------------------------------------------


def _unsafe(archive: Path, name: str) -> BackupError:
    return refuse(
        f"{archive.name} holds an unsafe path ({name}): a restore never writes outside the "
        "instance folder. Nothing was restored.",
        f"{archive.name} chứa đường dẫn không an toàn ({name}): khôi phục không bao giờ ghi ra "
        "ngoài thư mục của phiên bản. Chưa khôi phục gì.",
    )


def _foreign(archive: Path, why_en: str, why_vi: str) -> BackupError:
    return refuse(
        f"{archive.name} is not a backup of this portal ({why_en}). Nothing was restored.",
        f"{archive.name} không phải bản sao lưu của cổng thông tin này ({why_vi}). "
        "Chưa khôi phục gì.",
    )


def _damaged(archive: Path, name: str) -> BackupError:
    return refuse(
        f"{archive.name} is damaged: {name} does not match the checksum in its manifest. "
        "Nothing was restored.",
        f"{archive.name} bị hỏng: {name} không khớp mã kiểm tra trong manifest. "
        "Chưa khôi phục gì.",
    )


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _other_dialect(archive: Path, held: str, dialect: str) -> BackupError:
    held, dialect = _NAMES.get(held, held), _NAMES.get(dialect, dialect)
    return refuse(
        f"{archive.name} holds a {held} database and this portal runs on {dialect}: a {held} "
        f"backup is restored only into a portal on {held}. Nothing was restored.",
        f"{archive.name} chứa cơ sở dữ liệu {held} còn cổng thông tin này chạy trên {dialect}: "
        f"bản sao lưu {held} chỉ khôi phục được vào cổng thông tin chạy trên {held}. "
        "Chưa khôi phục gì.",
    )


def _is_safe(name: str) -> bool:
    """Tell a relative POSIX path of plain parts: no root, drive, backslash, ``.`` or ``..``."""
    if not name or name.startswith("/") or "\\" in name or ":" in name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _is_symlink(member: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(member.external_attr >> 16)


def _check_names(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    for member in members:
        if not _is_safe(member.filename) or _is_symlink(member) or member.is_dir():
            raise _unsafe(archive, member.filename)


def _read_manifest(archive: Path, bundle: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(bundle.read(MANIFEST))
    except (KeyError, ValueError, zipfile.BadZipFile):
        raise _foreign(archive, "no readable manifest.json",
                       "không có manifest.json đọc được") from None  # fmt: skip
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _foreign(archive, "its manifest is not a portal backup's",
                       "manifest không phải của bản sao lưu cổng thông tin")  # fmt: skip
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _foreign(archive, f"backup format {manifest.get('format_version')!r}",
                       f"định dạng sao lưu {manifest.get('format_version')!r}")  # fmt: skip
    return manifest


def _allowed(name: str, database: str) -> bool:
    if name == database:
        return True
    parts = name.split("/")
    return len(parts) >= 3 and parts[0] == "files" and parts[1] in FILE_FOLDERS


def _check_listing(archive: Path, manifest: dict, names: set[str], dialect: str) -> dict:
    """Check that the archive holds exactly what the manifest lists; return the file table."""
    files = manifest.get("files")
    database = manifest.get("database")
    if not isinstance(files, dict) or database not in files:
        raise _foreign(archive, "its manifest lists no database", "manifest không có CSDL")
    held = str(manifest.get("dialect"))
    if held != dialect and (held, dialect) not in CONVERSIONS:
        raise _other_dialect(archive, held, dialect)
    for name in files:
        if not _is_safe(name):
            raise _unsafe(archive, name)
        if not _allowed(name, f"database/{dump_for(held).member}"):
            raise _foreign(archive, f"unexpected file {name}", f"tệp lạ {name}")
    extra = sorted(names - set(files) - {MANIFEST})
    if extra:
        raise _foreign(archive, f"{extra[0]} is not in its manifest",
                       f"{extra[0]} không có trong manifest")  # fmt: skip
    missing = sorted(set(files) - names)
    if missing:
        raise _damaged(archive, missing[0])
    return files


def store_is_empty(engine: Engine) -> tuple[bool, dict[str, dict[str, int]]]:
    """Return whether the store holds no row at all (as after ``langson-portal init``)."""
    counts = store_counts(engine)
    return not any(counts["tables"].values()), counts


def _refuse_non_empty(counts: dict[str, dict[str, int]]) -> BackupError:
    records = counts["tables"].get("features", 0)
    users = counts["tables"].get("users", 0)
    rows = sum(counts["tables"].values())
    return refuse(
        f"The store is not empty ({rows:,} rows: {records:,} records, {users:,} users). Restore "
        "into a new instance (made with langson-portal init), or add --force to replace "
        "everything in this one.",
        f"Kho dữ liệu không trống ({rows:,} dòng: {records:,} bản ghi, {users:,} người dùng). "
        "Hãy khôi phục vào một phiên bản mới (tạo bằng langson-portal init), hoặc thêm --force "
        "để thay thế toàn bộ dữ liệu của phiên bản này.",
    )


def _check_revision(engine: Engine, revision: str | None) -> str:
    """Return the head revision; refuse a backup whose schema this portal does not know."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    try:
        known = isinstance(revision, str) and script.get_revision(revision) is not None
    except (CommandError, RevisionError):
        known = False
    if not known:
        raise refuse(
            f"The backup's schema ({revision}) is unknown to this portal: it was made by a newer "
            "version. Upgrade the portal, then restore. Nothing was restored.",
            f"Lược đồ của bản sao lưu ({revision}) không có trong phiên bản cổng thông tin này: "
            "bản sao được tạo bởi phiên bản mới hơn. Hãy nâng cấp rồi khôi phục. "
            "Chưa khôi phục gì.",
        )
    return script.get_current_head()


def _stage(archive: Path, bundle: zipfile.ZipFile, files: dict, staging: Path, cap: int) -> None:
    """Unpack the listed members under ``staging`` (counted, capped), then check every sum."""
    targets = {}
    for name in files:
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        targets[path] = bundle.getinfo(name)
    free = shutil.disk_usage(staging).free
    extract_members(archive, bundle, targets, cap=min(cap, free))
    for name, entry in files.items():
        path = staging / name
        if not isinstance(entry, dict) or path.stat().st_size != entry.get("bytes") or (
            _sha256(path) != entry.get("sha256")
        ):
            raise _damaged(archive, name)


def _place_files(instance: Path, staging: Path) -> None:
    """Move the staged file folders into the instance folder, replacing those there."""
    root = instance.resolve()
    for folder in FILE_FOLDERS:
        staged = staging / "files" / folder
        target = instance / folder
        if not staged.is_dir():
            continue
        if not target.resolve().is_relative_to(root) or target.is_symlink():
            raise _unsafe(staging, folder)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)


def restore_backup(
    engine: Engine, instance: Path, archive: Path, *, force: bool = False,
    cap: int = MAX_UNPACKED,
) -> dict[str, Any]:
    """Restore ``archive`` into the store of ``engine`` and ``instance``; return the manifest.

    The manifest gets ``"migrated_from"``: the backup's revision when migrations ran after it.

    Raises
    ------
    BackupError
        A foreign, damaged or unsafe archive, a non-empty store without ``force``, a schema
        newer than this portal's; nothing is changed then.
    """
    dump = dump_for(engine.dialect.name)
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise _foreign(archive, "not a zip archive", "không phải tệp nén zip") from None
    with bundle:
        members = bundle.infolist()
        _check_names(archive, members)
        manifest = _read_manifest(archive, bundle)
        files = _check_listing(archive, manifest, {m.filename for m in members},
                               engine.dialect.name)  # fmt: skip
        head = _check_revision(engine, manifest.get("alembic_revision"))
        empty, counts = store_is_empty(engine)
        if not empty and not force:
            raise _refuse_non_empty(counts)
        before = change_log.position(engine)
        instance.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=instance, prefix=".restore-"))
        try:
            try:
                _stage(archive, bundle, files, staging, cap)
            except GeodataError as exc:
                raise refuse(exc.user_msg, getattr(exc, "user_msg_vi", exc.user_msg)) from None
            copy = staging / manifest["database"]
            revision, copy_counts = dump_for(manifest["dialect"]).inspect_copy(copy)
            if revision != manifest["alembic_revision"] or copy_counts != manifest["counts"]:
                raise _damaged(archive, manifest["database"])
            if manifest["dialect"] == engine.dialect.name:
                dump.load(engine, copy, manifest["counts"])
            else:
                load_sqlite_into(engine, copy)  # leaves the store at the newest schema
                if revision != head:
                    manifest["migrated_from"] = revision
            _place_files(instance, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if revision_of(engine) != head:
        upgrade(engine)
        manifest["migrated_from"] = revision
    change_log.move_past(engine, before)  # portals still serving this store start afresh
    engine.dispose()
    return manifest
