"""SeenKeys: the keys of a file's earlier chunks, as a dict of them would answer."""

import random

import numpy as np

from layers.importing import seen_keys
from layers.importing.seen_keys import SeenKeys


def _reference_meet(reference: dict, keys: list[str], rows: list[int]) -> list[int]:
    found = [reference.get(key, 0) for key in keys]
    for key, row in zip(keys, rows, strict=True):
        reference.setdefault(key, row)
    return found


def _chunks(seed: int, count: int, size: int, spread: int):
    rng = random.Random(seed)
    row = 2
    for _ in range(count):
        keys = [f"{rng.choice(['signal', 'housing'])}\x00{rng.randrange(spread):05d}"
                for _ in range(size)]  # fmt: skip
        yield keys, list(range(row, row + size))
        row += size


def test_it_answers_as_a_dict_of_the_keys_over_many_chunks():
    seen, reference = SeenKeys(), {}
    for keys, rows in _chunks(7, 12, 2_000, 40_000):
        assert seen.meet(keys, rows).tolist() == _reference_meet(reference, keys, rows)
    assert len(seen) == len(reference) > 15_000


def test_keys_sharing_their_first_hash_are_told_apart_by_the_second(monkeypatch):
    real = seen_keys._hashes

    def weak(keys):  # a first hash of 16 values: most keys share it with others
        first, second = real(keys)
        return first % 16, second

    monkeypatch.setattr(seen_keys, "_hashes", weak)
    seen, reference = SeenKeys(), {}
    for keys, rows in _chunks(3, 6, 500, 1_500):
        assert seen.meet(keys, rows).tolist() == _reference_meet(reference, keys, rows)
    assert len(seen) == len(reference)


def test_the_same_id_in_two_layers_is_two_keys_and_vietnamese_ids_too():
    seen = SeenKeys()
    seen.meet(["signal\x00Bản Nà", "housing\x00HỘ-01"], [2, 3])
    assert seen.meet(["housing\x00Bản Nà", "signal\x00Bản Nà", "housing\x00HỘ-01",
                      "housing\x00HO-01", "housing\x00HỘ-01 "],
                     [4, 5, 6, 7, 8]).tolist() == [0, 2, 3, 0, 0]  # fmt: skip


def test_no_keys():
    seen = SeenKeys()
    assert seen.meet([], []).dtype == np.int64 and len(seen) == 0
    assert seen.meet(["signal\x00B-1"], [5]).tolist() == [0]
    assert seen.meet([], []).tolist() == [] and len(seen) == 1
