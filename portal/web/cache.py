"""A small in-process cache whose keys include the store's data version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app


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

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return the cached value for ``key``, computing and storing it when absent."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def init_app(app: Flask) -> None:
    """Attach a cache to ``app``."""
    app.extensions["portal_cache"] = VersionedCache()


def get_cache() -> VersionedCache:
    """Return the app's cache."""
    return current_app.extensions["portal_cache"]


def store_version() -> int:
    """Return the store's data version, read once per request."""
    from flask import g

    from portal.store.loader import data_version
    from portal.web.database import get_session

    if "portal_data_version" not in g:
        g.portal_data_version = data_version(get_session())
    return g.portal_data_version


def per_version(name: str, compute: Callable[[], Any], *key: Hashable) -> Any:
    """Return ``compute()`` cached until the store's data changes (pages' small queries)."""
    return get_cache().get_or_compute((name, *key, store_version()), compute)
