"""Work a request starts and does not wait for: one thread per piece, under the app's context."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable

from flask import current_app

_log = logging.getLogger(__name__)
_lock = threading.Lock()


def start_once(key: Hashable, work: Callable[[], object]) -> bool:
    """Run ``work`` in a thread of its own unless work under ``key`` is running already.

    The thread has an app context of its own (its own ``g``, so its own database session,
    closed when it ends); a failure is logged, never raised: whoever wanted the result goes
    on without it. Returns whether a thread was started.
    """
    app = current_app._get_current_object()  # noqa: SLF001 - the app, not the proxy
    running = app.extensions.setdefault("portal_background", set())
    with _lock:
        if key in running:
            return False
        running.add(key)

    def run() -> None:
        try:
            with app.app_context():
                work()
        except Exception:  # noqa: BLE001 - logged; the caller answered without it
            _log.exception("background work %r failed", key)
        finally:
            with _lock:
                running.discard(key)

    threading.Thread(target=run, daemon=True, name=f"portal-{key!r}"[:60]).start()
    return True
