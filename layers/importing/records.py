"""The importer's main loop: from a read table to the validated records of the layers.

:func:`parse_records` runs every check of the other modules column by column and assembles the
records of the rows without problems; see :mod:`layers.importing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pandas as pd

import geopandas as gpd
import pyproj
import shapely

from geodata.errors import GeodataError
from geodata.rawtable import frame_as_text, user_error
from layers import CATALOGUE
from layers.base import LayerSpec
from layers.importing.cells import (
    field_values,
    incomplete_fields,
    progress_values,
    state_dates,
    status_values,
)
from layers.importing.columns import ROLE_ALIASES, ColumnMap, describe_columns, match_columns
from layers.importing.geometry import Located, locate, mask_of
from layers.importing.minimal import (
    check_names,
    commune_only_rows,
    derived_ids,
    fill_name_field,
    name_column,
    place_at_communes,
    report_repeats,
    row_names,
    unplaced,
)
from layers.importing.places import (
    check_communes,
    check_geometry_types,
    check_positions,
    check_shapes,
)
from layers.importing.seen_keys import SeenKeys
from layers.importing.types import (
    CountedNote,
    ImportContext,
    ImportReport,
    ParsedRecord,
    ParsedState,
    Problems,
    TableLike,
)
from layers.parsing import column_key, parse_keys, text_values


@dataclass(frozen=True)
class _Table:
    """A (Geo)DataFrame dressed as a :class:`TableLike`."""

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    row_numbers: list[int]
    notes: tuple[str, ...] = ()


def parse_records(
    table: TableLike | pd.DataFrame, layer: LayerSpec | None, context: ImportContext,
    seen: SeenKeys | None = None,
) -> tuple[list[ParsedRecord], ImportReport]:
    """Validate a read table and turn its rows into records.

    Parameters
    ----------
    table : RawTable or pandas.DataFrame
        What :func:`geodata.readers.read_table` returned. A plain (Geo)DataFrame also works; its
        rows are numbered as a spreadsheet under a header row (2, 3, ...).
    layer : LayerSpec or None
        The layer of every row; None for a multi-layer file whose ``loai``/``layer`` column
        names each row's layer (by id or name).
    context : ImportContext
        Province, 2025 communes, a CRS overriding the file's, today's date.
    seen : SeenKeys, optional
        For a file read in chunks: the key (layer and id) of every row of the earlier chunks
        with its row number, so that a repeat of an earlier chunk's row names it; this
        chunk's keys are added.

    Returns
    -------
    tuple
        The records of the rows without problems, and the report. Write nothing unless
        ``report.ok``: the import is all or nothing.

    Raises
    ------
    GeodataError
        Only for the whole file: it has no rows, or its CRS cannot be used.
    """
    source = _as_table(table)
    frame = source.frame.reset_index(drop=True)
    if frame.empty:
        raise user_error(GeodataError, "The file has no data rows.", "Tệp không có dòng dữ liệu.")
    frame.columns = _unique_headers(frame.columns)
    layers = CATALOGUE if layer is None else (layer,)
    columns = match_columns(list(frame.columns), layers, multi=layer is None)
    texts = _Texts(frame)
    problems = Problems(np.asarray(source.row_numbers, dtype=np.int64), list(frame.columns))
    report = ImportReport(columns=columns.report, rows_read=len(frame), notes=list(source.notes))
    keep = _non_blank_rows(texts, source.geometry, report.notes)
    layer_ids = _row_layers(layer, columns, texts, problems, keep)
    record_ids = _record_ids(columns, texts, problems, keep, layer_ids, seen)
    roles = columns.roles
    places = commune_only_rows(texts, roles, context, keep, source.geometry is not None)
    by_commune, named = places.rows, places.named
    located = _locate(source, texts, roles, context, problems, report.notes, keep, by_commune)
    place_at_communes(located, places, problems, report.notes)
    usable = check_shapes(located, keep, problems, report.notes)
    xs, ys = check_positions(located, usable, context, problems)
    communes = check_communes(located, keep & ~places.old_named, usable, xs, ys, texts, roles,
                              context, problems)  # fmt: skip
    if record_ids is None:
        keys = np.where(pd.isna(named), communes, named)
        record_ids = _derive_ids(layers, layer_ids, columns, texts, keys, problems, keep, seen)
    dates = state_dates(roles.get("date"), texts, context.today, problems, keep, report.notes)
    progress = progress_values(roles.get("progress"), texts, problems, keep)
    records = []
    for spec in layers:
        rows = np.flatnonzero(keep & (layer_ids == spec.id))
        if rows.size == 0:
            continue
        check_geometry_types(spec, located, rows[usable[rows]], problems)
        attributes = field_values(spec, rows, texts, columns.fields[spec.id], problems)
        fill_name_field(spec, rows, attributes, texts, roles)
        if "record_id" in roles:  # without ids, _derive_ids has reported the nameless rows
            check_names(spec, rows, texts, roles, columns.fields[spec.id], problems)
        statuses = status_values(spec, rows, roles.get("status"), texts, progress, problems)
        good = rows[~problems.bad[rows] & usable[rows]]
        extras = _extras(spec, rows, attributes, by_commune)
        records += _assemble(spec, good, rows, record_ids, located, attributes, statuses,
                             dates, progress, communes, texts, columns, problems.rows,
                             extras)  # fmt: skip
    describe_columns(columns, report.notes)
    report.problems = problems.sorted()
    if report.problems and report.problems[0].row is None:
        records = []  # a file-wide problem (a missing column) spoils every row
    records.sort(key=lambda r: r.row)
    return records, report


# --- the table -------------------------------------------------------------------------------


class _Texts:
    """Stripped text of each column, made once (``<NA>`` for empty cells)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._cache: dict[str, pd.Series] = {}

    def __call__(self, column: str) -> pd.Series:
        if column not in self._cache:
            self._cache[column] = _stripped(self.frame[column])
        return self._cache[column]

    def __len__(self) -> int:
        return len(self.frame)


def _stripped(column: pd.Series) -> pd.Series:
    """Return `layers.parsing.text_values` of a column; of a text-only one at C speed."""
    raw = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=False) != "string":
        return text_values(column)
    return pd.Series(pd.array([v.strip() or None for v in raw], dtype="string"),
                     index=column.index, name=column.name)  # fmt: skip


def _as_table(table: TableLike | pd.DataFrame) -> TableLike:
    """Return a RawTable as is; wrap a (Geo)DataFrame, its values as text."""
    if not isinstance(table, pd.DataFrame):
        return table
    geometry, crs, frame = None, None, table
    if isinstance(table, gpd.GeoDataFrame) and table.active_geometry_name is not None:
        geometry, crs = table.geometry.reset_index(drop=True), table.crs
        frame = pd.DataFrame(table.drop(columns=table.active_geometry_name))
    return _Table(frame_as_text(frame), geometry, crs, list(range(2, len(frame) + 2)))


def _unique_headers(headers) -> list[str]:
    """Return the headers as text, a repeated one numbered ("ten", "ten (2)").

    >>> _unique_headers(["ten", "ma", "ten", 3])
    ['ten', 'ma', 'ten (2)', '3']
    """
    seen: dict[str, int] = {}
    result = []
    for header in map(str, headers):
        seen[header] = seen.get(header, 0) + 1
        result.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return result


def _non_blank_rows(texts: _Texts, geometry, notes: list[str]) -> np.ndarray:
    """Return the rows with any value; blank rows (a spreadsheet's tail) are skipped."""
    keep = np.zeros(len(texts), dtype=bool)
    for column in texts.frame.columns:
        keep |= texts(column).notna().to_numpy()
    if geometry is not None:
        keep |= ~shapely.is_missing(np.asarray(geometry, dtype=object))
    if (~keep).any():
        notes.append(CountedNote("blank", _blank_words, int((~keep).sum())))
    return keep


def _blank_words(count: int, _shown: str, _more: str) -> str:
    return f"Bỏ qua {count} dòng trống / Skipped {count} blank row(s)"


# --- identity --------------------------------------------------------------------------------


def _row_layers(
    layer: LayerSpec | None, columns: ColumnMap, texts: _Texts, problems: Problems,
    keep: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Return each row's layer id (None where unknown)."""
    if layer is not None:
        return np.full(len(texts), layer.id, dtype=object)
    column = columns.roles.get("layer")
    if column is None:
        problems.missing_column("loai", "layer", "lớp", ROLE_ALIASES["layer"])
        return np.full(len(texts), None, dtype=object)
    values = texts(column)
    lookup = {
        column_key(text): spec.id
        for spec in CATALOGUE
        for text in (spec.id, spec.name_vi, spec.name_en)
    }
    ids, unknown = parse_keys(values, lookup)
    known = ", ".join(spec.id for spec in CATALOGUE)
    problems.add_missing(keep & values.isna().to_numpy(), column)
    problems.add(
        keep & unknown, column, values,
        "Unknown layer {value!r}; use one of: " + known,
        "Lớp «{value}» không tồn tại; dùng một trong: " + known,
    )  # fmt: skip
    return ids


def _record_ids(
    columns: ColumnMap, texts: _Texts, problems: Problems, keep: np.ndarray,
    layer_ids: np.ndarray, seen: SeenKeys | None,
) -> np.ndarray:  # fmt: skip
    """Return each row's record id; report missing ids and ids repeated within a layer.

    None when the file has no id column: the ids are then made from layer, commune and name.
    """
    column = columns.roles.get("record_id")
    if column is None:
        return None
    values = texts(column)
    present = keep & values.notna().to_numpy()
    problems.add_missing(keep & ~present, column)
    ids = np.where(present, values.to_numpy(dtype=object, na_value=None), None)
    report_repeats(
        ids, layer_ids, present, column, values, problems,
        "Record id {value!r} repeats row {first}", "Mã «{value}» trùng với dòng {first}", seen,
    )  # fmt: skip
    return ids


def _derive_ids(
    layers, layer_ids: np.ndarray, columns: ColumnMap, texts: _Texts, communes: np.ndarray,
    problems: Problems, keep: np.ndarray, seen: SeenKeys | None,
) -> np.ndarray:  # fmt: skip
    """Return the ids of a file without an id column: layer + commune + folded name.

    A row without a name cannot be told apart: it is a problem, and so are two rows of one
    layer with the same commune and name (naming the earlier row).
    """
    ids = np.full(len(texts), None, dtype=object)
    names = np.full(len(texts), None, dtype=object)
    for spec in layers:
        rows = np.flatnonzero(keep & (layer_ids == spec.id))
        if rows.size == 0:
            continue
        fields = columns.fields[spec.id]
        column = name_column(spec, columns.roles, fields)
        if column not in texts.frame.columns:
            problems.missing_column(
                "ma", "record id, or a name column to make one",
                "mã hồ sơ, hoặc cột tên để tạo mã", ROLE_ALIASES["record_id"], spec.id,
            )  # fmt: skip
            continue
        names[rows] = row_names(spec, rows, texts, columns.roles, fields)
        ids[rows] = derived_ids(rows, names[rows], communes)
        nameless = mask_of(rows[pd.isna(names[rows])], len(texts))
        problems.add_missing(nameless, column)
    present = keep & ~pd.isna(ids)
    column = columns.roles.get("name", "ten")
    report_repeats(
        ids, layer_ids, present, column, names, problems,
        "Same layer, commune and name as row {first} ({value!r}): with no id column, each "
        "record is told apart by these; give the rows an id column or tell them apart",
        "Trùng lớp, xã và tên với dòng {first} («{value}»): tệp không có cột mã nên bản ghi "
        "được phân biệt theo lớp, xã và tên; hãy thêm cột mã hoặc sửa tên cho khác nhau", seen,
    )  # fmt: skip
    return ids


def _extras(
    spec: LayerSpec, rows: np.ndarray, attributes: dict[str, np.ndarray], by_commune: np.ndarray
) -> dict[int, dict]:
    """Return, by position in ``rows``, what a record notes about itself beyond its fields."""
    extras: dict[int, dict] = {k: {"incomplete": missing}
                               for k, missing in incomplete_fields(spec, attributes).items()}
    for k in np.flatnonzero(by_commune[rows]).tolist():
        extras.setdefault(k, {})["position_approximate"] = True
    return extras


def _locate(
    source: TableLike, texts: _Texts, roles: dict[str, str], context: ImportContext,
    problems: Problems, notes: list[str], keep: np.ndarray, by_commune: np.ndarray,
) -> Located:  # fmt: skip
    """Locate every row, leaving those placed by their commune to :func:`place_at_communes`."""
    places = ("wkt", "lon", "lat", "x", "y")
    if source.geometry is None and "commune" in roles and not any(r in roles for r in places):
        return unplaced(len(keep), roles["commune"], texts)
    return locate(source, texts, roles, context, problems, notes, keep & ~by_commune)


# --- records ---------------------------------------------------------------------------------


def _assemble(
    spec: LayerSpec, good: np.ndarray, rows: np.ndarray, record_ids: np.ndarray,
    located: Located, attributes: dict[str, np.ndarray], statuses: np.ndarray,
    dates: np.ndarray, progress: np.ndarray, communes: np.ndarray, texts: _Texts,
    columns: ColumnMap, row_numbers: np.ndarray, extras: dict[int, dict],
) -> list[ParsedRecord]:  # fmt: skip
    """Build the records of the rows of one layer that have no problem."""
    position = np.searchsorted(rows, good)
    names = _names(spec, good, record_ids, attributes, position, texts, columns)
    fields = list(attributes)
    cells = [attributes[name][position].tolist() for name in fields]
    values = zip(*cells, strict=True) if cells else [()] * good.size
    snapshots = [dict(zip(fields, row, strict=True)) for row in values]
    if extras:  # what a record notes about itself, after its fields
        at = dict(zip(position.tolist(), range(good.size), strict=True))
        for k, extra in extras.items():
            if extra and k in at:
                snapshots[at[k]].update(extra)
    pcts = [None if pct != pct else pct for pct in
            np.where(np.isfinite(progress[good]), progress[good], np.nan).tolist()]  # fmt: skip
    states = [
        None if status is None else ParsedState(date, status, pct, snapshot)
        for status, pct, date, snapshot in zip(
            statuses[position].tolist(), pcts, dates[good].tolist(), snapshots, strict=True
        )
    ]
    return list(map(
        ParsedRecord, repeat(spec.id), map(str, record_ids[good].tolist()), names,
        located.geoms[good].tolist(), snapshots, states, row_numbers[good].tolist(),
        communes[good].tolist(),
    ))  # fmt: skip


def _names(
    spec: LayerSpec, good: np.ndarray, record_ids: np.ndarray, attributes: dict[str, np.ndarray],
    position: np.ndarray, texts: _Texts, columns: ColumnMap,
) -> list[str]:  # fmt: skip
    """Return each record's name.

    The name column, else a public required text field (a signal village, a road); a row with
    neither is a problem (`check_names`) and never reaches here with "layer – id".
    """
    fallback = next(
        (f.name for f in spec.fields if f.type == "str" and f.required and f.public), None
    )
    names = np.array([f"{spec.name_vi} – {record_id}" for record_id in record_ids[good]],
                     dtype=object)  # fmt: skip
    if fallback is not None:
        value = attributes[fallback][position]
        names = np.where(pd.isna(value), names, value)
    column = columns.roles.get("name")
    if column is not None:
        given = texts(column).str.normalize("NFC").to_numpy(dtype=object, na_value=None)[good]
        names = np.where(pd.isna(given), names, given)
    return [str(name) for name in names]
