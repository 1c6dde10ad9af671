"""Border economy layer: border gates, the smart-gate pilot and the Tân Thanh – Pò Chài zone."""

from __future__ import annotations

import datetime as dt

from layers.base import CANCELLED, Choice, CountDone, FieldSpec, LayerSpec, LayerStyle, StatusSpec

FIELDS = (
    FieldSpec(
        "kind",
        "choice",
        "Loại",
        "Kind",
        required=True,
        choices=(
            Choice("gate", "Cửa khẩu", "Border gate"),
            Choice("smart_gate", "Cửa khẩu thông minh", "Smart border gate"),
            Choice("cooperation_zone", "Khu hợp tác kinh tế", "Economic cooperation zone"),
        ),
    ),
    FieldSpec(
        "gate_type",
        "choice",
        "Loại cửa khẩu",
        "Gate type",
        choices=(
            Choice("international", "Cửa khẩu quốc tế", "International gate"),
            Choice("main", "Cửa khẩu chính (song phương)", "Main (bilateral) gate"),
            Choice("secondary", "Cửa khẩu phụ", "Secondary gate"),
            Choice("railway", "Cửa khẩu đường sắt", "Railway gate"),
            Choice("pair", "Cặp chợ biên giới", "Border market pair"),
        ),
    ),
    FieldSpec("china_counterpart", "str", "Cửa khẩu đối diện (Trung Quốc)", "Chinese counterpart"),
    FieldSpec("smart_gate", "bool", "Cửa khẩu thông minh", "Smart gate"),
    FieldSpec("location", "str", "Địa điểm", "Location"),
    FieldSpec("area_ha", "float", "Diện tích (ha)", "Area (ha)", minimum=0),
)

STATUSES = (
    StatusSpec("planned", "Trong kế hoạch", "Planned", "#9e9e9e"),
    StatusSpec("upgrading", "Đang đầu tư, nâng cấp", "Being built or upgraded", "#f9a825"),
    StatusSpec("pilot", "Đang thí điểm", "Pilot running", "#1e88e5"),
    StatusSpec("operating", "Đang hoạt động", "Operating", "#2e7d32", done=True),
    StatusSpec("suspended", "Tạm dừng thông quan", "Clearance suspended", "#c62828", halted=True),
    CANCELLED,
)

LAYER = LayerSpec(
    id="border",
    name_vi="Cửa khẩu và kinh tế biên giới",
    name_en="Border gates and border economy",
    description_vi=(
        "Các cửa khẩu của tỉnh, thí điểm cửa khẩu thông minh và Khu hợp tác thương mại, du lịch "
        "Tân Thanh (Việt Nam) – Pò Chài (Trung Quốc)."
    ),
    description_en=(
        "The province's border gates, the smart border gate pilot and the Tân Thanh (Việt Nam) – "
        "Pò Chài (China) trade and tourism cooperation zone."
    ),
    geometry_types=("Point", "Polygon"),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=CountDone(),
    style=LayerStyle(color="#c62828", icon="flag", fill_opacity=0.25),
    popup_fields=("kind", "gate_type", "china_counterpart", "smart_gate", "location"),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Cửa khẩu, dự án cần đưa vào hoạt động",
    target_label_en="Gates and projects to bring into operation",
    editor_role="border_editor",
    generic_statuses={
        "not_started": "planned",
        "in_progress": "upgrading",
        "paused": "suspended",
        "cancelled": "cancelled",
        "done": "operating",
    },
)
