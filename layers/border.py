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
        help_vi=(
            "Cửa khẩu thường, cửa khẩu thông minh (thông quan tự động) hay khu hợp tác kinh tế "
            "qua biên giới."
        ),
        help_en=(
            "A border gate, a smart gate (automated clearance) or a cross-border economic "
            "cooperation zone."
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
        help_vi=(
            "Cấp của cửa khẩu theo hiệp định biên giới Việt – Trung: quốc tế, chính, phụ, đường "
            "sắt hay cặp chợ."
        ),
        help_en=(
            "The gate's rank under the Vietnam–China border agreement: international, main, "
            "secondary, railway or market pair."
        ),
    ),
    FieldSpec(
        "china_counterpart", "str", "Cửa khẩu đối diện (Trung Quốc)", "Chinese counterpart",
        help_vi="Tên cửa khẩu phía Trung Quốc đối diện, ví dụ Hữu Nghị Quan.",
        help_en="The facing gate on the Chinese side, e.g. Youyiguan.",
    ),
    FieldSpec(
        "smart_gate", "bool", "Cửa khẩu thông minh", "Smart gate",
        help_vi="Có khi cửa khẩu đã có làn thông quan thông minh đang vận hành.",
        help_en="Yes when the gate runs smart clearance lanes.",
    ),
    FieldSpec(
        "location", "str", "Địa điểm", "Location",
        help_vi="Xã, phường nơi có cửa khẩu hoặc khu hợp tác.",
        help_en="The commune or ward of the gate or zone.",
    ),
    FieldSpec(
        "area_ha", "float", "Diện tích (ha)", "Area (ha)", minimum=0,
        help_vi="Diện tích quy hoạch của cửa khẩu hoặc khu hợp tác, tính bằng héc-ta.",
        help_en="The planned area of the gate or zone, in hectares.",
    ),
    FieldSpec(
        "description", "str", "Mô tả", "Description", multiline=True,
        help_vi=(
            "Hạng mục nâng cấp, năng lực thông quan, vướng mắc và việc cần làm tiếp. Xuống dòng "
            "được giữ."
        ),
        help_en=(
            "Upgrade works, clearance capacity, blockers and next steps. Line breaks are kept."
        ),
    ),
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
    status_help_vi=(
        "Bước nâng cấp của cửa khẩu: quy hoạch, đang nâng cấp, thí điểm, vận hành (tính vào chỉ "
        "tiêu)."
    ),
    status_help_en=(
        "The gate's upgrade step: planned, upgrading, pilot, operating (counts towards the "
        "target)."
    ),
    progress_help_vi=(
        "Khối lượng nâng cấp hạ tầng cửa khẩu đã xong, phần trăm (0–100); chỉ tiêu tính theo cửa "
        "khẩu đang vận hành."
    ),
    progress_help_en=(
        "Share of the gate's upgrade works done, in percent (0–100); the target counts operating "
        "gates."
    ),
    generic_statuses={
        "not_started": "planned",
        "in_progress": "upgrading",
        "paused": "suspended",
        "cancelled": "cancelled",
        "done": "operating",
    },
)
