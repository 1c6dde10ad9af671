"""Which file column is which field, and the words a status cell may use.

Headers match in Vietnamese or English whatever their accents, case, spaces or underscores:
"Ngày cập nhật", "ngay_cap_nhat" and "NGAY CAP NHAT" are one key
(:func:`layers.parsing.column_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from layers.base import FieldSpec, LayerSpec
from layers.parsing import column_key

# Roles a column can play besides the layer's own fields, each with its accepted headers; the
# first header is the one messages name when the column is missing.
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "layer": ("loai", "layer", "lop", "layer_id", "loai_lop"),
    "record_id": ("ma", "ma_ho_so", "id", "record_id", "code", "ma_du_an", "ma_so"),
    "name": (
        "ten", "name", "ten_thon", "ten_du_an", "ten_cong_trinh", "ten_diem", "ho_ten",
        "ten_thon_ban", "thon_ban_lang", "ten_thon_ban_khu_pho", "ten_ban",
    ),
    "lon": ("kinh_do", "lon", "lng", "long", "longitude"),
    "lat": ("vi_do", "lat", "latitude"),
    "x": ("x", "easting", "toa_do_x", "x_vn2000"),
    "y": ("y", "northing", "toa_do_y", "y_vn2000"),
    "wkt": ("wkt", "geometry", "hinh_hoc", "geom"),
    "status": ("trang_thai", "status", "tinh_trang"),
    "progress": ("tien_do", "progress", "phan_tram", "tien_do_phan_tram"),
    "date": ("ngay_cap_nhat", "ngay", "date", "updated", "ngay_bao_cao"),
    "commune": (
        "ma_xa", "commune_code", "xa", "commune", "ten_xa", "xa_phuong", "ten_xa_phuong",
        "commune_name",
    ),
    # Tells apart pre-2025 communes of one name ("Xã Hồng Thái" of Bình Gia and of Văn Lãng).
    "district": ("huyen", "ten_huyen", "huyen_cu", "district", "district_name", "ma_huyen"),
}  # fmt: skip

# The province's generic statuses, as written in its reports, in English and as ids. Every layer
# maps each of them onto its own workflow (``LayerSpec.generic_statuses``).
GENERIC_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "not_started": (
        "Chưa triển khai", "Chưa thực hiện", "Chưa bắt đầu", "Kế hoạch", "Trong kế hoạch",
        "not started", "planned",
    ),
    "in_progress": ("Đang triển khai", "Đang thực hiện", "in progress", "ongoing"),
    "paused": ("Tạm dừng", "Tạm ngừng", "paused", "on hold", "suspended"),
    "cancelled": ("Đã hủy", "Hủy", "Hủy bỏ", "Dừng hẳn", "cancelled", "canceled"),
    "done": ("Hoàn thành", "Đã hoàn thành", "done", "completed", "finished"),
}  # fmt: skip
GENERIC_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "not_started": ("Chưa triển khai", "not started"),
    "in_progress": ("Đang triển khai", "in progress"),
    "paused": ("Tạm dừng", "paused"),
    "cancelled": ("Đã hủy", "cancelled"),
    "done": ("Hoàn thành", "done"),
}


@dataclass
class ColumnMap:
    """What each column of a file is.

    Attributes
    ----------
    roles : dict
        Role (``record_id``, ``lon``, ``status``, ...) -> file column.
    fields : dict
        Layer id -> field name -> file column.
    report : dict
        File column -> the role or field it fills, for the import report.
    unused : list
        Columns that match nothing.
    repeated : list
        ``(ignored column, used column)`` pairs: two columns for one role or field.
    """

    roles: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    report: dict[str, str] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)


def field_keys(spec: FieldSpec) -> set[str]:
    """Return the header keys that name a field: its name and both labels."""
    return {column_key(spec.name), column_key(spec.label_vi), column_key(spec.label_en)}


def match_columns(columns: Iterable[str], layers: Sequence[LayerSpec], multi: bool) -> ColumnMap:
    """Decide which role or layer field each column fills; the first of two rivals wins.

    Parameters
    ----------
    columns : iterable of str
        The file's headers, in file order.
    layers : sequence of LayerSpec
        The layer of the file, or every layer a multi-layer file may hold.
    multi : bool
        Whether a ``loai``/``layer`` column names each row's layer; otherwise such a header is
        free to be a field (the border layer labels its ``kind`` field "Loại").

    Returns
    -------
    ColumnMap
        A column can fill a role and a field at once (signal's "Xã" is both the commune checked
        against the position and the ``commune_name`` attribute), never two fields.
    """
    role_of = {
        column_key(alias): role
        for role, aliases in ROLE_ALIASES.items()
        if multi or role != "layer"
        for alias in aliases
    }
    result = ColumnMap(fields={layer.id: {} for layer in layers})
    known = set(role_of) | {k for layer in layers for f in layer.fields for k in field_keys(f)}
    for column in columns:
        key = _header_key(column, known)
        role = role_of.get(key)
        if role is not None:
            _claim(result.roles, role, column, result)
        if role == "layer":
            continue
        named = _claim_fields(result, layers, key, column)
        if role is None and named is None:
            result.unused.append(column)
        elif named is not None:
            result.report[column] = named
    return result


def _header_key(column: str, known: set[str]) -> str:
    """Return a header's key; a two-level header ("Vị trí / Kinh độ") is known by its last level.

    >>> _header_key("Vị trí / Kinh độ", {"kinhdo"}), _header_key("Số hộ", set())
    ('kinhdo', 'soho')
    """
    key = column_key(column)
    if key in known or "/" not in column:
        return key
    last = column_key(column.rsplit("/", 1)[1])
    return last if last in known else key


def _claim(slots: dict[str, str], target: str, column: str, result: ColumnMap) -> None:
    """Give ``target`` to ``column`` unless an earlier column has it."""
    if target in slots:
        result.repeated.append((column, slots[target]))
        return
    slots[target] = column
    result.report[column] = target


def _claim_fields(result: ColumnMap, layers: Sequence[LayerSpec], key: str, column: str):
    """Match ``column`` against every layer's fields; return the field name it fills."""
    named = None
    for layer in layers:
        for spec in layer.fields:
            if key in field_keys(spec):
                slots = result.fields[layer.id]
                if spec.name in slots:
                    result.repeated.append((column, slots[spec.name]))
                else:
                    slots[spec.name] = column
                    named = named or spec.name
                break
    return named


def status_lookup(layer: LayerSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Return the keys of a layer's statuses, and of the generic words the layer lacks.

    The layer's own ids and labels win over the generic words; a generic word goes through
    ``layer.generic_statuses``. The second mapping holds the generic words with no status in
    this layer (``paused`` for the geopark), each to its generic id, for a precise message.
    """
    lookup: dict[str, str] = {}
    lacking: dict[str, str] = {}
    for generic, words in GENERIC_STATUS_WORDS.items():
        target = layer.generic_statuses.get(generic)
        for word in (generic, *words):
            if target is None:
                lacking[column_key(word)] = generic
            else:
                lookup[column_key(word)] = target
    for status in layer.statuses:
        for text in (status.id, status.label_vi, status.label_en):
            lookup[column_key(text)] = status.id
            lacking.pop(column_key(text), None)
    return lookup, lacking


def describe_columns(columns: ColumnMap, notes: list[str]) -> None:
    """Note the columns ignored and those that fill two roles."""
    if columns.unused:
        names = ", ".join(columns.unused)
        notes.append(f"Bỏ qua các cột không nhận diện được: {names} / "
                     f"Ignored unknown columns: {names}")  # fmt: skip
    for ignored, used in columns.repeated:
        notes.append(
            f"Cột {ignored} trùng nội dung với cột {used} nên không dùng / "
            f"Column {ignored} repeats column {used} and was ignored"
        )
    commune = columns.roles.get("commune")
    if commune is not None and columns.report.get(commune) != "commune":
        notes.append(
            f"Cột {commune} còn được đối chiếu với xã xác định theo tọa độ / "
            f"Column {commune} is also checked against the commune found by position"
        )
