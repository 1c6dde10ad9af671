"""Import templates: an XLSX or CSV file per layer (or for several) that imports as it is filled.

Headers are "Vietnamese / English" (``Tên / Name``): the importer knows a two-level header by
its last level (:func:`layers.importing.columns.match_columns`), so every header here names a
role alias of :data:`~layers.importing.columns.ROLE_ALIASES` or a field's English label.

The example row (id ``VI-DU-1``) is a valid record: the instructions say to type over it or
delete it. The importer does not skip it, because the importer is shared by every file the
offices send and a real record whose code happened to start with the marker would vanish
without a word; a row that is kept is imported and shows in the preview, where it is seen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from layers.base import FieldSpec, LayerSpec
from layers.importing.columns import GENERIC_STATUS_LABELS, ROLE_ALIASES, field_keys
from layers.parsing import column_key

EXAMPLE_ID = "VI-DU-1"
FORMATS = ("xlsx", "csv")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "Dữ liệu - Data"  # Excel sheet names may not hold "/"
HELP_SHEET = "Hướng dẫn - Instructions"
LISTS_SHEET = "Danh mục - Lists"
EXAMPLE_POINT = ("106.7615", "21.8537")  # Lạng Sơn city, WGS 84
EXAMPLE_LINE = "LINESTRING (106.7615 21.8537, 106.7700 21.8600)"
REQUIRED, RECOMMENDED, OPTIONAL = "required", "recommended", "optional"
NEED_WORDS = {
    REQUIRED: ("Bắt buộc", "required"),
    RECOMMENDED: ("Nên điền (thiếu thì hồ sơ bị đánh dấu chưa đủ)",
                  "should be filled (else the record is marked incomplete)"),
    OPTIONAL: ("Không bắt buộc", "optional"),
}  # fmt: skip
YES_NO = ("Có", "Không")


@dataclass(frozen=True)
class Column:
    """One column of a template: its header, whether it must be filled, what it holds."""

    header: str
    need: str
    what_vi: str
    what_en: str
    choices: tuple[str, ...] = ()
    example: str = ""
    choices_en: tuple[str, ...] = ()  # the same values in English (the importer takes both)
    aliases: tuple[str, ...] = ()  # other headers the importer takes (accents, case ignored)
    help_vi: str = ""  # what the value means for this layer
    help_en: str = ""


def _role_header(role: str, vi: str, en: str) -> str:
    """Return ``"vi / en"`` after checking the importer knows ``en`` for ``role``."""
    assert en.lower() in ROLE_ALIASES[role], (role, en)
    return f"{vi} / {en}"


def _is_line_layer(layer: LayerSpec) -> bool:
    return "Point" not in layer.geometry_types


def _location(line: bool) -> list[Column]:
    """Return the location columns: WKT for a line layer, WGS 84 degrees otherwise."""
    if line:
        return [Column(
            _role_header("wkt", "Hình học", "WKT"), REQUIRED,
            "Đường dạng WKT, ví dụ LINESTRING (106.76 21.85, 106.77 21.86), kinh độ trước",
            "The line as WKT, e.g. LINESTRING (106.76 21.85, 106.77 21.86), longitude first",
            example=EXAMPLE_LINE, aliases=ROLE_ALIASES["wkt"],
        )]  # fmt: skip
    return [
        Column(_role_header("lon", "Kinh độ", "Longitude"), REQUIRED,
               "Kinh độ WGS 84 (độ thập phân, khoảng 106–108)",
               "WGS 84 longitude (decimal degrees, about 106–108)", example=EXAMPLE_POINT[0],
               aliases=ROLE_ALIASES["lon"]),
        Column(_role_header("lat", "Vĩ độ", "Latitude"), REQUIRED,
               "Vĩ độ WGS 84 (độ thập phân, khoảng 21–23)",
               "WGS 84 latitude (decimal degrees, about 21–23)", example=EXAMPLE_POINT[1],
               aliases=ROLE_ALIASES["lat"]),
    ]  # fmt: skip


def _field_column(spec: FieldSpec) -> Column:
    """Return the column of one layer field; choices and yes/no get a drop-down."""
    choices: tuple[str, ...] = tuple(c.label_vi for c in spec.choices)
    choices_en: tuple[str, ...] = tuple(c.label_en for c in spec.choices)
    if spec.type == "bool":
        choices, choices_en = YES_NO, ("Yes", "No")
    kind = {
        "str": ("văn bản", "text"), "int": ("số nguyên", "whole number"),
        "float": ("số", "number"), "date": ("ngày, dd/mm/yyyy", "date, dd/mm/yyyy"),
        "bool": ("Có / Không", "yes / no"), "choice": ("chọn trong danh sách", "pick from list"),
    }.get(spec.type, (spec.type, spec.type))  # fmt: skip
    example = choices[0] if spec.required and choices else ""
    if spec.required and not example and spec.type == "str":
        example = f"{spec.label_vi} (ví dụ)"
    return Column(
        f"{spec.label_vi} / {spec.label_en}", RECOMMENDED if spec.required else OPTIONAL,
        f"{spec.label_vi} ({kind[0]})", f"{spec.label_en} ({kind[1]})", choices, example,
        choices_en, (spec.name,), spec.help_vi, spec.help_en,
    )  # fmt: skip


def _state_columns(
    statuses: tuple[str, ...], statuses_en: tuple[str, ...], layer: LayerSpec | None = None
) -> list[Column]:
    """Return the status, progress and date columns; a layer's own help for its template."""
    status_help = (layer.status_help_vi, layer.status_help_en) if layer else (
        "Mỗi lớp hiểu các trạng thái chung theo các bước của mình.",
        "Each layer reads the generic statuses as steps of its own workflow.")
    progress_help = (layer.progress_help_vi, layer.progress_help_en) if layer else (
        "Phần việc đã làm của hồ sơ, theo cách tính của lớp.",
        "The share of the record's work done, as its layer measures it.")
    return [
        Column(_role_header("status", "Trạng thái", "Status"), REQUIRED,
               "Trạng thái, chọn trong danh sách", "Status, pick from the list",
               statuses, statuses[0], statuses_en, ROLE_ALIASES["status"], *status_help),
        Column(_role_header("progress", "Tiến độ", "Progress"), OPTIONAL,
               "Tiến độ, phần trăm 0–100", "Progress, percent 0–100",
               aliases=ROLE_ALIASES["progress"], help_vi=progress_help[0],
               help_en=progress_help[1]),
        Column(_role_header("date", "Ngày cập nhật", "Date"), OPTIONAL,
               "Ngày của trạng thái: dd/mm/yyyy, d/m/yyyy hoặc yyyy-mm-dd; trống là hôm nay",
               "Date of the status: dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd; empty is today",
               example="31/10/2025", aliases=ROLE_ALIASES["date"]),
    ]  # fmt: skip


def _id_and_name() -> list[Column]:
    return [
        Column(_role_header("name", "Tên", "Name"), REQUIRED, "Tên hồ sơ", "Record name",
               example="Ví dụ - xóa hoặc ghi đè dòng này", aliases=ROLE_ALIASES["name"]),
        Column(_role_header("record_id", "Mã", "ID"), OPTIONAL,
               "Mã hồ sơ; nhập lại cùng mã thì cập nhật hồ sơ cũ, trống thì tự sinh",
               "Record code; the same code again updates that record, empty makes one",
               example=EXAMPLE_ID, aliases=ROLE_ALIASES["record_id"]),
    ]  # fmt: skip


def _ordered(columns: list[Column]) -> list[Column]:
    """Put required columns first, then the ones that should be filled, then the rest."""
    rank = {REQUIRED: 0, RECOMMENDED: 1, OPTIONAL: 2}
    return sorted(columns, key=lambda c: rank[c.need])


def layer_columns(layer: LayerSpec) -> list[Column]:
    """Return the columns of one layer's template, required first."""
    statuses = tuple(s.label_vi for s in layer.statuses)
    statuses_en = tuple(s.label_en for s in layer.statuses)
    return _ordered([
        *_id_and_name(), *_location(_is_line_layer(layer)),
        *_state_columns(statuses, statuses_en, layer),
        *(_field_column(spec) for spec in layer.fields),
    ])  # fmt: skip


def sheet_layers(layers: Sequence[LayerSpec]) -> list[LayerSpec]:
    """Return the layers an all-layers sheet holds: those with points (lines need WKT)."""
    return [layer for layer in layers if not _is_line_layer(layer)]


def all_layers_columns(layers: Sequence[LayerSpec]) -> list[Column]:
    """Return the columns of the all-layers template; a field header shared by layers once."""
    layers = sheet_layers(layers)
    names = tuple(layer.name_vi for layer in layers)
    generic = tuple(vi for vi, _en in GENERIC_STATUS_LABELS.values())
    generic_en = tuple(en for _vi, en in GENERIC_STATUS_LABELS.values())
    columns = [
        Column(_role_header("layer", "Lớp", "Layer"), REQUIRED,
               "Lớp của dòng: " + ", ".join(names), "The row's layer: "
               + ", ".join(layer.name_en for layer in layers), names, names[0] if names else "",
               tuple(layer.name_en for layer in layers), ROLE_ALIASES["layer"]),
        *_id_and_name(), *_location(False), *_state_columns(generic, generic_en),
    ]  # fmt: skip
    groups: dict[str, list[tuple[LayerSpec, FieldSpec]]] = {}
    for layer in layers:
        for spec in layer.fields:
            groups.setdefault(spec.name, []).append((layer, spec))
    columns.extend(_shared_column(group, layers[0]) for group in groups.values())
    return _ordered(columns)


def _shared_column(group: list[tuple[LayerSpec, FieldSpec]], first: LayerSpec) -> Column:
    """Return one column for a field name several layers share (``kind``), matching each.

    Two columns matching one field would leave the second ignored, so a shared name gets one
    column whose header every member knows, and the drop-down offers every member's choices.
    Only the fields of the example row's layer (``first``) get an example value.
    """
    layer, spec = group[0]
    column = _field_column(spec)
    example = column.example if any(member is first for member, _spec in group) else ""
    if len(group) == 1:
        return replace(column, what_vi=f"{column.what_vi} — {layer.name_vi}",
                       what_en=f"{column.what_en} — {layer.name_en}", example=example)
    specs = [member for _layer, member in group]
    header = (f"{min((s.label_vi for s in specs), key=len)} / "
              f"{min((s.label_en for s in specs), key=len)}")  # fmt: skip
    if not all(column_key(header.rsplit("/", 1)[1]) in field_keys(s) for s in specs):
        header = f"{spec.label_vi} / {spec.name}"
    choices = tuple(dict.fromkeys(word for s in specs for word in _field_column(s).choices))
    need = RECOMMENDED if any(s.required for s in specs) else OPTIONAL
    names_vi = ", ".join(member.name_vi for member, _spec in group)
    names_en = ", ".join(member.name_en for member, _spec in group)
    return Column(
        header, need, f"{column.what_vi} — {names_vi}", f"{column.what_en} — {names_en}",
        choices, example,
        tuple(dict.fromkeys(word for s in specs for word in _field_column(s).choices_en)),
        tuple(dict.fromkeys(word for s in specs for word in (s.label_vi, s.label_en, s.name))),
        " · ".join(f"{member.name_vi}: {s.help_vi}" for member, s in group),
        " · ".join(f"{member.name_en}: {s.help_en}" for member, s in group),
    )  # fmt: skip


def _instructions(columns: list[Column], title: tuple[str, str]) -> list[list[str]]:
    """Return the rows of the instructions sheet."""
    rows = [
        [f"Mẫu nhập dữ liệu: {title[0]}", f"Import template: {title[1]}"],
        ["Điền từ dòng 2 của trang «Dữ liệu». Dòng 2 là dòng ví dụ (mã "
         f"{EXAMPLE_ID}): ghi đè lên nó hoặc xóa nó đi, nếu để lại nó sẽ được nhập.",
         "Fill from row 2 of the «Data» sheet. Row 2 is an example (id "
         f"{EXAMPLE_ID}): type over it or delete it; if kept it is imported."],
        ["Bắt buộc: tên, vị trí, trạng thái (và lớp với mẫu nhiều lớp). Không sửa tiêu đề cột.",
         "Required: name, location, status (and layer in the all-layers template). "
         "Keep the headers as they are."],
        ["Ngày: dd/mm/yyyy, d/m/yyyy hoặc yyyy-mm-dd.", "Dates: dd/mm/yyyy, d/m/yyyy or "
         "yyyy-mm-dd."],
        ["Tọa độ: kinh độ, vĩ độ WGS 84 (độ). Dùng VN-2000 thì đổi tiêu đề thành x, y (mét) "
         "và chọn hệ tọa độ khi nhập; đường (giao thông) ghi dạng WKT.",
         "Coordinates: WGS 84 longitude, latitude (degrees). For VN-2000 rename the headers to "
         "x, y (metres) and pick the coordinate system when importing; lines (transport) go "
         "as WKT."],
        [],
        ["Cột", "Column", "Yêu cầu", "Need", "Ý nghĩa", "Meaning", "Giá trị", "Values",
         "Giải thích", "Help", "Tên cột khác được nhận / Other accepted headers"],
    ]  # fmt: skip
    for c in columns:
        vi, en = NEED_WORDS[c.need]
        rows.append([c.header.split(" / ")[0], c.header.split(" / ")[-1], vi, en, c.what_vi,
                     c.what_en, ", ".join(c.choices), ", ".join(c.choices_en), c.help_vi,
                     c.help_en, ", ".join(c.aliases)])  # fmt: skip
    return rows


def _fill_lists(book: Workbook, sheet, columns: list[Column]) -> None:
    """Put each drop-down list in the lists sheet and validate its data column against it."""
    lists = book.create_sheet(LISTS_SHEET)
    for index, column in enumerate(columns, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(index)
        lists.cell(1, index, column.header)
        for row, word in enumerate(column.choices, start=2):
            lists.cell(row, index, word)
        source = (f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:"
                  f"${letter}${len(column.choices) + 1}")  # fmt: skip
        check = DataValidation(type="list", formula1=source, allow_blank=True)
        check.error = "Chọn trong danh sách / Pick from the list"
        check.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(check)
    lists.sheet_state = "hidden"


def build_xlsx(columns: list[Column], title: tuple[str, str]) -> bytes:
    """Return the template workbook: data sheet first (imported), instructions, lists."""
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([c.header for c in columns])
    sheet.append([c.example or None for c in columns])
    bold, note = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(columns, start=1):
        sheet.cell(1, index).font = bold
        sheet.cell(2, index).fill = note
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(HELP_SHEET)
    for row in _instructions(columns, title):
        help_sheet.append(row)
    help_sheet["A1"].font = bold
    _fill_lists(book, sheet, columns)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_csv(columns: list[Column]) -> bytes:
    """Return the template as UTF-8 CSV with a byte-order mark: header and example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerow([c.example for c in columns])
    return out.getvalue().encode("utf-8-sig")


def template_file(
    layer: LayerSpec | None, layers: Sequence[LayerSpec], fmt: str
) -> tuple[bytes, str, str]:
    """Return ``(content, mime type, file name)`` of one layer's template, or all ``layers``'.

    >>> from layers import get_layer
    >>> template_file(get_layer("signal"), (), "csv")[2]
    'mau_nhap_signal.csv'
    """
    if layer is not None:
        columns, title, stem = layer_columns(layer), (layer.name_vi, layer.name_en), layer.id
    else:
        columns, title, stem = all_layers_columns(layers), ("nhiều lớp", "all layers"), "tat_ca"
    name = f"mau_nhap_{stem}.{fmt}"
    if fmt == "csv":
        return build_csv(columns), "text/csv; charset=utf-8", name
    return build_xlsx(columns, title), XLSX_MIME, name
