"""Pages of GeoJSON features put together from each record's serialised bytes.

Serialising a record (its public properties, its rounded geometry) costs far more than finding
it. Panning the map asks again and again for records it has seen, so each record's GeoJSON is
kept as bytes per (layer, date, data version, language) and a page of features is a join of
those bytes: only records not met before are read in full and serialised. An edit moves the
data version on, and the bytes of the former version are dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

#: Data versions (per layer, date and language) whose bytes are kept; older ones are dropped.
KEPT_GENERATIONS = 16
#: Most records kept per generation (about 400 bytes each).
MAX_RECORDS = 250_000


def compact_json(value: Any) -> bytes:
    """Return ``value`` as JSON without spaces, in UTF-8 rather than escaped ASCII.

    >>> compact_json({"name": "Tràng Định", "n": [1, 2]}).decode()
    '{"name":"Tràng Định","n":[1,2]}'
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class FeatureFragments:
    """Each record's GeoJSON bytes, per generation (layer, date, data version, language)."""

    def __init__(self) -> None:
        self._generations: OrderedDict[tuple, dict[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def _generation(self, key: tuple) -> dict[int, bytes]:
        with self._lock:
            found = self._generations.get(key)
            if found is None:
                found = self._generations[key] = {}
                while len(self._generations) > KEPT_GENERATIONS:
                    self._generations.popitem(last=False)
            else:
                self._generations.move_to_end(key)
            return found

    def get_many(
        self,
        key: tuple,
        ids: Sequence[int],
        serialise_missing: Callable[[list[int]], Iterable[tuple[int, dict]]],
    ) -> list[bytes]:
        """Return the bytes of ``ids`` in order, serialising those not kept yet in one call."""
        kept = self._generation(key)
        missing = [i for i in ids if i not in kept]
        if missing:
            made = {fid: compact_json(feature) for fid, feature in serialise_missing(missing)}
            if len(kept) + len(made) > MAX_RECORDS:
                kept.clear()
            kept.update(made)
            return [kept.get(i) or made[i] for i in ids]
        return [kept[i] for i in ids]


def collection_bytes(
    fragments: Sequence[bytes], matched: int, as_of: dt.date, extra: dict | None = None
) -> bytes:
    """Return a FeatureCollection whose features are the given serialised records.

    >>> json.loads(collection_bytes([b'{"id":1}'], 3, dt.date(2025, 6, 30)))["features"]
    [{'id': 1}]
    """
    head = compact_json({
        "type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(fragments),
        "asOf": as_of.isoformat(), **(extra or {}),
    })
    return b"".join((head[:-1], b',"features":[', b",".join(fragments), b"]}"))
