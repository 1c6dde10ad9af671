"""A layer's field values read from what users write, by the same rules for a file and a form.

A file import reads whole columns of text at once (vectorised: 100,000 rows parse in well under a
second); editing reads one value at a time from a form or JSON. Both go through the rules here,
so a value accepted in a spreadsheet is accepted in the form too: dd/mm/yyyy or ISO dates,
có/không, choice labels or values, "12,5" with a decimal comma, "1.234" as a whole number.

Each field type (str, int, float, date, bool, choice) has a column reader (a text column ->
typed values and the :class:`Fault` s of the cells it refused) and a single-value reader (a value
-> typed value, or the :class:`~geodata.problems.Problem` that refuses it); :data:`READERS`
holds both. The text parsing itself is :mod:`layers.parsing`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from geodata.problems import Problem
from geodata.text import nfc
from layers.base import FieldSpec
from layers.parsing import (
    column_key,
    parse_bool,
    parse_bools,
    parse_date,
    parse_dates,
    parse_keys,
    parse_number,
    parse_numbers,
)

MAX_TEXT = 500  # characters of a text value typed in a form
MAX_MULTILINE = 2000  # characters of a multi-line text (a description)
_DOTTED_WHOLE = r"-?\d{1,3}(\.\d{3})+"  # "1.234": how Vietnamese write 1234

NOT_A_NUMBER = ("{value!r} is not a number", "«{value}» không phải là số")
NOT_WHOLE = ("{value!r} is not a whole number", "«{value}» không phải là số nguyên")


def choice_lookup(spec: FieldSpec) -> dict[str, str]:
    """Return the keys of a choice field's values and labels, each to its value."""
    return {
        column_key(text): choice.value
        for choice in spec.choices
        for text in (choice.value, choice.label_vi, choice.label_en)
    }


# --- one reader a field type -----------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """The cells of a column a rule refuses, and why: templates of ``{value}`` (the cell)."""

    mask: np.ndarray
    message_en: str
    message_vi: str


def value_problem(
    field: str | None, value: Any, en: str, vi: str, code: str = "invalid"
) -> Problem:
    """Return the problem of one value of a form (no row: a form has none)."""
    shown = None if value is None else str(value)[:80]
    return Problem(row=None, field=field, value=shown, message_en=en, message_vi=vi, code=code)


def _refuse(spec: FieldSpec, value: Any, en: str, vi: str) -> tuple[None, Problem]:
    """Refuse ``value`` for ``spec`` with messages templated on ``{value}``."""
    return None, value_problem(spec.name, value, en.format(value=value), vi.format(value=value))


def multiline_text(text: str) -> str:
    r"""Return ``text`` in NFC, each line's spaces collapsed, its line breaks kept.

    Lines are ended by LF, CRLF or CR; outer blank lines go and inner runs of them become one.

    >>> multiline_text("  Giai  đoạn 1\r\n\r\n\r\n  - san  nền \n")
    'Giai đoạn 1\n\n- san nền'
    """
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n")


def _text_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read text in NFC with inner whitespace collapsed (line breaks kept if ``multiline``)."""
    if spec.multiline:
        text = values.map(multiline_text, na_action="ignore")
    else:
        collapsed = _collapsed_nfc(values)
        if collapsed is not None:
            return collapsed, []
        text = values.str.normalize("NFC").str.replace(r"\s+", " ", regex=True)
    return text.to_numpy(dtype=object, na_value=None), []


_APART = "\x1f"  # joins a column's cells for one pass: a control character no cell holds
_SPACES = re.compile("[^\\S\x1f]+")  # a run of whitespace inside one of the joined cells


def _collapsed_nfc(values: pd.Series) -> np.ndarray | None:
    r"""Return the text of a column in NFC, each whitespace run one space, in one pass.

    The same as ``values.str.normalize("NFC").str.replace(r"\s+", " ", regex=True)`` cell by
    cell, done once over the cells joined; None (read them one by one) for a column not of
    text, or with a cell holding the joining character.

    >>> _collapsed_nfc(pd.Series(["Ba\u0309n  Na\u0300", None, " Pò\tMã "], dtype="string"))
    array(['Bản Nà', None, ' Pò Mã '], dtype=object)
    """
    if not isinstance(values.dtype, pd.StringDtype):
        return None
    present = values.notna().to_numpy()
    cells = values.to_numpy(dtype=object, na_value=None)[present].tolist()
    result = np.full(len(values), None, dtype=object)
    if not cells:
        return result
    joined = _APART.join(cells)
    if joined.count(_APART) != len(cells) - 1:
        return None
    parts = _SPACES.sub(" ", unicodedata.normalize("NFC", joined)).split(_APART)
    result[present] = np.array(parts, dtype=object)
    return result


def _text_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read text in NFC, stripped, inner whitespace collapsed; at most ``MAX_TEXT`` characters."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None, value_problem(spec.name, value, f"'{spec.label_en}' must be text",
                                   f"«{spec.label_vi}» phải là chữ")  # fmt: skip
    text = multiline_text(str(value)) if spec.multiline else nfc(str(value))
    limit = MAX_MULTILINE if spec.multiline else MAX_TEXT
    if len(text) > limit:
        return None, value_problem(
            spec.name, text, f"'{spec.label_en}' is longer than {limit} characters",
            f"«{spec.label_vi}» dài quá {limit} ký tự",
        )  # fmt: skip
    return text, None


def _limits(spec: FieldSpec) -> list[tuple[Callable[[Any], Any], str, str]]:
    """Return the field's bounds as (test of the number, English, Vietnamese) refusals."""
    limits = []
    if spec.minimum is not None:
        low = f"{spec.minimum:g}"
        limits.append((lambda n: n < spec.minimum, f"{{value!r}} is below the minimum {low}",
                       f"«{{value}}» nhỏ hơn giá trị tối thiểu {low}"))  # fmt: skip
    if spec.maximum is not None:
        high = f"{spec.maximum:g}"
        limits.append((lambda n: n > spec.maximum, f"{{value!r}} is above the maximum {high}",
                       f"«{{value}}» lớn hơn giá trị tối đa {high}"))  # fmt: skip
    return limits


def _number_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read numbers, whole for ``int`` fields, within the field's minimum and maximum.

    A whole number cannot have decimals, so in an ``int`` field "1.234" is the Vietnamese
    way of writing 1234, not 1.234.
    """
    if spec.type == "int":
        dotted = values.str.fullmatch(_DOTTED_WHOLE).fillna(False)
        values = values.mask(dotted, values.str.replace(".", "", regex=False))
    numbers, bad = parse_numbers(values)
    faults = [Fault(bad, *NOT_A_NUMBER)]
    if spec.type == "int":
        faults.append(Fault(np.isfinite(numbers) & (numbers != np.round(numbers)), *NOT_WHOLE))
    faults += [Fault(test(numbers), en, vi) for test, en, vi in _limits(spec)]
    for fault in faults:
        numbers[fault.mask] = np.nan
    result = np.full(numbers.size, None, dtype=object)
    good = np.isfinite(numbers)
    kind = np.int64 if spec.type == "int" else float
    result[good] = numbers[good].astype(kind).astype(object)
    return result, faults


def _number_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read one number as :func:`_number_column` reads a cell; a JSON number as it is."""
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if spec.type == "int" and re.fullmatch(_DOTTED_WHOLE, text):
            text = text.replace(".", "")
        number = parse_number(text)
    if not math.isfinite(number):
        return _refuse(spec, value, *NOT_A_NUMBER)
    if spec.type == "int" and number != round(number):
        return _refuse(spec, value, *NOT_WHOLE)
    for test, en, vi in _limits(spec):
        if test(number):
            return _refuse(spec, value, en, vi)
    return (int(number) if spec.type == "int" else number), None


def _date_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read calendar dates."""
    dates, not_date, unreal = parse_dates(values)
    return dates, date_faults(not_date, unreal)


def date_faults(not_date: np.ndarray, unreal: np.ndarray) -> list[Fault]:
    """Return the faults of cells not written as a date, and of dates not in the calendar."""
    return [
        Fault(not_date, "{value!r} is not a date; write dd/mm/yyyy",
              "«{value}» không phải là ngày; hãy ghi dạng dd/mm/yyyy"),
        Fault(unreal, "{value!r} is not a real date", "«{value}» không phải là ngày có thật"),
    ]  # fmt: skip


def not_a_date(field: str, value: Any) -> Problem:
    """Return the problem of a form value that is not a real date."""
    return value_problem(field, value, f"{value!r} is not a real date; write dd/mm/yyyy",
                         f"«{value}» không phải là ngày có thật; hãy ghi dạng dd/mm/yyyy")


def _date_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read one date (ISO text comes back); a ``datetime.date`` as it is."""
    if isinstance(value, dt.date):
        return value.isoformat(), None
    day = parse_date(value.strip()) if isinstance(value, str) else None
    if day is None:
        return None, not_a_date(spec.name, value)
    return day.isoformat(), None


def _bool_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read yes or no."""
    flags, bad = parse_bools(values)
    return flags, [Fault(bad, "{value!r} is not yes/no; write có/không, yes/no, x, 1/0",
                         "«{value}» không phải có/không; hãy ghi có/không, yes/no, x, 1/0")]


def _bool_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read one yes or no; a JSON boolean as it is."""
    if isinstance(value, bool):
        return value, None
    flag = parse_bool(value) if isinstance(value, str | int) else None
    if flag is None:
        return _refuse(spec, value, "{value!r} is not yes/no", "«{value}» không phải có/không")
    return flag, None


def _not_a_choice(spec: FieldSpec) -> tuple[str, str]:
    """Return the refusal of a value that is none of the field's choices, listing them."""
    return (
        f"{{value!r}} is not allowed in '{spec.label_en}'; use one of: "
        + " / ".join(choice.label_en for choice in spec.choices),
        f"«{{value}}» không phải giá trị hợp lệ của «{spec.label_vi}»; dùng một trong: "
        + " / ".join(choice.label_vi for choice in spec.choices),
    )


def _choice_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read one of the field's choices, by value or by label."""
    ids, bad = parse_keys(values, choice_lookup(spec))
    return ids, [Fault(bad, *_not_a_choice(spec))]


def _choice_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read one of the field's choices, by value or by label."""
    if isinstance(value, str):
        if value in spec.choice_values:
            return value, None
        found = choice_lookup(spec).get(column_key(value))
        if found is not None:
            return found, None
    return _refuse(spec, value, *_not_a_choice(spec))


class Reader(NamedTuple):
    """The two readers of a field type: a column of text, and a single value."""

    column: Callable[[FieldSpec, pd.Series], tuple[np.ndarray, list[Fault]]]
    value: Callable[[FieldSpec, Any], tuple[Any, Problem | None]]


READERS: dict[str, Reader] = {
    "str": Reader(_text_column, _text_value),
    "int": Reader(_number_column, _number_value),
    "float": Reader(_number_column, _number_value),
    "date": Reader(_date_column, _date_value),
    "bool": Reader(_bool_column, _bool_value),
    "choice": Reader(_choice_column, _choice_value),
}


def read_column(spec: FieldSpec, values: pd.Series) -> tuple[np.ndarray, list[Fault]]:
    """Read a column of text (``<NA>`` for empty cells) as ``spec`` declares it.

    Returns
    -------
    tuple
        An object array of typed values (None where empty or refused) and the faults found.
    """
    return READERS[spec.type].column(spec, values)


def read_value(spec: FieldSpec, value: Any) -> tuple[Any, Problem | None]:
    """Read one non-blank value as ``spec`` declares it: (typed value, None) or (None, problem)."""
    return READERS[spec.type].value(spec, value)
