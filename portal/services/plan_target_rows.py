"""Reading one target or one reported value from text: an imported row or a form.

The same columns serve the XLSX template, the import and the planner's forms, so a value that
the form refuses is refused by the import with the same words. Every problem names its row (a
file's; None for a form) and its column (the file's header, or the form's field), in vi and en.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geodata.errors import GeodataError
from geodata.problems import Problem
from layers.parsing import column_key, parse_date, parse_number
from portal.services.plan_computed import RULES


@dataclass(frozen=True)
class Col:
    """One column of a target or value sheet (and the form field of the same key)."""

    key: str
    vi: str
    en: str
    required: bool = False
    choices: tuple[tuple[str, str, str], ...] = ()  # (stored value, vi word, en word)
    example: str = ""
    help_vi: str = ""
    help_en: str = ""

    @property
    def header(self) -> str:
        """Return the template's header: Vietnamese first, then English."""
        return f"{self.vi} / {self.en}"

    def keys(self) -> set[str]:
        """Return the header keys the import accepts for this column."""
        return {column_key(self.header), column_key(self.vi), column_key(self.en),
                column_key(self.key)}  # fmt: skip


DIRECTION_WORDS = (("at_least", "Tối thiểu (≥)", "At least (≥)"),
                   ("at_most", "Tối đa (≤)", "At most (≤)"),
                   ("exactly", "Đạt đúng (=)", "Exactly (=)"))  # fmt: skip
PROVENANCE_WORDS = (("official", "Chính thức", "Official"), ("estimate", "Ước tính", "Estimate"),
                    ("illustrative", "Minh họa", "Illustrative"))  # fmt: skip
LEVEL_WORDS = (("commune", "Xã", "Commune"), ("district", "Huyện", "District"))
_EXTRA_WORDS = {"at_least": (">=", "≥"), "at_most": ("<=", "≤"), "exactly": ("=",)}

TARGET_COLUMNS = (
    Col("code", "Mã chỉ tiêu", "Code", True, example="GRDP",
        help_vi="Mã ngắn, không trùng (chữ, số, gạch ngang).",
        help_en="A short unique code (letters, digits, dashes)."),
    Col("name_vi", "Tên chỉ tiêu", "Name (Vietnamese)", True,
        example="Tốc độ tăng trưởng GRDP"),
    Col("name_en", "Tên tiếng Anh", "Name (English)", example="GRDP growth"),
    Col("unit", "Đơn vị tính", "Unit", example="%"),
    Col("direction", "Chiều", "Direction", True, DIRECTION_WORDS, example="Tối thiểu (≥)"),
    Col("target_value", "Chỉ tiêu năm", "Target value", True, example="8,0"),
    Col("year", "Năm", "Year", True, example="2025"),
    Col("baseline_value", "Giá trị gốc", "Baseline value", example="6,8"),
    Col("baseline_date", "Ngày gốc", "Baseline date", example="31/12/2024"),
    Col("department", "Cơ quan chủ trì", "Department", example="Sở Tài chính"),
    Col("milestones", "Mốc trung gian", "Milestones", example="30/06/2025: 7,0; 30/09/2025: 7,5",
        help_vi="Ngày: giá trị; cách nhau bằng dấu chấm phẩy.",
        help_en="date: value pairs separated by semicolons."),
    Col("computed", "Tính từ lớp", "Computed from a layer",
        choices=tuple((k, k, k) for k in RULES),
        help_vi="Để trống nếu chỉ tiêu được báo cáo; chỉ tiêu tính từ lớp không nhập số liệu.",
        help_en="Empty for a reported target; a computed target takes no typed values."),
)  # fmt: skip

VALUE_COLUMNS = (
    Col("code", "Mã chỉ tiêu", "Code", True, example="GRDP"),
    Col("date", "Ngày số liệu", "Date", True, example="30/09/2025"),
    Col("value", "Giá trị", "Value", True, example="7,4"),
    Col("source", "Nguồn", "Source", example="Cục Thống kê, báo cáo quý III"),
    Col("provenance", "Loại số liệu", "Provenance", True, PROVENANCE_WORDS, example="Chính thức"),
    Col("level", "Cấp", "Level", choices=LEVEL_WORDS,
        help_vi="Để trống cho số liệu toàn tỉnh.", help_en="Empty for a province-wide value."),
    Col("area_code", "Mã địa bàn", "Area code",
        help_vi="Mã xã (2025) hoặc huyện (trước 2025).",
        help_en="The 2025 commune or pre-2025 district code."),
)  # fmt: skip


class TargetRejected(GeodataError):
    """A file or a form of targets had problems; nothing was written. ``problems`` has them."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(
            f"{len(problems)} problem(s); first: {first.message_en}", row=first.row,
            field=first.field, problems=problems,
        )  # fmt: skip
        self.user_msg_vi = f"Có {len(problems)} lỗi; lỗi đầu tiên: {first.message_vi}"


class RowReader:
    """Reads the cells of one row, collecting a Problem for each bad cell."""

    def __init__(self, cells: Mapping[str, str], row: int | None,
                 fields: Mapping[str, str]) -> None:  # fmt: skip
        self.cells, self.row, self.fields = cells, row, fields
        self.problems: list[Problem] = []

    def bad(self, key: str, en: str, vi: str, code: str = "invalid") -> None:
        """Add a problem on the cell of ``key``."""
        raw = self.cells.get(key, "").strip()
        self.problems.append(Problem(self.row, self.fields.get(key, key), raw or None, en, vi,
                                     code))  # fmt: skip

    def text(self, col: Col) -> str:
        """Return the trimmed text of ``col``; a missing required one is a problem."""
        value = str(self.cells.get(col.key, "") or "").strip()
        if not value and col.required:
            self.bad(col.key, f"{col.en} is required.", f"Thiếu {col.vi}.", "missing")
        return value

    def number(self, col: Col) -> float | None:
        """Return the number of ``col`` (Vietnamese decimal commas read), None when empty."""
        text = self.text(col)
        if not text:
            return None
        number = parse_number(text, percent=True)
        if math.isnan(number):
            self.bad(col.key, f"{text!r} is not a number.", f"«{text}» không phải là số.")
            return None
        return number

    def date(self, col: Col) -> dt.date | None:
        """Return the date of ``col`` (dd/mm/yyyy), None when empty or not a real date."""
        text = self.text(col)
        if not text:
            return None
        day = parse_date(text)
        if day is None:
            self.bad(col.key, f"{text!r} is not a real date (dd/mm/yyyy).",
                     f"«{text}» không phải là ngày có thật (dd/mm/yyyy).")  # fmt: skip
        return day

    def choice(self, col: Col) -> str | None:
        """Return the stored value of a choice cell (its code, vi or en word)."""
        text = self.text(col)
        if not text:
            return None
        wanted = column_key(text)
        for value, vi, en in col.choices:
            words = (value, vi, en, vi.split(" (")[0], en.split(" (")[0])
            if wanted in {column_key(w) for w in words} or text in _EXTRA_WORDS.get(value, ()):
                return value
        known = ", ".join(vi for _v, vi, _e in col.choices)
        known_en = ", ".join(en for _v, _vi, en in col.choices)
        self.bad(col.key, f"{text!r} is not a known {col.en.lower()}; use one of {known_en}.",
                 f"«{text}» không phải là {col.vi.lower()} hợp lệ; dùng một trong: {known}.")
        return None


def _milestones(reader: RowReader, col: Col) -> list[dict[str, Any]]:
    text = reader.text(col)
    found = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        day_text, _sep, value_text = part.partition(":")
        day, value = parse_date(day_text.strip()), parse_number(value_text.strip(), percent=True)
        if day is None or math.isnan(value):
            reader.bad(col.key, f"{part!r} is not «dd/mm/yyyy: value».",
                       f"«{part}» không đúng dạng «dd/mm/yyyy: giá trị».")  # fmt: skip
            continue
        found.append({"date": day.isoformat(), "value": value})
    return sorted(found, key=lambda m: m["date"])


def read_target(reader: RowReader) -> dict[str, Any]:
    """Return a target's fields from a row (problems collected on ``reader``)."""
    cols = {c.key: c for c in TARGET_COLUMNS}
    code = reader.text(cols["code"])
    if code and (len(code) > 40 or not all(ch.isalnum() or ch in "-_." for ch in code)):
        reader.bad("code", "A code has at most 40 letters, digits, dashes or dots.",
                   "Mã chỉ tiêu gồm tối đa 40 chữ, số, gạch ngang hoặc dấu chấm.")  # fmt: skip
    year = reader.number(cols["year"])
    if year is not None and not (2000 <= year <= 2100 and year == int(year)):
        reader.bad("year", "The year must be between 2000 and 2100.",
                   "Năm phải trong khoảng 2000–2100.")
        year = None
    fields = {
        "code": code, "name_vi": reader.text(cols["name_vi"]),
        "name_en": reader.text(cols["name_en"]), "unit": reader.text(cols["unit"]),
        "direction": reader.choice(cols["direction"]),
        "target_value": reader.number(cols["target_value"]),
        "year": int(year) if year is not None else None,
        "baseline_value": reader.number(cols["baseline_value"]),
        "baseline_date": reader.date(cols["baseline_date"]),
        "department": reader.text(cols["department"]),
        "milestones": _milestones(reader, cols["milestones"]),
        "computed": reader.choice(cols["computed"]),
    }  # fmt: skip
    return fields


def read_value(
    reader: RowReader, targets: Mapping[str, Any], area_exists: Callable[[str, str], bool]
) -> dict[str, Any]:
    """Return a reported value's fields from a row; ``targets``: the stored ones by code."""
    cols = {c.key: c for c in VALUE_COLUMNS}
    code = reader.text(cols["code"])
    fields = {
        "code": code, "date": reader.date(cols["date"]), "value": reader.number(cols["value"]),
        "source": reader.text(cols["source"]), "provenance": reader.choice(cols["provenance"]),
        "level": reader.choice(cols["level"]), "area_code": reader.text(cols["area_code"]) or None,
    }  # fmt: skip
    target = targets.get(code) if code else None
    if code and target is None:
        reader.bad("code", f"No target has the code {code!r}; add the target first.",
                   f"Không có chỉ tiêu mã «{code}»; hãy thêm chỉ tiêu trước.")  # fmt: skip
    elif target is not None and target.computed:
        reader.bad("value", f"Target {code} is computed from the {RULES[target.computed].layer_id}"
                   " layer; its values are never typed in.",
                   f"Chỉ tiêu {code} được tính từ lớp {RULES[target.computed].layer_id}; không "
                   "nhập số liệu cho chỉ tiêu này.", "not_allowed")  # fmt: skip
    if fields["level"] and not fields["area_code"]:
        reader.bad("area_code", "An area code is needed with a level.",
                   "Cần mã địa bàn khi đã ghi cấp.", "missing")
    elif fields["area_code"] and not fields["level"]:
        reader.bad("level", "A level (commune or district) is needed with an area code.",
                   "Cần ghi cấp (xã hoặc huyện) khi có mã địa bàn.", "missing")
    elif fields["level"] and not area_exists(fields["level"], fields["area_code"]):
        reader.bad("area_code", f"No {fields['level']} has the code {fields['area_code']!r}.",
                   f"Không có địa bàn mã «{fields['area_code']}».")  # fmt: skip
    return fields


def check_target(fields: dict[str, Any], reader: RowReader) -> None:
    """Check what only the whole target tells (a baseline date needs a baseline value)."""
    if fields["baseline_date"] and fields["baseline_value"] is None and not fields["computed"]:
        reader.bad("baseline_value", "A baseline date needs a baseline value.",
                   "Có ngày gốc thì phải có giá trị gốc.", "missing")
