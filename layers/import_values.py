"""Typed values read from text columns, vectorised: layer fields, status, progress, date.

Each reader takes a column of text and returns numpy arrays plus a mask of the cells it could not
read; none loops over rows in Python, so a 100,000-row file parses in well under a second.
Python loops run only over the rows that have a problem, to word it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from layers.base import FieldSpec, LayerSpec
from layers.import_columns import (
    GENERIC_STATUS_LABELS,
    Problems,
    Texts,
    choice_labels,
    choice_lookup,
    column_key,
    status_lookup,
)

_TRUE = ("co", "yes", "x", "1", "true", "dung", "y")
_FALSE = ("khong", "no", "0", "false", "sai", "n")
_DMY = r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"
# ISO dates, also as spreadsheets write a date cell read as text ("2025-03-01 00:00:00").
_YMD = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$"


# --- readers ---------------------------------------------------------------------------------


def text_values(column: pd.Series) -> pd.Series:
    """Return a column as stripped text with ``<NA>`` for empty cells."""
    values = column.astype("string").str.strip()
    return values.mask(values == "")


def _per_unique(
    values: pd.Series, read: Callable[[pd.Series], tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, ...]:
    """Run ``read`` on the distinct values only, and spread its arrays back to every row.

    Statuses, choices, dates and communes repeat across thousands of rows: reading each
    distinct text once keeps large files fast.
    """
    codes, uniques = pd.factorize(values)
    codes[codes < 0] = len(uniques)
    distinct = pd.Series([*uniques, pd.NA], dtype="string")
    return tuple(np.asarray(result)[codes] for result in read(distinct))


def parse_numbers(values: pd.Series, percent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Read numbers written the Vietnamese or the English way; return values and a bad mask.

    A single comma is a decimal comma ("12,5"); groups of three after dots or commas are
    thousands ("1.234.567", "1,234,567"); with both, the last one is the decimal mark.
    ``percent`` lets a trailing "%" through.

    >>> numbers, bad = parse_numbers(pd.Series(["12,5", "1.234.567", "3.5", "x", None]))
    >>> numbers.tolist()[:3], bad.tolist()
    ([12.5, 1234567.0, 3.5], [False, False, False, True, False])
    """
    values = values.astype("string")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    other = values.notna().to_numpy() & ~np.isfinite(numbers)
    if other.any():
        numbers[other] = _parse_written_numbers(values[other], percent)
    bad = values.notna().to_numpy() & ~np.isfinite(numbers)
    numbers[bad] = np.nan
    return numbers, bad


def _parse_written_numbers(values: pd.Series, percent: bool) -> np.ndarray:
    """Read numbers with a decimal comma, thousands groups, spaces or a trailing "%"."""
    text = values.str.replace(r"\s+", "", regex=True)
    if percent:
        text = text.str.removesuffix("%")
    dot_groups = text.str.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}(,\d+)?|-?\d{1,3}(\.\d{3})+,\d+")
    comma_groups = text.str.fullmatch(r"-?\d{1,3}(,\d{3}){2,}(\.\d+)?|-?\d{1,3}(,\d{3})+\.\d+")
    text = text.mask(dot_groups.fillna(False), text.str.replace(".", "").str.replace(",", "."))
    text = text.mask(comma_groups.fillna(False), text.str.replace(",", ""))
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def parse_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd dates.

    Returns
    -------
    tuple of numpy.ndarray
        The dates (``datetime.date`` or None), the cells that are not written as a date, and
        the cells written as a date that is not in the calendar (31/02/2025).

    >>> dates, bad, unreal = parse_dates(pd.Series(["5/3/2025", "2025-03-05", "31/02/2025"]))
    >>> [str(d) for d in dates], bad.tolist(), unreal.tolist()
    (['2025-03-05', '2025-03-05', 'None'], [False, False, False], [False, False, True])
    """
    return _per_unique(values, _parse_distinct_dates)


def _parse_distinct_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = values.str.extract(_DMY).combine_first(values.str.extract(_YMD))
    written = parts["y"].notna().to_numpy()
    numbers = parts.fillna({"y": "2000", "m": "1", "d": "1"}).astype(int)
    stamps = pd.to_datetime(
        pd.DataFrame({"year": numbers["y"], "month": numbers["m"], "day": numbers["d"]}),
        errors="coerce",
    )
    real = written & stamps.notna().to_numpy()
    dates = np.full(len(values), None, dtype=object)
    dates[real] = stamps[real].dt.date.to_numpy()
    present = values.notna().to_numpy()
    return dates, present & ~written, written & ~real


def parse_bools(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Read có/không, yes/no, x, 1/0, true/false; return values and a bad mask.

    >>> flags, bad = parse_bools(pd.Series(["Có", "không", "x", "maybe", None]))
    >>> flags.tolist(), bad.tolist()
    ([True, False, True, None, None], [False, False, False, True, False])
    """
    truth = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
    return parse_keys(values, truth)


def parse_keys(values: pd.Series, lookup: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """Map each cell to an id through ``lookup`` (keyed by :func:`column_key`).

    >>> lookup = {"cuakhau": "gate", "gate": "gate"}
    >>> ids, bad = parse_keys(pd.Series(["Cửa khẩu", "GATE", "?"]), lookup)
    >>> ids.tolist(), bad.tolist()
    (['gate', 'gate', None], [False, False, True])
    """

    def read(distinct: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        found = [None if pd.isna(v) else lookup.get(column_key(v)) for v in distinct]
        ids = np.array(found + [None], dtype=object)[:-1]
        return ids, distinct.notna().to_numpy() & pd.isna(ids)

    return _per_unique(values, read)


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
    """
    result = {}
    for spec in layer.fields:
        column = columns.get(spec.name)
        if column is None:
            if spec.required:
                problems.missing_column(
                    spec.label_vi, spec.label_en, spec.name,
                    (spec.name, spec.label_vi, spec.label_en), layer.id,
                )  # fmt: skip
            result[spec.name] = np.full(rows.size, None, dtype=object)
            continue
        values = texts(column).iloc[rows].reset_index(drop=True)
        if spec.required:
            empty = _spread(rows, values.isna().to_numpy(), len(problems.rows))
            problems.add_missing(empty, column)
        result[spec.name] = _READERS[spec.type](layer, spec, values, rows, column, problems)
    return result


def _spread(rows: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """Return a mask over every row of the file from one over ``rows``."""
    full = np.zeros(size, dtype=bool)
    full[rows[mask]] = True
    return full


def _read_text(
    layer: LayerSpec, spec: FieldSpec, values: pd.Series, rows: np.ndarray, column: str,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Read text in NFC with inner whitespace collapsed."""
    text = values.str.normalize("NFC").str.replace(r"\s+", " ", regex=True)
    return text.to_numpy(dtype=object, na_value=None)


def _read_number(
    layer: LayerSpec, spec: FieldSpec, values: pd.Series, rows: np.ndarray, column: str,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Read numbers, whole for ``int`` fields, within the field's minimum and maximum.

    A whole number cannot have decimals, so in an ``int`` field "1.234" is the Vietnamese
    way of writing 1234, not 1.234.
    """
    raw = values.to_numpy(dtype=object, na_value=None)
    if spec.type == "int":
        dotted = values.str.fullmatch(r"-?\d{1,3}(\.\d{3})+").fillna(False)
        values = values.mask(dotted, values.str.replace(".", "", regex=False))
    numbers, bad = parse_numbers(values)
    checks = [(bad, "{value!r} is not a number", "«{value}» không phải là số")]
    if spec.type == "int":
        fraction = np.isfinite(numbers) & (numbers != np.round(numbers))
        checks.append(
            (fraction, "{value!r} is not a whole number", "«{value}» không phải là số nguyên")
        )
    if spec.minimum is not None:
        low = f"{spec.minimum:g}"
        checks.append((numbers < spec.minimum, f"{{value!r}} is below the minimum {low}",
                       f"«{{value}}» nhỏ hơn giá trị tối thiểu {low}"))  # fmt: skip
    if spec.maximum is not None:
        high = f"{spec.maximum:g}"
        checks.append((numbers > spec.maximum, f"{{value!r}} is above the maximum {high}",
                       f"«{{value}}» lớn hơn giá trị tối đa {high}"))  # fmt: skip
    for wrong, en, vi in checks:
        problems.add_at(rows[wrong], column, raw[wrong], en, vi)
        numbers[wrong] = np.nan
    result = np.full(numbers.size, None, dtype=object)
    good = np.isfinite(numbers)
    kind = np.int64 if spec.type == "int" else float
    result[good] = numbers[good].astype(kind).astype(object)
    return result


def _read_date(
    layer: LayerSpec, spec: FieldSpec, values: pd.Series, rows: np.ndarray, column: str,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Read calendar dates."""
    dates, not_date, unreal = parse_dates(values)
    size = len(problems.rows)
    full = pd.Series(pd.NA, index=range(size), dtype="string")
    full.iloc[rows] = values.to_numpy()
    problems.add_bad_dates(
        _spread(rows, np.ones(rows.size, dtype=bool), size), column, full,
        _spread(rows, not_date, size), _spread(rows, unreal, size),
    )  # fmt: skip
    return dates


def _read_bool(
    layer: LayerSpec, spec: FieldSpec, values: pd.Series, rows: np.ndarray, column: str,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Read yes or no."""
    flags, bad = parse_bools(values)
    problems.add_at(
        rows[bad], column, values.to_numpy(dtype=object, na_value=None)[bad],
        "{value!r} is not yes/no; write có/không, yes/no, x, 1/0",
        "«{value}» không phải có/không; hãy ghi có/không, yes/no, x, 1/0",
    )  # fmt: skip
    return flags


def _read_choice(
    layer: LayerSpec, spec: FieldSpec, values: pd.Series, rows: np.ndarray, column: str,
    problems: Problems,
) -> np.ndarray:  # fmt: skip
    """Read one of the field's choices, by id or by label."""
    ids, bad = parse_keys(values, choice_lookup(layer, spec))
    labels = choice_labels(layer, spec).values()
    problems.add_at(
        rows[bad], column, values.to_numpy(dtype=object, na_value=None)[bad],
        f"{{value!r}} is not allowed in '{spec.label_en}'; use one of: "
        + " / ".join(en for _, en in labels),
        f"«{{value}}» không phải giá trị hợp lệ của «{spec.label_vi}»; dùng một trong: "
        + " / ".join(vi for vi, _ in labels),
    )  # fmt: skip
    return ids


_READERS = {
    "str": _read_text,
    "int": _read_number,
    "float": _read_number,
    "date": _read_date,
    "bool": _read_bool,
    "choice": _read_choice,
}


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
    problems.add_bad_dates(keep, column, values, not_date, unreal)
    known = ~pd.isna(dates)
    later = np.zeros(len(dates), dtype=bool)
    later[known] = dates[known].astype("datetime64[D]") > np.datetime64(today)
    shown = today.strftime("%d/%m/%Y")
    problems.add(
        keep & later, column, values,
        f"Update date {{value!r}} is after today ({shown})",
        f"Ngày cập nhật «{{value}}» sau ngày hôm nay ({shown})",
    )  # fmt: skip
    blank = keep & values.isna().to_numpy()
    if blank.any():
        count = int(blank.sum())
        notes.append(
            f"{count} dòng không có ngày cập nhật, lấy ngày {shown} / "
            f"{count} row(s) without an update date are dated today ({today.isoformat()})"
        )
    dates[blank] = today
    return dates


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
        f"Lớp {layer.name_vi} không có trạng thái «{{value}}»; dùng một trong: {vi_names}",
        generic=[GENERIC_STATUS_LABELS[g][1] for g in generic[lacking]],
    )  # fmt: skip
    other = unknown & pd.isna(generic)
    problems.add_at(
        rows[other], column, raw[other],
        f"Unknown status {{value!r}} in layer {layer.name_en}; use one of: {en_names}",
        f"Trạng thái «{{value}}» không có trong lớp {layer.name_vi}; dùng một trong: {vi_names}",
    )  # fmt: skip
