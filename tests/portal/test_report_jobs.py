"""Batch report-card jobs whose worker stopped: started again by their owner's look, or failed.

A job is a file under ``<instance>/report-cards/``; a worker that stops (a restart, a crash)
leaves it "running" and untouched. The tests write such files, as a stopped worker leaves them,
and look at them through the portal as its users do.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.services.accounts import create_user
from portal.store.users import User
from portal.web import report_jobs
from portal.web.database import get_database

PASSWORD = "núi Mẫu Sơn 1541 m cao"


def _client(app, name: str, role: str, areas: tuple[str, ...] = ()):
    with get_database(app).transaction() as session:
        create_user(session, name, PASSWORD, role, areas=areas)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": name, "password": PASSWORD,
                                         "csrf_token": token})  # fmt: skip
    assert answer.status_code == 302
    return client


@pytest.fixture
def people(app):
    return {"ke-hoach": _client(app, "ke-hoach", "planner"),
            "quan-tri": _client(app, "quan-tri", "admin")}  # fmt: skip


def _folder(app) -> Path:
    folder = Path(app.config["PORTAL_SETTINGS"].instance_path) / "report-cards"
    folder.mkdir(exist_ok=True)
    return folder


def _left_by_a_stopped_worker(app, job: str, quiet_s: float, resumes: int = 0,
                              owner: str = "ke-hoach") -> Path:  # fmt: skip
    """Write a "running" job of ``owner``'s whose file was last touched ``quiet_s`` ago."""
    with get_database(app).sessions() as session:
        owner_id = session.scalar(select(User.id).where(User.username == owner))
    path = _folder(app) / f"{job}.json"
    path.write_text(json.dumps({"id": job, "owner": owner_id, "level": "province",
                                "as_of": "2025-11-30", "since": None, "lang": "vi", "done": 12,
                                "total": 65, "state": "running", "created": time.time() - quiet_s,
                                "resumes": resumes}))  # fmt: skip
    os.utime(path, (time.time() - quiet_s, time.time() - quiet_s))
    return path


def _finish(job: str) -> None:
    thread = report_jobs.THREADS.get(job)
    if thread is not None:
        thread.join(timeout=300)


def _look(client, job: str) -> tuple:
    answer = client.get(f"/reports/cards/{job}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    state = answer.get_json()
    return state["state"], state["done"], state["total"], state["resumes"]


def test_a_lost_job_starts_again_when_its_owner_looks_and_gives_its_zip(app, people):
    lost = "lost-job-0123456789ab"
    path = _left_by_a_stopped_worker(app, lost, report_jobs.STALLED_S + 30)
    busy = "busy-job-0123456789ab"
    _left_by_a_stopped_worker(app, busy, report_jobs.STALLED_S - 30)

    assert _look(people["ke-hoach"], lost) == ("running", 0, 0, 1)
    assert _look(people["ke-hoach"], busy) == ("running", 12, 65, 0)  # not lost yet
    _finish(lost)
    assert _look(people["ke-hoach"], lost) == ("done", 1, 1, 1)
    answer = people["ke-hoach"].get(f"/reports/cards/{lost}.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    names = zipfile.ZipFile(_folder(app) / f"{lost}.zip").namelist()
    answer.close()
    assert names == ["province-20-tinh-lang-son-2025-11-30-vi.pdf"]
    assert json.loads(path.read_text())["state"] == "done"  # every worker reads the same


def test_an_administrators_look_does_not_start_anothers_job_nor_end_it(app, people):
    lost = "lost-job-abcdefghijkl"
    path = _left_by_a_stopped_worker(app, lost, report_jobs.STALLED_S + 30)
    assert _look(people["quan-tri"], lost) == ("failed", 12, 65, 0)
    assert lost not in report_jobs.THREADS
    assert json.loads(path.read_text())["state"] == "running"  # the owner may still resume it
    assert _look(people["ke-hoach"], lost) == ("running", 0, 0, 1)
    _finish(lost)
    assert _look(people["quan-tri"], lost) == ("done", 1, 1, 1)


def test_a_job_lost_again_after_its_last_restart_reads_as_failed(app, people):
    lost = "lost-job-twice-012345"
    path = _left_by_a_stopped_worker(app, lost, report_jobs.STALLED_S + 30,
                                     resumes=report_jobs.RESUMES)  # fmt: skip
    assert _look(people["ke-hoach"], lost) == ("failed", 12, 65, report_jobs.RESUMES)
    assert lost not in report_jobs.THREADS and json.loads(path.read_text())["done"] == 12


def test_only_one_worker_starts_a_lost_job_again(app, people):
    lost = "lost-job-claimed-0123"
    _left_by_a_stopped_worker(app, lost, report_jobs.STALLED_S + 30)
    (_folder(app) / f"{lost}.resume1").touch()  # another worker claimed it a moment ago
    assert _look(people["ke-hoach"], lost) == ("running", 12, 65, 0)
    assert lost not in report_jobs.THREADS


def test_a_running_job_keeps_its_file_fresh_until_it_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(report_jobs, "HEARTBEAT_S", 0.05)
    path = tmp_path / "job.json"
    path.write_text("{}")
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    finished = threading.Event()
    beat = threading.Thread(target=report_jobs._heartbeat, args=(path, finished))
    beat.start()
    time.sleep(0.3)
    assert time.time() - path.stat().st_mtime < 5
    finished.set()
    beat.join(timeout=5)
    assert not beat.is_alive()
    path.unlink()  # a file removed under it (older than a day) ends it too
    again = threading.Thread(target=report_jobs._heartbeat, args=(path, threading.Event()))
    again.start()
    again.join(timeout=5)
    assert not again.is_alive()


def test_the_page_lists_ones_own_batches_and_starts_a_lost_one_again(app, people):
    done = "done-job-0123456789ab"
    path = _left_by_a_stopped_worker(app, done, 3600)
    path.write_text(json.dumps({**json.loads(path.read_text()), "state": "done", "done": 11,
                                "total": 11, "level": "district"}))  # fmt: skip
    lost = "lost-job-listed-01234"
    _left_by_a_stopped_worker(app, lost, report_jobs.STALLED_S + 30)
    admins = "admins-job-0123456789"
    _left_by_a_stopped_worker(app, admins, report_jobs.STALLED_S + 30, owner="quan-tri")

    html = people["ke-hoach"].get("/reports/cards").get_data(as_text=True)
    rows = re.findall(r'<tr data-job="([^"]+)" data-job-state="([a-z]+)">', html)
    assert rows == [(lost, "running"), (done, "done")]  # newest first; not the admin's
    assert "Các lượt in của bạn trong một ngày qua" in html
    assert f'href="/reports/cards/{done}.zip">Tải tệp ZIP</a> (11 thẻ)' in html
    assert "Đang làm: 0 trên 0 thẻ" in html and "Huyện, thành phố" in html
    assert lost in report_jobs.THREADS and admins not in report_jobs.THREADS
    _finish(lost)
    assert _look(people["ke-hoach"], lost) == ("done", 1, 1, 1)
    html = people["quan-tri"].get("/reports/cards").get_data(as_text=True)
    assert re.findall(r'<tr data-job="([^"]+)"', html) == [admins]
    _finish(admins)
