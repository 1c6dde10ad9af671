import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from layers import get_layer
from layers.parsing import parse_bools, parse_date, parse_dates, parse_number, parse_numbers
from layers.values import read_column, read_value

NUMBERS = [
    "12", "-3", "+4", "12,5", "12.5", "1.234", "1.234.567", "1,234,567", "1.234,5", "1,234.5",
    "1 234", "45%", "45 %", "1e3", "1E-2", ".5", "5.", "0x10", "1_000", "inf", "-inf", "nan",
    "NaN", "", "-", "--1", "1..2", "1,2,3", "١٢", "１２", "−5", "12abc", "99999999999999999999",
    "1.2.3", "0,5%", "100%", "1,000.000.1",
]  # fmt: skip
DATES = [
    "5/3/2025", "05/03/2025", "5.3.2025", "5-3-2025", "2025-03-05", "2025-3-5",
    "2025-03-05 00:00:00", "2025-03-05T00:00", "2025-03-05 10:00:00", "31/02/2025",
    "29/02/2024", "29/02/2025", "00/01/2025", "1/13/2025", "2025", "5/3/25", "hôm nay", "",
    "0001-01-01", "9999-12-31", "٥/٣/٢٠٢٥",
]  # fmt: skip
FLAGS = ["Có", "có", "KHÔNG", "x", "X", "1", "0", "yes", "No", "đúng", "sai", "y", "n", "maybe",
         " co ", "2", ""]  # fmt: skip


@pytest.mark.parametrize("percent", [False, True])
def test_one_number_is_read_as_a_cell_of_a_column(percent):
    numbers, bad = parse_numbers(pd.Series(NUMBERS, dtype="string"), percent=percent)
    for text, number, refused in zip(NUMBERS, numbers, bad, strict=True):
        one = parse_number(text, percent=percent)
        assert math.isnan(one) == refused, text
        if not math.isnan(one):
            assert one == number, text


def test_one_date_is_read_as_a_cell_of_a_column():
    dates, _not_date, _unreal = parse_dates(pd.Series(DATES, dtype="string"))
    assert [parse_date(text) for text in DATES] == list(dates)
    assert parse_date("29/02/2024") == dt.date(2024, 2, 29)


def test_yes_and_no_are_read_alike_in_a_column_and_in_a_form():
    signal_like = get_layer("border").field("smart_gate")
    flags, bad = parse_bools(pd.Series(FLAGS, dtype="string"))
    for text, flag, refused in zip(FLAGS, flags, bad, strict=True):
        value, problem = read_value(signal_like, text)
        assert (problem is not None) == bool(refused or flag is None), text
        assert value == flag or problem is not None, text


@pytest.mark.parametrize(
    ("layer", "field", "cells"),
    [
        ("signal", "households", ["12", "1.234", "-1", "2,5", "x", "1 200"]),
        ("industry", "area_ha", ["12,5", "-0,5", "1.234,5", "abc", "3e2"]),
        ("signal", "operator", ["Viettel", "vnpt", "VNPT (VinaPhone)", "chưa có doanh nghiệp",
                                "Vinaphone 5G"]),
        ("signal", "date_on_air", ["5/3/2025", "2025-03-05", "31/02/2025", "hôm qua"]),
        ("border", "smart_gate", ["có", "Không", "x", "maybe"]),
        ("geopark", "location", ["  Hữu   Liên ", "La\u0323ng So\u031bn"]),
    ],
)
def test_a_form_accepts_exactly_the_values_a_file_accepts(layer, field, cells):
    spec = get_layer(layer).field(field)
    typed, faults = read_column(spec, pd.Series(cells, dtype="string").str.strip())
    refused = np.zeros(len(cells), dtype=bool)
    for fault in faults:
        refused |= fault.mask
    for cell, column_value, column_refused in zip(cells, typed, refused, strict=True):
        value, problem = read_value(spec, cell)
        assert (problem is not None) == bool(column_refused), cell
        if problem is None:
            expected = column_value.isoformat() if spec.type == "date" else column_value
            assert value == expected, cell
            assert type(value) is type(expected), cell
        else:
            assert (problem.row, problem.field, problem.value) == (None, field, cell)
