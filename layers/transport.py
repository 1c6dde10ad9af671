"""Transport layer: the Hữu Nghị – Chi Lăng expressway, national roads and the patrol road."""

from __future__ import annotations

import datetime as dt

from layers.base import (
    CANCELLED,
    PAUSED,
    Choice,
    FieldSpec,
    LayerSpec,
    LayerStyle,
    StatusSpec,
    SumProgress,
)

FIELDS = (
    FieldSpec(
        "kind",
        "choice",
        "Loại công trình",
        "Kind of work",
        required=True,
        choices=(
            Choice("expressway", "Đường cao tốc", "Expressway"),
            Choice("national_road", "Quốc lộ", "National road"),
            Choice("patrol_road", "Đường tuần tra biên giới", "Border patrol road"),
        ),
    ),
    FieldSpec("road", "str", "Tuyến đường", "Road", required=True),
    FieldSpec("length_km", "float", "Chiều dài (km)", "Length (km)", minimum=0),
    FieldSpec("investor", "str", "Chủ đầu tư", "Investor"),
    FieldSpec("open_target", "date", "Mục tiêu thông xe", "Target opening date"),
)

STATUSES = (
    StatusSpec("preparation", "Chuẩn bị đầu tư", "Preparation", "#9e9e9e"),
    StatusSpec("site_clearance", "Giải phóng mặt bằng", "Site clearance", "#f9a825"),
    StatusSpec("construction", "Đang thi công", "Under construction", "#ef6c00"),
    StatusSpec("open_to_traffic", "Đã thông xe", "Open to traffic", "#43a047", done=True),
    StatusSpec("completed", "Hoàn thành", "Completed", "#1b5e20", done=True),
    PAUSED,
    CANCELLED,
)

LAYER = LayerSpec(
    id="transport",
    name_vi="Giao thông",
    name_en="Transport",
    description_vi=(
        "Cao tốc cửa khẩu Hữu Nghị – Chi Lăng (thông xe cuối năm 2025), nâng cấp các quốc lộ "
        "và đường tuần tra biên giới; tiến độ tính theo phần trăm khối lượng của từng tuyến."
    ),
    description_en=(
        "The Hữu Nghị – Chi Lăng border-gate expressway (open to traffic by the end of 2025), "
        "national road upgrades and the border patrol road; progress is each line's percentage."
    ),
    geometry_types=("LineString",),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=SumProgress(),
    style=LayerStyle(color="#1565c0", icon="road", weight=5.0),
    popup_fields=("kind", "road", "length_km", "investor", "open_target"),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Số tuyến",
    target_label_en="Lines",
    editor_role="planner",
    generic_statuses={
        "not_started": "preparation",
        "in_progress": "construction",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "completed",
    },
)
