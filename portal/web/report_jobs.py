"""Report cards of every area of a level in one ZIP: built in a thread, followed by its progress.

A job is two files under ``<instance>/report-cards/``: ``<id>.json`` (owner, parameters, done,
total, state, written again after each card) and ``<id>.zip`` once done, so every worker of
the portal can answer for a job another one runs. While a job runs, its worker touches that
file every ``HEARTBEAT_S``; a job whose file stays still for ``STALLED_S`` lost its worker (a
restart, a crash) and is started again from its first card when its owner next asks how it is
going, at most ``RESUMES`` times, then reads as failed. Jobs and their files older than a day
are removed when a job starts or is read. The command line builds the same ZIP through
`build_zip`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.services.reports.area_card import CardSource, Reader
from portal.store.models import Area
from portal.web.database import get_database
from portal.web.report_cards import audit_card, render_card

_log = logging.getLogger(__name__)
#: Seconds a job and its ZIP are kept.
KEEP_S = 24 * 3600
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
#: Seconds between two touches of a running job's file by the process that runs it.
HEARTBEAT_S = 10
#: Seconds without a touch after which a running job is taken as lost: only a process that
#: stopped (a restart, a crash) leaves its job's file this long.
STALLED_S = 60
#: Times a lost job is started again (by its owner's next look at it) before it reads as failed.
RESUMES = 2
#: The threads of the jobs this process started, by job id (tests wait on them; never polled).
THREADS: dict[str, threading.Thread] = {}


def jobs_folder() -> Path:
    """Return the folder of the jobs (created when missing)."""
    folder = Path(current_app.config["PORTAL_SETTINGS"].instance_path) / "report-cards"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def level_codes(session, level: str) -> list[str]:
    """Return the codes of the stored areas of ``level``, in order."""
    return list(session.scalars(select(Area.code).where(Area.level == level).order_by(Area.code)))


def build_zip(session, reader: Reader, level: str, as_of: dt.date, since: dt.date | None,
              lang: str, target: Path,
              progress: Callable[[int, int], None] = lambda done, total: None,
              what: str = "report_cards") -> int:  # fmt: skip
    """Write one card per area of ``level`` into the ZIP ``target``; return how many.

    ``progress(done, total)`` is called before the first card and after each; each card that
    holds personal records is written to the audit log for ``reader``.
    """
    codes = level_codes(session, level)
    source = CardSource(session, as_of, since, whole_layers=True)
    progress(0, len(codes))
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
        for done, code in enumerate(codes, start=1):
            card = render_card(source, reader, level, code, lang)
            archive.writestr(card.file_name, card.pdf)
            if card.personal_ids:
                with get_database().transaction() as audit_session:
                    audit_card(audit_session, reader.username, card, code, what, level=level)
            progress(done, len(codes))
    os.replace(partial, target)
    return len(codes)


def _state_path(job: str) -> Path:
    return jobs_folder() / f"{job}.json"


def _write_state(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temporary, path)


def clean_old(now: float | None = None) -> int:
    """Remove the jobs and files older than a day; return how many files went."""
    now = time.time() if now is None else now
    removed = 0
    for path in jobs_folder().iterdir():
        if now - path.stat().st_mtime > KEEP_S:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def start_job(reader: Reader, user_id: int, level: str, as_of: dt.date, since: dt.date | None,
              lang: str) -> dict[str, Any]:  # fmt: skip
    """Start building a level's cards in a thread; return the job's first state."""
    clean_old()
    job = secrets.token_urlsafe(18)
    state = {"id": job, "owner": user_id, "level": level, "as_of": as_of.isoformat(),
             "since": since.isoformat() if since else None, "lang": lang, "done": 0,
             "total": 0, "state": "running", "created": time.time(), "resumes": 0}  # fmt: skip
    _write_state(_state_path(job), state)
    _launch(state, reader)
    return state


def _launch(state: dict[str, Any], reader: Reader) -> None:
    """Build the job's cards in a thread, its file touched every ``HEARTBEAT_S`` meanwhile."""
    job = state["id"]
    path = _state_path(job)
    level, lang = state["level"], state["lang"]
    as_of = dt.date.fromisoformat(state["as_of"])
    since = dt.date.fromisoformat(state["since"]) if state["since"] else None
    app = current_app._get_current_object()  # noqa: SLF001 - the app, not the proxy
    finished = threading.Event()

    def progress(done: int, total: int) -> None:
        _write_state(path, {**state, "done": done, "total": total})

    def run() -> None:
        threading.Thread(target=_heartbeat, args=(path, finished), daemon=True,
                         name=f"report-cards-beat-{job[:8]}").start()  # fmt: skip
        with app.app_context():  # noqa: SIM117 - the session needs the context first
            try:
                with get_database().sessions() as session:
                    total = build_zip(session, reader, level, as_of, since, lang,
                                      path.with_suffix(".zip"), progress)
                _write_state(path, {**state, "done": total, "total": total, "state": "done"})
            except Exception:  # noqa: BLE001 - the job says it failed; the log has the detail
                _log.exception("report cards job %s failed", job)
                _write_state(path, {**json.loads(path.read_text()), "state": "failed"})
            finally:
                finished.set()
                THREADS.pop(job, None)

    thread = threading.Thread(target=run, daemon=True, name=f"report-cards-{job[:8]}")
    THREADS[job] = thread
    thread.start()


def _heartbeat(path: Path, finished: threading.Event) -> None:
    """Touch ``path`` every ``HEARTBEAT_S`` until ``finished``: this process still runs the job."""
    while not finished.wait(HEARTBEAT_S):
        try:
            os.utime(path)
        except OSError:
            return  # removed (older than a day): nothing left to keep alive


def read_job(job: str, owner: tuple[int, Reader] | None = None) -> dict[str, Any] | None:
    """Return a job's state, None when unknown (or older than a day).

    A job still "running" whose file was not touched for ``STALLED_S`` lost its process. When
    ``owner`` (user id, reader) is the one who started it, it is started again from its first
    card with that reader's rights of today, at most ``RESUMES`` times. Else, or after that, it
    reads as "failed" (``stalled``); the file is left as it is, so that its owner's next look
    may still start it again, and every worker reads the same from it.
    """
    if not JOB_ID.match(job):
        return None
    clean_old()
    return _read(_state_path(job), owner)


def owned_jobs(user_id: int, reader: Reader) -> list[dict[str, Any]]:
    """Return the kept jobs ``user_id`` started, newest first (one that lost its worker resumed)."""
    clean_old()
    found = [_read(path, (user_id, reader)) for path in jobs_folder().glob("*.json")]
    mine = [state for state in found if state is not None and state.get("owner") == user_id]
    return sorted(mine, key=lambda state: state.get("created", 0), reverse=True)


def _read(path: Path, owner: tuple[int, Reader] | None) -> dict[str, Any] | None:
    """Return the state in ``path`` as `read_job` tells it (None when unreadable)."""
    job = path.stem
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        idle = time.time() - path.stat().st_mtime
    except (OSError, ValueError):
        return None
    if state.get("state") != "running" or idle <= STALLED_S:
        return state
    resumes = state.get("resumes", 0)
    if owner is not None and owner[0] == state.get("owner") and resumes < RESUMES:
        if not _claim(job, resumes + 1):
            return state  # another worker is starting it again this moment
        state = {**state, "done": 0, "total": 0, "resumes": resumes + 1}
        _write_state(path, state)
        _launch(state, owner[1])
        return state
    return {**state, "state": "failed", "stalled": True}  # its worker stopped: say so


def _claim(job: str, attempt: int) -> bool:
    """Return True for the one process that creates the claim of ``attempt`` (atomic)."""
    try:
        os.close(os.open(jobs_folder() / f"{job}.resume{attempt}", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


def job_zip(job: str) -> Path:
    """Return the path of a job's ZIP."""
    return _state_path(job).with_suffix(".zip")
