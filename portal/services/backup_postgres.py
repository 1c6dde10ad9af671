"""PostgreSQL's dump strategy: ``pg_dump --format=custom`` out, a checked ``pg_restore`` back.

The dump is pg_dump's own: one MVCC snapshot, so it is consistent while the portal writes, and
``--no-owner --no-privileges`` so it restores into a database owned by another role. The
connection comes from the store's SQLAlchemy URL; the password goes to the programs through the
``PGPASSWORD`` environment variable, never on a command line or in a message.

A staged dump is checked without a server: ``pg_restore --list`` must read its table of
contents, and its data (``pg_restore --data-only`` to standard output) is counted row by row,
so the revision and the counts can be compared with the manifest before anything is touched.

The restore runs in ONE transaction of ``psql --single-transaction``: the target's own tables
are dropped (a store at a newer schema keeps none that would block the drop or the migration),
then the script ``pg_restore --clean --if-exists --no-owner --no-privileges`` writes from the
dump, then every table's rows are counted against the manifest; any error rolls all of it
back. Extensions (PostGIS) are made beforehand with ``CREATE EXTENSION IF NOT EXISTS`` when the
dump holds them: their objects belong to the server's administrator, not to the dump.

The client programs are looked for in ``PORTAL_PG_BIN`` when it is set (that folder only),
else on ``PATH`` and in ``/usr/lib/postgresql/*/bin``; the newest found is used, and pg_dump
older than the server is refused (it cannot dump a newer server).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal.services.backup_dialects import BackupError, damaged_copy, extension_tables, refuse

#: Folders searched after ``PATH`` (Debian and Ubuntu install each major version in one).
LIB_GLOB = "/usr/lib/postgresql/*/bin"
#: The environment variable naming the only folder to search, when set.
BIN_ENV = "PORTAL_PG_BIN"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
_COPY = re.compile(r'^COPY (?:"?(\w+)"?)\.(?:"?(\w+)"?) \((.*)\) FROM stdin;$')
_TOC = re.compile(r"^\d+; \d+ \d+ (.+?) (\S+) (\S+) (\S*) ?$")


def _search_dirs() -> list[str]:
    chosen = os.environ.get(BIN_ENV)
    if chosen:
        return [chosen]
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    return path + sorted(glob.glob(LIB_GLOB), reverse=True)


def _major(program: str) -> int | None:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True,
                             timeout=30, check=False).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(out)
    return int(found.group(1)) if found else None


def find_tool(name: str) -> tuple[str, int]:
    """Return the newest ``name`` (pg_dump, pg_restore, psql) found and its major version."""
    dirs = _search_dirs()
    found = []
    for folder in dirs:
        program = shutil.which(name, path=folder)
        major = _major(program) if program else None
        if program and major is not None:
            found.append((major, program))
    if not found:
        where = os.pathsep.join(dirs) or "(nothing)"
        raise refuse(
            f"{name} was not found (looked in {where}). Install PostgreSQL's client programs "
            f"(Debian: apt install postgresql-client), or set {BIN_ENV} to the folder that "
            "holds them.",
            f"Không tìm thấy {name} (đã tìm trong {where}). Hãy cài các chương trình máy khách "
            f"của PostgreSQL (Debian: apt install postgresql-client), hoặc đặt {BIN_ENV} là thư "
            "mục chứa chúng.",
        )
    major, program = max(found)
    return program, major


def connection_env(engine: Engine) -> dict[str, str]:
    """Return the environment that points libpq's programs at ``engine``'s database."""
    url = make_url(engine.url)
    env = dict(os.environ)  # libpq reads the same PG* variables psycopg's connection read
    pairs = {"PGHOST": url.query.get("host") or url.host, "PGPORT": url.port,
             "PGUSER": url.username, "PGPASSWORD": url.password, "PGDATABASE": url.database,
             "PGSSLMODE": url.query.get("sslmode")}  # ?host=/run/postgresql: a Unix socket
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    env["PGAPPNAME"] = "langson-portal-backup"
    return env


def _first_error(stderr: str) -> str:
    r"""Return the first error a PostgreSQL program wrote, without its file and line prefix.

    >>> _first_error("psql:/tmp/x/restore.sql:39: ERROR:  cannot drop table users\nLINE 1")
    'cannot drop table users'
    >>> _first_error('pg_dump: error: connection to server at "127.0.0.1", port 9 failed')
    'connection to server at "127.0.0.1", port 9 failed'
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for marker in ("ERROR:", "error:"):
        for line in lines:
            if marker in line:
                return line.split(marker, 1)[1].strip()
    return (lines or ["no message"])[0]


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=False)


def _failed(program: str, stderr: str, *, restoring: bool) -> BackupError:
    reason = _first_error(stderr)
    if restoring:
        return refuse(f"{program} failed: {reason}. Nothing was restored.",
                      f"{program} bị lỗi: {reason}. Chưa khôi phục gì.")  # fmt: skip
    return refuse(f"{program} failed: {reason}. No backup was written.",
                  f"{program} bị lỗi: {reason}. Chưa ghi bản sao lưu nào.")  # fmt: skip


def _server_major(engine: Engine) -> int:
    """Return the server's major version; refuse, without the password, when it is unreachable."""
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SHOW server_version_num"))) // 10000
    except DBAPIError as exc:
        reason = " ".join(str(getattr(exc, "orig", exc)).split())
        raise refuse(
            f"The database cannot be reached ({reason}). No backup was written.",
            f"Không kết nối được cơ sở dữ liệu ({reason}). Chưa ghi bản sao lưu nào.",
        ) from None


def _toc(copy: Path) -> list[str]:
    """Return the dump's table of contents (``pg_restore --list``); a damaged dump is refused."""
    program, _major_version = find_tool("pg_restore")
    listed = _run([program, "--list", str(copy)])
    if listed.returncode != 0:
        raise damaged_copy(_first_error(listed.stderr))
    return listed.stdout.splitlines()


def _entries(toc: list[str]) -> Iterator[tuple[str, str, str, str]]:
    """Yield (line, type, schema, name) of every entry of a table of contents."""
    for line in toc:
        found = _TOC.match(line)
        if found:
            yield line, found.group(1), found.group(2), found.group(3)


def _left_out(kind: str, schema: str, name: str, tables: set[str]) -> bool:
    if kind == "EXTENSION" or (kind == "COMMENT" and schema == "-" and name == "EXTENSION"):
        return True
    return kind == "TABLE DATA" and (schema != "public" or name not in tables)


def _plan(toc: list[str]) -> tuple[list[str], list[str], set[str]]:
    """Split a TOC: the lines to restore, the extensions, and the tables the dump defines.

    Extensions and their comments are left out (they belong to the administrator), and so is
    the data of tables the dump does not define (an extension's tables, such as PostGIS's
    ``spatial_ref_sys``, whose rows come with the extension).
    """
    entries = list(_entries(toc))
    tables = {name for _, kind, schema, name in entries if kind == "TABLE" and schema == "public"}
    extensions = [name for _, kind, _, name in entries if kind == "EXTENSION"]
    dropped = {line for line, kind, schema, name in entries
               if _left_out(kind, schema, name, tables)}  # fmt: skip
    keep = [line for line in toc if line.strip() and not line.startswith(";")
            and line not in dropped]  # fmt: skip
    return keep, extensions, tables


def _copy_rows(program: str, copy: Path, listing: Path) -> Iterator[tuple[str, list[str]]]:
    """Yield (table, columns) per COPY block then ("", row) per row of the dump's data."""
    with subprocess.Popen([program, "--data-only", "--use-list", str(listing), "--file", "-",
                           str(copy)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, encoding="utf-8") as process:  # fmt: skip
        table = None
        for line in process.stdout:
            line = line.rstrip("\n")
            if table is None:
                found = _COPY.match(line)
                if found:
                    table = found.group(2)
                    yield table, [c.strip().strip('"') for c in found.group(3).split(",")]
            elif line == "\\.":
                table = None
            else:
                yield "", line.split("\t")
        stderr = process.stderr.read()
    if process.returncode != 0:
        raise damaged_copy(_first_error(stderr))


def count_dump(copy: Path) -> tuple[str | None, dict[str, dict[str, int]]]:
    """Return the Alembic revision and `store_counts` of a custom-format dump, with no server."""
    keep, _extensions, tables = _plan(_toc(copy))
    program, _major_version = find_tool("pg_restore")
    rows = dict.fromkeys(sorted(tables - {"alembic_version"}), 0)
    layers: dict[str, int] = {}
    revision = None
    with tempfile.TemporaryDirectory(prefix="portal-toc-") as work:
        listing = Path(work) / "data.list"
        listing.write_text("\n".join(line for line in keep if " TABLE DATA " in line) + "\n")
        table, layer_at = "", None
        for name, values in _copy_rows(program, copy, listing):
            if name:
                table = name
                layer_at = values.index("layer_id") if name == "features" else None
            elif table == "alembic_version":
                revision = values[0]
            elif table in rows:
                rows[table] += 1
                if layer_at is not None:
                    layers[values[layer_at]] = layers.get(values[layer_at], 0) + 1
    return revision, {"tables": rows, "layers": dict(sorted(layers.items()))}


def _ensure_extensions(engine: Engine, names: list[str]) -> None:
    """Make the dump's extensions in the target if missing; refuse when the role may not."""
    with engine.connect() as connection:
        present = set(connection.execute(text("SELECT extname FROM pg_extension")).scalars())
    for name in (n for n in names if n not in present):
        try:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))
        except DBAPIError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise refuse(
                f"The target database lacks the {name} extension and this role may not create "
                f"it ({reason}). Ask the server's administrator to run CREATE EXTENSION {name} "
                "in it, then restore again. Nothing was restored.",
                f"Cơ sở dữ liệu đích thiếu phần mở rộng {name} và vai trò này không được tạo nó "
                f"({reason}). Hãy nhờ quản trị máy chủ chạy CREATE EXTENSION {name} trong đó, "
                "rồi khôi phục lại. Chưa khôi phục gì.",
            ) from None


def _drops(engine: Engine) -> str:
    """Return SQL dropping the target's own tables (not an extension's), for a clean load."""
    with engine.connect() as connection:
        names = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )).scalars().all()  # fmt: skip
    skip = extension_tables(engine)
    return "".join(f'DROP TABLE IF EXISTS public."{n}" CASCADE;\n' for n in names if n not in skip)


def _checks(counts: dict[str, dict[str, int]]) -> str:
    """Return SQL that fails the transaction when a table's rows differ from ``counts``."""
    lines = []
    for name, expected in counts["tables"].items():
        lines.append(
            f"DO $$ BEGIN IF (SELECT count(*) FROM public.\"{name}\") <> {int(expected)} THEN "
            f"RAISE EXCEPTION 'rows of {name} differ from the manifest'; END IF; END $$;\n"
        )
    return "".join(lines)


class PostgresDump:
    """PostgreSQL through pg_dump (one MVCC snapshot) and a checked, all-or-nothing restore."""

    member = "portal.pgdump"

    def dump(self, engine: Engine, target: Path) -> None:
        """Write a custom-format dump of the store (pg_dump's snapshot) to ``target``."""
        program, major = find_tool("pg_dump")
        server = _server_major(engine)
        if major < server:
            raise refuse(
                f"{program} is PostgreSQL {major}, older than the server ({server}): it cannot "
                f"dump it. Install postgresql-client-{server}, or set {BIN_ENV} to its folder.",
                f"{program} là PostgreSQL {major}, cũ hơn máy chủ ({server}): không sao lưu được. "
                f"Hãy cài postgresql-client-{server}, hoặc đặt {BIN_ENV} là thư mục của nó.",
            )
        done = _run([program, "--format=custom", "--no-owner", "--no-privileges",
                     "--file", str(target)], env=connection_env(engine))  # fmt: skip
        if done.returncode != 0:
            raise _failed("pg_dump", done.stderr, restoring=False)

    def inspect_copy(self, copy: Path) -> tuple[str | None, dict[str, dict[str, int]]]:
        """Read the dump's table of contents and count its rows; a damaged dump is refused."""
        return count_dump(copy)

    def load(self, engine: Engine, copy: Path, counts: dict[str, dict[str, int]]) -> None:
        """Replace the store with the dump in one transaction, its rows checked against counts."""
        keep, extensions, _tables = _plan(_toc(copy))
        restore, _ = find_tool("pg_restore")
        psql, _ = find_tool("psql")
        _ensure_extensions(engine, extensions)
        drops = _drops(engine)
        engine.dispose()  # no pooled connection holds the tables being replaced
        with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
            folder = Path(work)
            (folder / "restore.list").write_text("\n".join(keep) + "\n")
            (folder / "drop.sql").write_text(drops)
            (folder / "check.sql").write_text(_checks(counts))
            script = folder / "restore.sql"
            made = _run([restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                         "--use-list", str(folder / "restore.list"), "--file", str(script),
                         str(copy)])  # fmt: skip
            if made.returncode != 0:
                raise damaged_copy(_first_error(made.stderr))
            loaded = _run([psql, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
                           "--single-transaction", "--file", str(folder / "drop.sql"),
                           "--file", str(script), "--file", str(folder / "check.sql")],
                          env=connection_env(engine))  # fmt: skip
        if loaded.returncode != 0:
            raise _failed("pg_restore", loaded.stderr, restoring=True)
