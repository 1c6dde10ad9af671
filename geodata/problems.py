"""The one shape of a user-fixable problem, from the file readers to the API and the pages.

A :class:`Problem` says where (the user's row, the file column or form field), what (the value as
read), which kind (``code``) and why, in English and in Vietnamese. Readers (undecided legacy
text), the layer importer (every cell that does not fit) and record editing (a form value) all
produce it; the portal shows it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file or a form, worded in both languages.

    Attributes
    ----------
    row : int or None
        The row the user sees (spreadsheet row, feature number); None for a whole-file problem or
        a form, which has no rows.
    field : str or None
        The file's column (as headed in the file) or the form's field.
    value : str or None
        The value as read (None when there was none: a missing value or column).
    message_en, message_vi : str
        Why, in English and in Vietnamese; safe to show.
    code : str
        The kind of problem, for programs: ``invalid`` (a value that does not fit), ``missing``
        (an empty required value), ``missing_column``, ``encoding`` (undecided legacy text),
        ``not_allowed`` (outside the user's rights), ``unknown_field``.
    """

    row: int | None
    field: str | None
    value: str | None
    message_en: str
    message_vi: str
    code: str = "invalid"
