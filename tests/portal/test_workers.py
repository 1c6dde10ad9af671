"""Several app processes on one database and one Redis: nothing that matters lives in one of them.

Two real ``langson-portal run`` processes (on two ports, one store: PostGIS on the PostgreSQL
pass, a SQLite file otherwise) share a ``redis-server`` started for the module: a sign-in limit
counted on one is reached on the other, a session signed out on one is refused by the other, an
edit made through one is seen in the other's cached answer, and an answer computed by one is
served by the other from Redis. ``run --workers 2`` serves with two gunicorn worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
import requests

from portal.cli.serve import free_port, redis_server
from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.web.cache import KEY_PREFIX
from portal.web.compression import EncodedBody

SECRET = "one-secret-for-every-worker-and-host"
PASSWORD = "correct horse battery staple"
TIMEOUT = 20  # seconds any one HTTP request may take


def _add_users(db_url: str) -> None:
    db = open_database(db_url)
    with db.transaction() as session:
        create_user(session, "viettel-ls", PASSWORD, "telecom_editor")
        create_user(session, "revoked-editor", PASSWORD, "telecom_editor")
        create_user(session, "tram-editor", PASSWORD, "telecom_editor")
    db.engine.dispose()


def _wait_for_line(path: Path, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path} after {seconds} s:\n{path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def shared(stores, template_url, tmp_path_factory, portal_process):
    """One store, one Redis, two portal processes A and B serving them."""
    folder = tmp_path_factory.mktemp("workers")
    db_url = stores.new(folder, template_url)
    try:
        _add_users(db_url)
        with ExitStack() as stack:
            url = stack.enter_context(redis_server(folder / "redis"))
            portals = [
                stack.enter_context(portal_process(
                    db_url, folder / name, redis_url=url, secret_key=SECRET,
                    login_rate_limit="3 per minute",
                ))
                for name in ("a", "b")
            ]
            for name in ("a", "b"):  # the start-up warming is over: Redis holds only its keys
                _wait_for_line(folder / name / "server.log", "Caches warmed")
            yield {"a": portals[0].base, "b": portals[1].base,
                   "redis": redis.Redis.from_url(url)}
    finally:
        stores.drop(db_url)


def _form_token(http: requests.Session, base: str) -> str:
    page = http.get(f"{base}/login", timeout=TIMEOUT).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _sign_in(http: requests.Session, base: str, username: str, password: str) -> int:
    data = {"username": username, "password": password, "csrf_token": _form_token(http, base)}
    return http.post(f"{base}/login", data=data, allow_redirects=False, timeout=TIMEOUT).status_code


def _page_token(http: requests.Session, base: str) -> str:
    page = http.get(f"{base}/import", timeout=TIMEOUT).text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_failed_sign_ins_on_one_process_count_on_the_other(shared):
    a, b = requests.Session(), requests.Session()
    statuses = [_sign_in(a, shared["a"], "viettel-ls", "wrong"),
                _sign_in(a, shared["a"], "viettel-ls", "wrong"),
                _sign_in(b, shared["b"], "viettel-ls", "wrong"),
                _sign_in(b, shared["b"], "viettel-ls", "wrong"),
                _sign_in(a, shared["a"], "viettel-ls", PASSWORD)]
    # 3 per minute in all: the 4th attempt, the first B makes beyond A's two, is refused, and so
    # is A's next one, even with the right password.
    assert statuses == [200, 200, 200, 429, 429]


def test_a_session_signed_out_on_one_process_is_refused_by_the_other(shared):
    a = requests.Session()
    assert _sign_in(a, shared["a"], "revoked-editor", PASSWORD) == 302
    b = requests.Session()
    b.cookies.update(a.cookies)  # the same cookie, copied to a client of B
    headers = {"Accept": "application/json"}
    assert b.get(f"{shared['b']}/api/edit/config", headers=headers, timeout=TIMEOUT
                 ).status_code == 200
    signed_out = a.post(f"{shared['a']}/logout", data={"csrf_token": _page_token(a, shared["a"])},
                        allow_redirects=False, timeout=TIMEOUT)
    assert signed_out.status_code == 302
    refused = b.get(f"{shared['b']}/api/edit/config", headers=headers, timeout=TIMEOUT)
    assert refused.status_code == 401
    assert refused.json()["status"] == 401
    page = b.get(f"{shared['b']}/import", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def _commune_progress(base: str, code: str) -> dict:
    today = dt.date.today().isoformat()  # the day an edit is dated by default
    answer = requests.get(f"{base}/api/progress?layer=signal&level=commune&as_of={today}",
                          timeout=TIMEOUT)
    assert answer.status_code == 200
    return next(row for row in answer.json() if row["code"] == code)


def test_an_edit_through_one_process_shows_in_the_others_cached_answer(shared):
    editor = requests.Session()
    assert _sign_in(editor, shared["a"], "tram-editor", PASSWORD) == 302
    features = editor.get(f"{shared['a']}/api/layers/signal/features?limit=500",
                          timeout=TIMEOUT).json()["features"]
    # A village whose station is built: going on air is its next milestone, a done status.
    record = next(f for f in features if f["properties"]["status"] == "station_built")
    code = record["properties"]["commune_code"]
    redis_keys = shared["redis"]
    before = _commune_progress(shared["b"], code)
    keys_after_first = redis_keys.dbsize()
    assert _commune_progress(shared["b"], code) == before  # B's answer, now cached
    assert redis_keys.dbsize() == keys_after_first
    current = editor.get(f"{shared['a']}/api/layers/signal/features/{record['id']}",
                         timeout=TIMEOUT).json()
    changed = editor.post(
        f"{shared['a']}/api/layers/signal/features/{record['id']}/status",
        json={"version": current["version"], "status": "on_air", "reason": "Đã phát sóng"},
        headers={"X-CSRFToken": _page_token(editor, shared["a"])}, timeout=TIMEOUT,
    )
    assert changed.status_code == 200, changed.text
    after = _commune_progress(shared["b"], code)
    assert after["done"] == before["done"] + 1
    assert after["status_counts"]["on_air"] == before["status_counts"].get("on_air", 0) + 1


def _signed(payload: bytes, secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest() + payload


def _new_key(client: redis.Redis, before: set[bytes]) -> bytes:
    (key,) = set(client.keys(f"{KEY_PREFIX}*")) - before
    return key


def test_an_answer_computed_by_one_process_is_served_by_the_other_from_redis(shared):
    client = shared["redis"]
    url = "/api/progress?layer=industry&level=district"
    before = set(client.keys(f"{KEY_PREFIX}*"))
    real = requests.get(shared["a"] + url, timeout=TIMEOUT)
    assert real.status_code == 200 and real.json()[0]["code"]
    key = _new_key(client, before)  # the one entry A computed
    # Replace A's entry with a marker: B answers with it, so B took A's entry from Redis.
    marker = EncodedBody(b'[{"code":"from-redis"}]')
    client.set(key, _signed(pickle.dumps(marker)), keepttl=True)
    assert 0 < client.ttl(key) <= 6 * 3600
    served = requests.get(shared["b"] + url, timeout=TIMEOUT)
    assert served.status_code == 200 and served.json() == [{"code": "from-redis"}]
    # An entry not signed with the portal's secret key is never unpickled: B computes it.
    url = "/api/progress?layer=border&level=district"
    before = set(client.keys(f"{KEY_PREFIX}*"))
    real = requests.get(shared["a"] + url, timeout=TIMEOUT)
    key = _new_key(client, before)
    client.set(key, _signed(pickle.dumps(marker), secret="someone-else"), keepttl=True)
    served = requests.get(shared["b"] + url, timeout=TIMEOUT)
    assert served.status_code == 200 and served.json() == real.json()


def _children(pid: int) -> dict[int, str]:
    """The child processes of ``pid``: their ids and command names, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found[int(entry.name)] = name
    return found


def _gone(pids, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and " Z " not in Path(f"/proc/{p}/stat").read_text()]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _children_once_started(pid: int, count: int, seconds: float = 60) -> dict[int, str]:
    """The children of ``pid`` once ``count`` of them run (gunicorn forks one after another)."""
    deadline = time.monotonic() + seconds
    children = _children(pid)
    while len(children) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        children = _children(pid)
    return children


def _answers(base: str) -> list[int]:
    """Status codes of five requests, each on a new connection."""
    return [requests.get(f"{base}/api/layers", headers={"Connection": "close"},
                         timeout=TIMEOUT).status_code for _ in range(5)]


def test_run_with_two_workers_serves_from_two_processes_and_stops_its_redis(
        db_url, tmp_path, portal_process):
    with portal_process(db_url, tmp_path, "--workers", "2", "--redis",
                        secret_key=SECRET) as portal:
        children = _children_once_started(portal.process.pid, 3)
        servers = [pid for pid, name in children.items() if name == "redis-server"]
        workers = [pid for pid, name in children.items() if name != "redis-server"]
        assert len(servers) == 1 and len(workers) == 2, children
        assert "(2 workers)" in (tmp_path / "server.log").read_text()
        # Each worker answers alone while the other is stopped: two processes serve.
        for paused, serving in (workers, workers[::-1]):
            os.kill(paused, signal.SIGSTOP)
            try:
                assert _answers(portal.base) == [200] * 5
            finally:
                os.kill(paused, signal.SIGCONT)
            assert serving in _children(portal.process.pid)
    assert portal.process.returncode == 0
    assert _gone([*servers, *workers])  # redis-server stopped with the portal


def _run_fails(env: dict[str, str], *args: str) -> str:
    script = Path(sys.executable).with_name("langson-portal")
    finished = subprocess.run(
        [str(script), "run", "--port", str(free_port()), *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    return finished.stderr


def test_clear_start_up_errors_in_vietnamese_and_english(db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "PORTAL_INSTANCE_PATH": str(tmp_path),
           "PORTAL_AUTO_SEED": "false"}
    malformed = _run_fails({**env, "PORTAL_REDIS_URL": "127.0.0.1:6379"})
    assert "PORTAL_REDIS_URL='127.0.0.1:6379'" in malformed
    assert "không phải địa chỉ Redis / not a Redis URL" in malformed
    assert "redis://host:port/db" in malformed
    port = free_port()  # nothing listens there
    unreachable = _run_fails({**env, "PORTAL_REDIS_URL": f"redis://:pw@127.0.0.1:{port}/0"})
    assert f"Không kết nối được Redis tại redis://:***@127.0.0.1:{port}/0" in unreachable
    assert f"Cannot reach Redis at redis://:***@127.0.0.1:{port}/0" in unreachable
    assert ":pw@" not in unreachable
    alone = _run_fails(env, "--workers", "2")
    assert "--workers 2 cần một Redis dùng chung" in alone
    assert "--workers 2 needs a Redis shared by the workers" in alone
    assert "PORTAL_REDIS_URL" in alone and "--redis" in alone
