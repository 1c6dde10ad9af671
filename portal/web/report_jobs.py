"""Report cards of every area of a level in one ZIP: built in a thread, followed by its progress.

A job is two files under ``<instance>/report-cards/``: ``<id>.json`` (owner, parameters, done,
total, state, written again after each card) and ``<id>.zip`` once done, so every worker of
the portal can answer for a job another one runs. Jobs and their files older than a day are
removed when a job starts or is read. The command line builds the same ZIP through `build_zip`.
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
#: Seconds without progress after which a running job is taken as lost: a card takes a second
#: or two and each one moves the job's file, so only a worker that stopped (a restart, a crash)
#: leaves it this long.
STALLED_S = 600
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
    path = _state_path(job)
    state = {"id": job, "owner": user_id, "level": level, "as_of": as_of.isoformat(),
             "since": since.isoformat() if since else None, "lang": lang, "done": 0,
             "total": 0, "state": "running", "created": time.time()}  # fmt: skip
    _write_state(path, state)
    app = current_app._get_current_object()  # noqa: SLF001 - the app, not the proxy

    def progress(done: int, total: int) -> None:
        _write_state(path, {**state, "done": done, "total": total})

    def run() -> None:
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
                THREADS.pop(job, None)

    thread = threading.Thread(target=run, daemon=True, name=f"report-cards-{job[:8]}")
    THREADS[job] = thread
    thread.start()
    return state


def read_job(job: str) -> dict[str, Any] | None:
    """Return a job's state, None when unknown (or older than a day).

    A job still "running" with no progress for ``STALLED_S`` is "failed" from then on.
    """
    if not JOB_ID.match(job):
        return None
    clean_old()
    path = _state_path(job)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        idle = time.time() - path.stat().st_mtime
    except (OSError, ValueError):
        return None
    if state.get("state") == "running" and idle > STALLED_S:
        state = {**state, "state": "failed", "stalled": True}  # its worker stopped: say so
        _write_state(path, state)
    return state


def job_zip(job: str) -> Path:
    """Return the path of a job's ZIP."""
    return _state_path(job).with_suffix(".zip")
