"""From a read table to validated records of the catalogue's layers, all or nothing.

:func:`parse_records` reads every row, collects every problem (row, file column, raw value,
Vietnamese and English message) and returns the records with an :class:`ImportReport`; the
caller writes nothing unless ``report.ok``. Only a problem with the whole file raises. The work
is column by column (pandas, numpy, shapely's vector functions), so 100,000 rows take seconds.

The steps, each a module: :mod:`~layers.importing.columns` (which column is which field),
:mod:`~layers.importing.cells` (field values, status, progress, update date),
:mod:`~layers.importing.geometry` (where each row is), :mod:`~layers.importing.places` (whether
the place makes sense) and :mod:`~layers.importing.records` (the loop that runs them). What they
share is in :mod:`~layers.importing.types`, which imports none of them.
"""

from __future__ import annotations

from geodata.problems import Problem
from layers.importing.records import parse_records
from layers.importing.types import (
    CountedNote,
    ImportContext,
    ImportRejected,
    ImportReport,
    ParsedRecord,
    ParsedState,
    TableLike,
)

__all__ = [
    "CountedNote", "ImportContext", "ImportRejected", "ImportReport", "ParsedRecord",
    "ParsedState", "Problem", "TableLike", "parse_records",
]  # fmt: skip
