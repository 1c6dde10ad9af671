"""The shared cache and sign-in limits in one process: a Redis that stops answering takes nothing
down, big entries stay out of Redis, every entry expires; the proxy's client address is used
only when ``PORTAL_BEHIND_PROXY`` says a proxy is there."""

from __future__ import annotations

import logging
import re
import threading

import pytest

from portal import create_app
from portal.cli.serve import free_port, redis_server
from portal.web.cache import KEY_PREFIX, SharedCache, redis_client, redis_key


def _portal(db_url, tmp_path, **settings):
    app = create_app({"database_url": db_url, "instance_path": tmp_path,
                      "default_as_of": "2025-11-30", "auto_seed": False, **settings})
    app.config["TESTING"] = True
    return app


def _attempt(client, address: str | None = None) -> int:
    headers = {"X-Forwarded-For": address} if address else {}
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", headers=headers, data={
        "username": "viettel-ls", "password": "wrong", "csrf_token": token,
    }).status_code


def test_entries_expire_and_big_ones_stay_in_the_process(tmp_path):
    with redis_server(tmp_path / "redis") as url:
        client = redis_client(url)
        cache = SharedCache(client, b"secret", ttl=600, max_bytes=1000)
        assert cache.get_or_compute(("small", 1), lambda: b"x" * 10) == b"x" * 10
        assert 0 < client.ttl(redis_key(("small", 1))) <= 600
        assert cache.get_or_compute(("big", 1), lambda: b"x" * 5000) == b"x" * 5000
        assert client.exists(redis_key(("big", 1))) == 0
        assert cache.peek(("big", 1)) == b"x" * 5000  # kept by this process all the same
        lock = threading.Lock()  # cannot be pickled: kept by this process, nothing shared
        assert cache.get_or_compute(("lock", 1), lambda: lock) is lock
        assert client.exists(redis_key(("lock", 1))) == 0
        other = SharedCache(client, b"secret")  # another worker
        assert other.peek(("small", 1)) == b"x" * 10 and other.peek(("big", 1)) is None
        assert client.keys("*") == [redis_key(("small", 1)).encode()]
        assert redis_key(("small", 1)).startswith(KEY_PREFIX)


def test_a_redis_that_is_down_means_computing_with_one_log_line(caplog):
    cache = SharedCache(redis_client(f"redis://127.0.0.1:{free_port()}/0"), b"secret")
    calls = []
    with caplog.at_level(logging.WARNING, logger="portal.web.cache"):
        for n in range(3):
            assert cache.get_or_compute(("k", n), lambda: calls.append(1) or 42) == 42
    assert len(calls) == 3
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and warnings[0].startswith("Redis does not answer")


def test_the_portal_keeps_answering_when_redis_stops(db_url, tmp_path, caplog):
    with redis_server(tmp_path / "redis") as url:
        app = _portal(db_url, tmp_path, redis_url=url, login_rate_limit="2 per minute")
        client = app.test_client()
        assert client.get("/api/progress?layer=signal&level=commune").status_code == 200
        assert redis_client(url).dbsize() == 1
    with caplog.at_level(logging.WARNING):
        answer = client.get("/api/progress?layer=industry&level=commune")
        assert answer.status_code == 200 and answer.get_json()[0]["code"]
        # Sign-in limits are counted in the process while Redis is away: still limited.
        assert [_attempt(client) for _ in range(3)] == [200, 200, 429]
    assert any("Redis does not answer" in r.getMessage() for r in caplog.records)
    app.extensions["portal_db"].engine.dispose()


@pytest.mark.parametrize("behind_proxy, second_client", [(1, 200), (0, 429)])
def test_the_forwarded_client_address_counts_only_behind_a_proxy(
        db_url, tmp_path, behind_proxy, second_client):
    app = _portal(db_url, tmp_path, behind_proxy=behind_proxy, login_rate_limit="2 per minute")
    client = app.test_client()
    assert [_attempt(client, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    # Another office behind the same proxy: its own count only when the proxy is trusted;
    # without PORTAL_BEHIND_PROXY the header is anyone's to write and is ignored.
    assert _attempt(client, "203.0.113.8") == second_client
    app.extensions["portal_db"].engine.dispose()
