"""The keys of the rows of a file's earlier chunks, and their row numbers, kept small.

A file read in chunks must tell a row that repeats the key (layer and id) of a row of an
earlier chunk, naming that row. A dict of the keys as text held 13 MB for 100,000 rows (the
largest part of an import's memory after the libraries); here each key is two 64-bit hashes
and its row number, 24 bytes, in sorted numpy arrays. Two keys share both hashes with a
chance of about 2^-128 per pair: for a file of a million rows, about 1 in 10^26.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SALT = "\x1e"  # the second hash is of the key and this: a message of its own


def _hashes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the two hashes of each key (Python's keyed SipHash, this process's key)."""
    first = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
    second = np.fromiter((hash(key + _SALT) for key in keys), dtype=np.int64, count=len(keys))
    return first, second


class SeenKeys:
    r"""Keys met so far (each with the number of its first row); rows are numbered from 1.

    >>> seen = SeenKeys()
    >>> seen.meet(["signal\x00B-1", "signal\x00B-2", "signal\x00B-1"], [2, 3, 4]).tolist()
    [0, 0, 0]
    >>> seen.meet(["signal\x00B-2", "signal\x00B-9"], [5, 6]).tolist(), len(seen)
    ([3, 0], 3)
    """

    def __init__(self) -> None:
        self._first = np.empty(0, dtype=np.int64)  # sorted
        self._second = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._rows)

    def meet(self, keys: Sequence[str], rows: Sequence[int]) -> np.ndarray:
        """Return the row of each key met in an earlier call (0: none), then keep the others.

        A key that repeats within ``keys`` is kept with its first row (its repeats get 0:
        telling them is the caller's).
        """
        first, second = _hashes(keys)
        found = self._rows_of(first, second)
        fresh = np.flatnonzero(found == 0)
        if len(set(keys)) != len(keys):
            firsts: dict[str, int] = {}
            for i in fresh.tolist():
                firsts.setdefault(keys[i], i)
            fresh = np.array(sorted(firsts.values()), dtype=np.int64)
        self._keep(first[fresh], second[fresh], np.asarray(rows, dtype=np.int64)[fresh])
        return found

    def _rows_of(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        found = np.zeros(len(first), dtype=np.int64)
        if not len(self) or not len(first):
            return found
        low = np.searchsorted(self._first, first, "left")
        high = np.searchsorted(self._first, first, "right")
        at = np.minimum(low, len(self) - 1)
        hit = (high - low == 1) & (self._second[at] == second)
        found[hit] = self._rows[at[hit]]
        for i in np.flatnonzero(high - low > 1):  # keys met that share the first hash
            same = np.flatnonzero(self._second[low[i] : high[i]] == second[i])
            if same.size:
                found[i] = self._rows[low[i] + same[0]]
        return found

    def _keep(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> None:
        first = np.concatenate([self._first, first])
        order = np.argsort(first, kind="stable")  # two sorted runs: merged in one pass
        self._first = first[order]
        self._second = np.concatenate([self._second, second])[order]
        self._rows = np.concatenate([self._rows, rows])[order]
