"""The preview of an import's dry run: its first rows as read, each with its problems by column.

The preview holds what the file says (never what the store holds), so a row aimed at a record
out of the user's reach shows only its own cells and the refusal. A row of a layer whose
personal fields the user may not read (a household of another area, or of a layer the user
does not handle) keeps its layer, id and status only: name, position and the cells of its
personal columns are left out, and so are the words of their problems.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

import shapely

from geodata.problems import Problem
from layers import CATALOGUE, get_layer
from layers.importing import ParsedRecord
from layers.importing.columns import ROLE_ALIASES
from layers.parsing import text_values

#: How many rows a dry run shows.
PREVIEW_ROWS = 50

#: Whether the user may read the personal fields of a record of this layer in these areas:
#: ``may_read(layer_id, commune_code, district_code)``.
ReadScope = Callable[[str, str | None, str | None], bool]

_HIDDEN_VI = "Giá trị không hợp lệ ở cột dữ liệu cá nhân (bạn không có quyền xem)."
_HIDDEN_EN = "A value in a personal-data column is not valid (you may not read it)."


def _role_columns(columns: dict[str, str]) -> dict[str, str]:
    """Return role -> file column from the report's file column -> role or field."""
    roles: dict[str, str] = {}
    for column, role in columns.items():
        if role in ROLE_ALIASES:
            roles.setdefault(role, column)
    return roles


def _number(text: Any) -> float | None:
    """Return a decimal degree written with a point or a comma, or None."""
    if text is None or text is pd.NA:
        return None
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _raw_layer(text: Any, layer_id: str | None) -> str | None:
    """Return the layer a row names (by id or name), or the file's layer."""
    if layer_id is not None:
        return layer_id
    if text is None or text is pd.NA:
        return None
    wanted = str(text).strip().casefold()
    for spec in CATALOGUE:
        if wanted in (spec.id, spec.name_vi.casefold(), spec.name_en.casefold()):
            return spec.id
    return None


def _status_words(layer_id: str | None, status: str | None, raw: Any) -> dict[str, Any]:
    """Return the status id (when read) and its words in both languages (else the cell)."""
    text = None if raw is None or raw is pd.NA else str(raw)
    if layer_id is None or status is None:
        return {"status": None, "status_vi": text, "status_en": text}
    spec = get_layer(layer_id).status(status)
    return {"status": status, "status_vi": spec.label_vi, "status_en": spec.label_en}


def _personal_columns(columns: dict[str, str], layer_id: str | None) -> set[str]:
    """Return the file columns that fill a personal field of the layer (all, if unknown)."""
    layers = CATALOGUE if layer_id is None else (get_layer(layer_id),)
    restricted = {f.name for spec in layers for f in spec.restricted_fields}
    return {column for column, target in columns.items() if target in restricted}


class _Rows:
    """The texts of the file's columns, by the file's row numbers."""

    def __init__(self, table: Any) -> None:
        frame = table.frame.reset_index(drop=True)
        self.texts = {str(c): text_values(frame[c]) for c in frame.columns}
        self.numbers = list(table.row_numbers)
        blank = np.ones(len(frame), dtype=bool)
        for values in self.texts.values():
            blank &= values.isna().to_numpy()
        if getattr(table, "geometry", None) is not None:
            blank &= shapely.is_missing(np.asarray(table.geometry, dtype=object))
        self.kept = np.flatnonzero(~blank).tolist()

    def cell(self, column: str | None, index: int) -> Any:
        """Return the text of a cell (None when empty or when there is no such column)."""
        if column is None or column not in self.texts:
            return None
        value = self.texts[column].iloc[index]
        return None if value is pd.NA else str(value)


def preview_rows(
    table: Any, records: Sequence[ParsedRecord], problems: Sequence[Problem],
    columns: dict[str, str], layer_id: str | None, may_read: ReadScope | None = None,
    limit: int = PREVIEW_ROWS,
) -> list[dict[str, Any]]:  # fmt: skip
    """Return the first ``limit`` non-blank rows of a read file, JSON-ready.

    Each row: its number in the file, layer, id, name, status (id and words), lon/lat in
    WGS 84 (of the checked record, else of its lon/lat cells), ``ok``, the cells of the
    columns with a problem (``values``) and those problems (``column``, ``value``,
    ``message_vi``, ``message_en``). ``may_read`` None shows everything (server commands).
    """
    rows = _Rows(table)
    roles = _role_columns(columns)
    parsed = {record.row: record for record in records}
    by_row: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.row is not None:
            by_row.setdefault(problem.row, []).append(problem)
    answer = []
    for index in rows.kept[:limit]:
        number = int(rows.numbers[index])
        record = parsed.get(number)
        answer.append(_row(rows, index, number, record, by_row.get(number, []), roles,
                           columns, layer_id, may_read))  # fmt: skip
    return answer


def _row(
    rows: _Rows, index: int, number: int, record: ParsedRecord | None, problems: list[Problem],
    roles: dict[str, str], columns: dict[str, str], layer_id: str | None,
    may_read: ReadScope | None,
) -> dict[str, Any]:  # fmt: skip
    """Return one row of the preview."""
    if record is not None:
        point = shapely.point_on_surface(record.geometry)
        lon, lat = round(point.x, 6), round(point.y, 6)
        row_layer, name, record_id = record.layer_id, record.name, record.record_id
        status = record.state.status if record.state else None
    else:
        lon, lat = _number(rows.cell(roles.get("lon"), index)), _number(
            rows.cell(roles.get("lat"), index)
        )
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            lon = lat = None
        row_layer = _raw_layer(rows.cell(roles.get("layer"), index), layer_id)
        name = rows.cell(roles.get("name"), index)
        record_id, status = rows.cell(roles.get("record_id"), index), None
    readable = _readable(row_layer, record, may_read)
    hidden = set() if readable else _personal_columns(columns, row_layer)
    if not readable:
        name, lon, lat = None, None, None
    return {
        "row": number, "layer": row_layer, "id": record_id, "name": name,
        **_status_words(row_layer, status, rows.cell(roles.get("status"), index)),
        "lon": lon, "lat": lat, "ok": not problems, "personal_hidden": not readable,
        "values": {p.field: None if p.field in hidden else rows.cell(p.field, index)
                   for p in problems if p.field},
        "problems": [_problem(p, p.field in hidden, columns) for p in problems],
    }  # fmt: skip


def _readable(layer_id: str | None, record: ParsedRecord | None, may_read: ReadScope | None):
    """Whether the user may see the row's personal fields (a public layer's have none)."""
    if may_read is None:
        return True
    if layer_id is not None and get_layer(layer_id).records_public:
        return True
    if layer_id is None:
        return False
    commune = record.commune_code if record is not None else None
    return may_read(layer_id, commune, None)


def _problem(problem: Problem, hidden: bool, columns: dict[str, str]) -> dict[str, Any]:
    """Return one problem of a row (``role``: the role or field of its column).

    The words of a hidden cell's problem say less.
    """
    role = columns.get(problem.field or "")
    if hidden:
        return {"column": problem.field, "role": role, "value": None, "code": problem.code,
                "message_vi": _HIDDEN_VI, "message_en": _HIDDEN_EN}  # fmt: skip
    return {"column": problem.field, "role": role, "value": problem.value, "code": problem.code,
            "message_vi": problem.message_vi, "message_en": problem.message_en}  # fmt: skip


def mark_actions(rows: list[dict[str, Any]], added: Sequence[str], changed: Sequence[str]) -> None:
    """Note on each previewed row whether it adds, changes or leaves its record unchanged."""
    added_set, changed_set = set(added), set(changed)
    for row in rows:
        label = f"{row['layer']}/{row['id']}"
        row["action"] = (
            "added" if label in added_set else "changed" if label in changed_set else "unchanged"
        )
