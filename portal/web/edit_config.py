"""The editing add-on's configuration (``config.edit``) and its words in Vietnamese and English.

The words are kept as (vi, en) pairs here so the editor works in both languages before the
message catalogue (``portal/translations``) has them; ``{name}`` is filled in JS.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_wtf.csrf import generate_csrf

from layers import get_layer
from layers.base import LayerSpec
from portal.services import photos
from portal.services.access import ALL_LAYER_ROLES, layers_edited_by
from portal.web.i18n import current_locale

EDIT_STRINGS: dict[str, tuple[str, str]] = {
    # Geoman toolbar, tooltips and actions while drawing.
    "edit_toolbar_marker": ("Thêm điểm mới", "Add a point"),
    "edit_toolbar_line": ("Vẽ tuyến mới", "Draw a line"),
    "edit_toolbar_polygon": ("Vẽ vùng mới", "Draw an area"),
    "edit_tip_marker": ("Nhấn để đặt điểm", "Click to place the point"),
    "edit_tip_first_vertex": ("Nhấn để đặt đỉnh đầu tiên", "Click to place the first vertex"),
    "edit_tip_continue_line": ("Nhấn để vẽ tiếp", "Click to continue drawing"),
    "edit_tip_finish_line": ("Nhấn vào điểm cuối để kết thúc", "Click the last point to finish"),
    "edit_tip_finish_polygon": (
        "Nhấn vào điểm đầu để khép vùng", "Click the first point to close the area"
    ),
    "edit_action_finish": ("Xong", "Finish"),
    "edit_action_cancel": ("Hủy", "Cancel"),
    "edit_action_remove_vertex": ("Xóa điểm vừa vẽ", "Remove the last vertex"),
    # Buttons in a record's popup.
    "edit_button_status": ("Cập nhật trạng thái", "Update status"),
    "edit_button_edit": ("Sửa", "Edit"),
    "edit_button_move": ("Di chuyển, sửa hình", "Move or reshape"),
    "edit_button_photos": ("Ảnh", "Photos"),
    "edit_button_delete": ("Xóa", "Delete"),
    # Panel titles.
    "edit_title_new": ("Bản ghi mới", "New record"),
    "edit_title_status": ("Cập nhật trạng thái: {name}", "Update status: {name}"),
    "edit_title_edit": ("Sửa: {name}", "Edit: {name}"),
    "edit_title_move": ("Di chuyển, sửa hình: {name}", "Move or reshape: {name}"),
    "edit_title_photos": ("Ảnh: {name}", "Photos: {name}"),
    "edit_title_delete": ("Xóa: {name}", "Delete: {name}"),
    "edit_title_conflict": ("Bản ghi vừa được thay đổi", "The record changed meanwhile"),
    # Form labels.
    "edit_layer": ("Lớp dữ liệu", "Layer"),
    "edit_name": ("Tên", "Name"),
    "edit_status": ("Trạng thái", "Status"),
    "edit_progress": ("Tiến độ (%)", "Progress (%)"),
    "edit_date": ("Ngày hiệu lực", "Effective date"),
    "edit_reason": ("Lý do, ghi chú", "Reason, note"),
    "edit_reason_required": ("Lý do xóa (bắt buộc)", "Reason for deleting (required)"),
    "edit_required_mark": ("*", "*"),
    "edit_restricted_mark": ("(dữ liệu cá nhân)", "(personal data)"),
    "edit_choose": ("— Chọn —", "— Choose —"),
    # Buttons and messages.
    "edit_save": ("Lưu", "Save"),
    "edit_cancel": ("Hủy", "Cancel"),
    "edit_close": ("Đóng", "Close"),
    "edit_delete_confirm": ("Xóa bản ghi", "Delete the record"),
    "edit_reload": ("Tải lại bản mới nhất", "Reload the latest version"),
    "edit_undo": ("Hoàn tác", "Undo"),
    "edit_undo_reason": ("Hoàn tác thao tác xóa", "Undoing a delete"),
    "edit_saving": ("Đang lưu…", "Saving…"),
    "edit_saved": ("Đã lưu.", "Saved."),
    "edit_saved_later": (
        "Đã lưu, có hiệu lực từ {date}. Bản đồ đang hiển thị số liệu đến ngày {as_of}.",
        "Saved, effective {date}. The map shows figures as of {as_of}.",
    ),
    "edit_deleted": (
        "Đã xóa bản ghi. Có thể hoàn tác hoặc khôi phục sau.",
        "The record was deleted. You can undo or restore it later.",
    ),
    "edit_restored": ("Đã khôi phục bản ghi.", "The record was restored."),
    "edit_move_hint": (
        "Kéo điểm hoặc các đỉnh đến vị trí mới, rồi nhấn Lưu.",
        "Drag the point or the vertices to their new place, then Save.",
    ),
    "edit_no_layer": (
        "Bạn không cập nhật lớp nào nhận loại hình này.",
        "None of the layers you edit takes this kind of shape.",
    ),
    # The comparison shown on a conflict (409).
    "edit_conflict_field": ("Trường", "Field"),
    "edit_conflict_current": ("Hiện tại", "Current"),
    "edit_conflict_yours": ("Của bạn", "Yours"),
    "edit_conflict_geometry": ("Vị trí, hình", "Position, shape"),
    "edit_conflict_deleted": ("Đã xóa", "Deleted"),
    "edit_changed": ("đã thay đổi", "changed"),
    "edit_unchanged": ("không đổi", "unchanged"),
    # Photos.
    "edit_photo_file": ("Tệp ảnh (JPEG, PNG, WebP)", "Photo file (JPEG, PNG, WebP)"),
    "edit_photo_caption": ("Chú thích", "Caption"),
    "edit_photo_upload": ("Tải ảnh lên", "Upload"),
    "edit_photo_delete": ("Gỡ ảnh", "Remove"),
    "edit_photo_none": ("Chưa có ảnh.", "No photo yet."),
    "edit_photo_too_big": ("Ảnh lớn hơn {mb} MB.", "The photo is larger than {mb} MB."),
    "edit_error": ("Không lưu được. Hãy thử lại.", "Could not save. Try again."),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
}


def edit_client_strings(locale: str) -> dict[str, str]:
    """Return every editing string in ``locale`` ("vi" or "en")."""
    index = 1 if locale == "en" else 0
    return {key: pair[index] for key, pair in EDIT_STRINGS.items()}


def _field_json(layer: LayerSpec, locale: str) -> list[dict[str, Any]]:
    en = locale == "en"
    return [
        {"name": f.name, "type": f.type, "label": f.label_en if en else f.label_vi,
         "required": f.required, "public": f.public, "min": f.minimum, "max": f.maximum,
         "multiline": f.multiline, "help": f.help_en if en else f.help_vi,
         "choices": [{"value": c.value, "label": c.label(locale)} for c in f.choices]}
        for f in layer.fields
    ]  # fmt: skip


def _state_help(layer: LayerSpec, locale: str) -> dict[str, str]:
    """Return what the status and the progress percent mean for this layer."""
    if locale == "en":
        return {"status": layer.status_help_en, "progress": layer.progress_help_en}
    return {"status": layer.status_help_vi, "progress": layer.progress_help_vi}


def edit_client_config(user: Any) -> dict[str, Any] | None:
    """Return ``config.edit`` for ``PortalEdit.init``: editable layers, their fields, strings.

    None for users who edit nothing (anonymous, viewers).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    editable = sorted(layers_edited_by(user.role))
    if not editable:
        return None
    locale = current_locale()
    layers = [get_layer(i) for i in editable]
    return {
        "api": url_for("api.list_layers").removesuffix("/layers"),
        "layers": [layer.id for layer in layers],
        "geometryTypes": {layer.id: list(layer.geometry_types) for layer in layers},
        "fields": {layer.id: _field_json(layer, locale) for layer in layers},
        "help": {layer.id: _state_help(layer, locale) for layer in layers},
        "workflow": {layer.id: layer.workflow for layer in layers},
        "user": user.username,
        "role": user.role,
        "areas": list(user.areas or []),
        "stepBack": user.role in ALL_LAYER_ROLES,
        "today": dt.date.today().isoformat(),
        "csrf": generate_csrf(),
        "maxPhotoBytes": photos.MAX_BYTES,
        "strings": edit_client_strings(locale),
    }
