"""The cells of the layers' fields and of the state columns (status, progress, update date).

Each column is read at once by :mod:`layers.values`, its distinct values only where they repeat;
Python loops run only over the rows that have a problem, to word it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from layers.base import LayerSpec
from layers.importing.columns import GENERIC_STATUS_LABELS, status_lookup
from layers.importing.types import CountedNote, Problems, Texts
from layers.parsing import parse_dates, parse_keys, parse_numbers
from layers.values import date_faults, read_column

# --- layer fields ----------------------------------------------------------------------------


def field_values(
    layer: LayerSpec,
    rows: np.ndarray,
    texts: Texts,
    columns: Mapping[str, str],
    problems: Problems,
) -> dict[str, np.ndarray]:
    """Read every field of ``layer`` for ``rows``; report what does not fit the field.

    Parameters
    ----------
    layer : LayerSpec
        The layer whose fields are read.
    rows : numpy.ndarray
        Positions of the layer's rows in the file.
    texts : callable
        Column name -> stripped text of every row (``<NA>`` for empty cells).
    columns : mapping
        Field name -> file column, for the fields the file has.
    problems : Problems
        Where problems go.

    Returns
    -------
    dict
        Field name -> object array of typed values (None where empty), aligned with ``rows``.
        A field the file lacks, or leaves empty, is None: no field is required on import
        (:func:`incomplete_fields` names the empty required ones).
    """
    result = {}
    for spec in layer.fields:
        column = columns.get(spec.name)
        if column is None:
            # Every field but the layer, name, place and status is optional on import: a
            # record without it imports and names it in its ``incomplete`` list.
            result[spec.name] = np.full(rows.size, None, dtype=object)
            continue
        values = texts(column).iloc[rows].reset_index(drop=True)
        typed, faults = read_column(spec, values)
        problems.add_faults(rows, column, values.to_numpy(dtype=object, na_value=None), faults)
        result[spec.name] = typed
    return result


def incomplete_fields(
    layer: LayerSpec, attributes: Mapping[str, np.ndarray]
) -> dict[int, list[str]]:
    """Return the rows leaving required fields of ``layer`` empty (by position), and those."""
    required = [spec.name for spec in layer.fields if spec.required]
    empty = {name: pd.isna(attributes[name]) for name in required}
    size = len(next(iter(attributes.values()))) if attributes else 0
    lacking = np.zeros(size, dtype=bool)
    for mask in empty.values():
        lacking |= mask
    return {k: [name for name in required if empty[name][k]]
            for k in np.flatnonzero(lacking).tolist()}  # fmt: skip


def _spread(rows: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """Return a mask over every row of the file from one over ``rows``."""
    full = np.zeros(size, dtype=bool)
    full[rows[mask]] = True
    return full


# --- state -----------------------------------------------------------------------------------


def state_dates(
    column: str | None, texts: Texts, today: dt.date, problems: Problems, keep: np.ndarray,
    notes: list[str],
) -> np.ndarray:  # fmt: skip
    """Return each row's update date (``today`` where none); report bad and future dates."""
    if column is None:
        return np.full(len(keep), today, dtype=object)
    values = texts(column)
    dates, not_date, unreal = parse_dates(values)
    for fault in date_faults(not_date, unreal):
        problems.add(keep & fault.mask, column, values, fault.message_en, fault.message_vi)
    known = ~pd.isna(dates)
    later = np.zeros(len(dates), dtype=bool)
    later[known] = dates[known] > today  # datetime.date objects: no conversion to datetime64
    shown = today.strftime("%d/%m/%Y")
    problems.add(
        keep & later, column, values,
        f"Update date {{value!r}} is after today ({shown})",
        f"Ngày cập nhật «{{value}}» muộn hơn ngày hôm nay ({shown})",
    )  # fmt: skip
    blank = keep & values.isna().to_numpy()
    if blank.any():
        notes.append(CountedNote("undated", functools.partial(_undated_words, today),
                                 int(blank.sum())))  # fmt: skip
    dates[blank] = today
    return dates


def _undated_words(today: dt.date, count: int, _shown: str, _more: str) -> str:
    shown = today.strftime("%d/%m/%Y")
    return (f"{count} dòng không ghi ngày cập nhật, đã lấy ngày hôm nay ({shown}) / "
            f"{count} row(s) without an update date are dated today ({today.isoformat()})")


def progress_values(
    column: str | None, texts: Texts, problems: Problems, keep: np.ndarray
) -> np.ndarray:
    """Return each row's progress in percent (NaN where none); 0–100, "45%" accepted."""
    if column is None:
        return np.full(len(keep), np.nan)
    values = texts(column)
    numbers, bad = parse_numbers(values, percent=True)
    problems.add(
        keep & bad, column, values,
        "Progress {value!r} is not a number", "Tiến độ «{value}» không phải là số",
    )  # fmt: skip
    outside = keep & ((numbers < 0) | (numbers > 100))
    problems.add(
        outside, column, values,
        "Progress {value!r} is outside 0–100 %", "Tiến độ «{value}» nằm ngoài khoảng 0–100 %",
    )  # fmt: skip
    numbers[outside] = np.nan
    return numbers


def status_values(
    layer: LayerSpec, rows: np.ndarray, column: str | None, texts: Texts, progress: np.ndarray,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Return the status id of ``rows`` of one layer, derived from progress where none.

    A status is the layer's id or label, or a generic word mapped by ``generic_statuses``;
    progress alone gives not started at 0 %, done at 100 %, in progress between.
    """
    statuses = np.full(rows.size, None, dtype=object)
    if column is not None:
        values = texts(column).iloc[rows].reset_index(drop=True)
        lookup, lacking = status_lookup(layer)
        statuses, unknown = parse_keys(values, lookup)
        generic, _ = parse_keys(values, lacking)
        _report_statuses(layer, rows, column, values, unknown, generic, problems)
    pct = progress[rows]
    derived = np.where(pct >= 100, "done", np.where(pct > 0, "in_progress", "not_started"))
    fill = pd.isna(statuses) & np.isfinite(pct)
    statuses[fill] = [layer.generic_statuses.get(g) for g in derived[fill]]
    return statuses


def _report_statuses(
    layer: LayerSpec, rows: np.ndarray, column: str, values: pd.Series, unknown: np.ndarray,
    generic: np.ndarray, problems: Problems,
) -> None:  # fmt: skip
    """Report statuses the layer does not have; name a generic one the layer lacks."""
    raw = values.to_numpy(dtype=object, na_value=None)
    lacking = unknown & ~pd.isna(generic)
    # " / " between labels: some labels hold a comma ("Đang lắp biển, thuyết minh").
    vi_names = " / ".join(s.label_vi for s in layer.statuses)
    en_names = " / ".join(s.label_en for s in layer.statuses)
    problems.add_at(
        rows[lacking], column, raw[lacking],
        f"Layer {layer.name_en} has no status {{value!r}} ({{generic}}); use one of: {en_names}",
        f"Lớp {layer.name_vi} không có trạng thái «{{value}}»; hãy chọn một trong: {vi_names}",
        generic=[GENERIC_STATUS_LABELS[g][1] for g in generic[lacking]],
    )  # fmt: skip
    other = unknown & pd.isna(generic)
    problems.add_at(
        rows[other], column, raw[other],
        f"Unknown status {{value!r}} in layer {layer.name_en}; use one of: {en_names}",
        f"Trạng thái «{{value}}» không có trong lớp {layer.name_vi}; hãy chọn một trong: "
        + vi_names,
    )  # fmt: skip
