"""The response cache: keys include the store's data version, so an edit anywhere retires them.

One process keeps a small LRU (:class:`VersionedCache`). With ``PORTAL_REDIS_URL`` set,
:class:`SharedCache` puts the same LRU in front of Redis, so an answer computed by one worker
or host is served by all the others: entries are pickled, signed with the secret key (nothing
another Redis client wrote is ever unpickled), kept ``ttl`` seconds and left out of Redis when
larger than ``max_bytes``. When Redis does not answer, the portal computes as if there were no
cache, logs it once and tries Redis again a little later.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, Response, current_app

log = logging.getLogger(__name__)

#: Prefix of every cache key in Redis (the sign-in limiter's keys start with ``LIMITS``).
KEY_PREFIX = "portal:cache:"
#: Seconds an entry is kept in Redis; entries of an older data version are never read again.
TTL_SECONDS = 6 * 3600
#: Entries larger than this (pickled) stay in the process; Redis holds the rest.
MAX_SHARED_BYTES = 8 * 1024 * 1024
#: Seconds the portal leaves Redis alone after it failed to answer.
RETRY_AFTER_SECONDS = 30.0
#: Seconds Redis may take to connect or answer before the portal computes without it.
REDIS_TIMEOUT_SECONDS = 0.5
#: Answers for one map view (a bounding box) kept per process: many, up to a few hundred KB
#: each and rarely asked for twice, so they stay out of the main cache (where they evicted
#: pages and per-area figures that take seconds to compute) and out of Redis.
VIEW_CACHE_SIZE = 64
#: Whole public pages kept per process (``portal.web.page_cache``): any query string makes a
#: new address, so they too stay out of the main cache (where junk addresses would evict the
#: per-area figures) and out of Redis (which they could fill); a page renders in a few ms.
PAGE_CACHE_SIZE = 128


class VersionedCache:
    """Least-recently-used cache; entries die when the data version in their key moves on."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any | None:
        """Return the cached value for ``key`` without computing it, or None."""
        with self._lock:
            return self._items.get(key)

    def store(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used entries over size."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the cached value for ``key``, computing and storing it when absent."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        self.store(key, value)
        return value


def key_text(key: Hashable) -> str:
    """Return ``key`` as text that is the same in every process (sets sorted).

    >>> key_text(("progress", frozenset({"b", "a"}), 3))
    "('progress', ['a', 'b'], 3)"
    """
    if isinstance(key, tuple):
        inner = ", ".join(key_text(part) for part in key)
        return f"({inner}{',' if len(key) == 1 else ''})"
    if isinstance(key, (set, frozenset)):
        return "[" + ", ".join(sorted(key_text(part) for part in key)) + "]"
    return repr(key)


def redis_key(key: Hashable) -> str:
    """Return the Redis key of a cache key: the prefix and a digest of :func:`key_text`."""
    return KEY_PREFIX + hashlib.sha256(key_text(key).encode()).hexdigest()


class SharedCache(VersionedCache):
    """The process LRU in front of Redis, shared by every worker and host."""

    def __init__(self, client, secret: bytes, size: int = 256, ttl: int = TTL_SECONDS,
                 max_bytes: int = MAX_SHARED_BYTES) -> None:
        super().__init__(size)
        self.client = client
        self.secret = secret
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._down_until = 0.0
        self._warned = False

    def sign(self, payload: bytes) -> bytes:
        """Return ``payload`` with its HMAC in front."""
        return hmac.new(self.secret, payload, hashlib.sha256).digest() + payload

    def _unsigned(self, stored: bytes) -> bytes | None:
        mac, payload = stored[:32], stored[32:]
        if hmac.compare_digest(mac, hmac.new(self.secret, payload, hashlib.sha256).digest()):
            return payload
        log.warning("A cache entry in Redis has a wrong signature; it is ignored")
        return None

    def _redis(self, action: Callable[[], Any]) -> Any:
        """Run ``action`` against Redis; None (logged once) while Redis does not answer."""
        if time.monotonic() < self._down_until:
            return None
        try:
            result = action()
        except Exception as exc:  # any Redis failure means: compute without it
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            if not self._warned:
                log.warning("Redis does not answer (%s); answers are computed without the "
                            "shared cache until it does", exc)
                self._warned = True
            return None
        if self._warned:
            log.warning("Redis answers again; the shared cache is back")
            self._warned = False
        return result

    def _shared(self, key: Hashable) -> Any | None:
        stored = self._redis(lambda: self.client.get(redis_key(key)))
        payload = self._unsigned(stored) if stored else None
        if payload is None:
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # an entry of another portal version: computed again
            return None

    def peek(self, key: Hashable) -> Any | None:
        """Return the value for ``key`` from this process or from Redis, or None."""
        value = super().peek(key)
        if value is None:
            value = self._shared(key)
            if value is not None:
                super().store(key, value)
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the value for ``key``: from this process, from Redis, or computed and shared."""
        value = self.peek(key)
        if value is not None:
            return value
        value = compute()
        super().store(key, value)
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):  # kept by this process only
            log.debug("Not shared through Redis (cannot be pickled): %s", key_text(key))
            return value
        if len(payload) <= self.max_bytes:
            signed = self.sign(payload)
            self._redis(lambda: self.client.set(redis_key(key), signed, ex=self.ttl))
        return value


def redis_client(url: str):
    """Return a redis-py client for ``url`` that gives up quickly when Redis does not answer."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


def init_app(app: Flask) -> None:
    """Attach a cache to ``app``: shared through Redis when ``PORTAL_REDIS_URL`` is set."""
    url = getattr(app.config["PORTAL_SETTINGS"], "redis_url", "")
    if url:
        app.extensions["portal_cache"] = SharedCache(
            redis_client(url), app.config["SECRET_KEY"].encode()
        )
    else:
        app.extensions["portal_cache"] = VersionedCache()
    app.extensions["portal_view_cache"] = VersionedCache(VIEW_CACHE_SIZE)
    app.extensions["portal_page_cache"] = VersionedCache(PAGE_CACHE_SIZE)


def get_cache() -> VersionedCache:
    """Return the app's cache."""
    return current_app.extensions["portal_cache"]


def get_page_cache() -> VersionedCache:
    """Return the app's cache of whole public pages, kept in this process only."""
    return current_app.extensions["portal_page_cache"]


def get_view_cache() -> VersionedCache:
    """Return the app's cache of answers for one map view, kept in this process only."""
    return current_app.extensions["portal_view_cache"]


def store_version() -> int:
    """Return the store's data version, read once per request on the request's session.

    One session per request: a second pooled connection for this light query alone would add
    its own checkout, ping, BEGIN and ROLLBACK on PostgreSQL for every answer.
    """
    from flask import g

    from portal.store.loader import data_version
    from portal.web.database import get_session

    if "portal_data_version" not in g:
        g.portal_data_version = data_version(get_session())
    return g.portal_data_version


def per_version(name: str, compute: Callable[[], Any], *key: Hashable) -> Any:
    """Return ``compute()`` cached until the store's data changes (pages' small queries)."""
    return get_cache().get_or_compute((name, *key, store_version()), compute)


def cached_answer(cache: VersionedCache, key: tuple, compute: Callable[[], bytes],
                  mimetype: str) -> Response:
    """Answer from ``cache`` by ``key`` and the data version, compressed once, with an ETag.

    A client holding the answer's ETag gets a 304 without the cache being asked. The answer
    says ``no-cache``: revalidate each time, which the ETag makes cheap.
    """
    from flask import request

    from portal.web.compression import EncodedBody, chosen_encoding, encoded_response

    full_key = (*key, store_version())
    encoding = chosen_encoding()
    etag = hashlib.sha1(repr(full_key).encode()).hexdigest() + (f":{encoding}" if encoding else "")
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers={"ETag": f'"{etag}"'})
        response.vary.add("Accept-Encoding")
    else:
        body = cache.get_or_compute(full_key, lambda: EncodedBody(compute()))
        response = encoded_response(body, encoding, mimetype)
        response.set_etag(etag)
    response.cache_control.no_cache = True
    return response
