"""The targets' XLSX templates and their import: targets, or their reported values.

A file is read as the layers' files are (``geodata.readers.read_table``: an office sheet's title
rows above the header, its group and signature rows, legacy encodings), its columns matched to
``TARGET_COLUMNS`` or ``VALUE_COLUMNS`` by header (Vietnamese, English or both, accents and case
ignored; a file with a direction column holds targets, else values). Every row is read with
``portal.services.plan_target_rows``, every problem named by row and column; nothing is
written unless every row is right, and then in one transaction with one audit event.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from geodata.problems import Problem
from geodata.readers import read_table
from layers.parsing import column_key
from portal.services import audit
from portal.services.plan_target_rows import (
    TARGET_COLUMNS,
    VALUE_COLUMNS,
    Col,
    RowReader,
    TargetRejected,
    check_target,
    read_target,
    read_value,
)
from portal.services.plan_targets import write_target
from portal.store import plan_targets as store
from portal.store.queries import get_area

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"targets": TARGET_COLUMNS, "values": VALUE_COLUMNS}
_TITLES = {"targets": ("Chỉ tiêu kế hoạch năm", "Plan targets of the year"),
           "values": ("Số liệu báo cáo của chỉ tiêu", "Reported values of the targets")}


def template_xlsx(kind: str) -> tuple[bytes, str]:
    """Return the template workbook of ``kind`` ("targets" or "values") and its file name."""
    columns = KINDS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = "Dữ liệu"
    sheet.append([c.header for c in columns])
    sheet.append([c.example or None for c in columns])
    for index, col in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index).font = Font(bold=True)
        sheet.cell(2, index).fill = PatternFill("solid", fgColor="FFF2CC")
        sheet.column_dimensions[letter].width = max(14, len(col.header) + 2)
        if col.choices:
            words = ",".join(vi for _v, vi, _e in col.choices)
            check = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True)
            check.add(f"{letter}2:{letter}2000")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("Hướng dẫn")
    title_vi, title_en = _TITLES[kind]
    help_sheet.append([f"Mẫu nhập: {title_vi}", f"Template: {title_en}"])
    help_sheet.append(["Dòng 2 là ví dụ: ghi đè hoặc xóa. Số thập phân dùng dấu phẩy hoặc chấm; "
                       "ngày dd/mm/yyyy.", "Row 2 is an example: type over it or delete it. "
                       "Decimal comma or point; dates dd/mm/yyyy."])  # fmt: skip
    help_sheet.append([])
    help_sheet.append(["Cột", "Column", "Bắt buộc", "Required", "Giá trị", "Values", "Giải thích",
                       "Help"])  # fmt: skip
    for col in columns:
        help_sheet.append([col.vi, col.en, "Có" if col.required else "Không",
                           "yes" if col.required else "no",
                           ", ".join(vi for _v, vi, _e in col.choices),
                           ", ".join(en for _v, _vi, en in col.choices), col.help_vi,
                           col.help_en])  # fmt: skip
    help_sheet["A1"].font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"mau_chi_tieu_{kind}.xlsx"


def _match_columns(headers: list[str]) -> tuple[str, dict[str, str], list[Problem]]:
    """Return the file's kind, key -> the file's header, and the missing required columns."""
    by_key = {column_key(h): h for h in headers}
    kind = "targets" if any(k in by_key for k in TARGET_COLUMNS[4].keys()) else "values"
    found: dict[str, str] = {}
    for col in KINDS[kind]:
        hit = next((by_key[k] for k in col.keys() if k in by_key), None)
        if hit is not None:
            found[col.key] = hit
    problems = [
        Problem(None, col.header, None, f"The column «{col.header}» is missing.",
                f"Thiếu cột «{col.header}».", "missing_column")
        for col in KINDS[kind] if col.required and col.key not in found
    ]  # fmt: skip
    return kind, found, problems


def _cells(frame_row: Any, found: dict[str, str]) -> dict[str, str]:
    return {key: str(frame_row[header] or "") for key, header in found.items()}


def import_targets_file(session: Session, path: str | Path, actor: str) -> dict[str, Any]:
    """Import a file of targets or of reported values; raise ``TargetRejected`` on any problem.

    Returns ``{"kind", "rows", "created", "updated", "values"}``. The caller's transaction holds
    the writes and the audit event; on a problem nothing has been written.
    """
    table = read_table(path)
    kind, found, problems = _match_columns([str(c) for c in table.frame.columns])
    if problems:
        raise TargetRejected(problems)
    stored = store.target_codes(session)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for (_index, frame_row), number in zip(table.frame.iterrows(), table.row_numbers,
                                           strict=True):  # fmt: skip
        cells = _cells(frame_row, found)
        if not any(v.strip() for v in cells.values()):
            continue
        reader = RowReader(cells, number, found)
        if kind == "targets":
            fields = read_target(reader)
            check_target(fields, reader)
            if fields["code"] in seen:
                reader.bad("code", f"The code {fields['code']!r} is on row {seen[fields['code']]} "
                           "too.", f"Mã «{fields['code']}» đã có ở dòng {seen[fields['code']]}.")
            elif fields["code"]:
                seen[fields["code"]] = number
        else:
            fields = read_value(reader, stored,
                                lambda level, code: get_area(session, level, code) is not None)
        problems.extend(reader.problems)
        rows.append(fields)
    if not rows and not problems:
        problems.append(Problem(None, None, None, "The file holds no row to import.",
                                "Tệp không có dòng nào để nhập.", "missing"))  # fmt: skip
    if problems:
        raise TargetRejected(problems)
    return _write(session, kind, rows, stored, actor, Path(path).name)


def _write(session: Session, kind: str, rows: list[dict[str, Any]],
           stored: dict[str, Any], actor: str, name: str) -> dict[str, Any]:  # fmt: skip
    summary = {"kind": kind, "rows": len(rows), "created": 0, "updated": 0, "values": 0}
    for fields in rows:
        if kind == "targets":
            existing = stored.get(fields["code"])
            write_target(session, fields, actor, existing)
            summary["updated" if existing else "created"] += 1
        else:
            store.add_value(session, stored[fields["code"]], recorded_by=actor,
                            **{k: fields[k] for k in ("date", "value", "source", "provenance",
                                                      "level", "area_code")})  # fmt: skip
            summary["values"] += 1
    audit.record(session, "targets_import", actor=actor, detail={"file": name, **summary})
    return summary


def columns_of(kind: str) -> tuple[Col, ...]:
    """Return the columns of ``kind`` (the form fields of the same keys)."""
    return KINDS[kind]
