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
        help_vi="Đường cao tốc, quốc lộ hay đường tuần tra biên giới.",
        help_en="An expressway, a national road or a border patrol road.",
    ),
    FieldSpec(
        "road", "str", "Tuyến đường", "Road", required=True,
        help_vi="Tên tuyến hoặc đoạn tuyến, ví dụ «Cao tốc Đồng Đăng – Trà Lĩnh».",
        help_en="The road or section's name, e.g. «Đồng Đăng – Trà Lĩnh expressway».",
    ),
    FieldSpec(
        "length_km", "float", "Chiều dài (km)", "Length (km)", minimum=0,
        help_vi="Chiều dài tuyến hoặc đoạn trong tỉnh, tính bằng km.",
        help_en="The length of the road or section in the province, in km.",
    ),
    FieldSpec(
        "investor", "str", "Chủ đầu tư", "Investor",
        help_vi="Cơ quan, doanh nghiệp làm chủ đầu tư tuyến.",
        help_en="The body or company investing in the road.",
    ),
    FieldSpec(
        "open_target", "date", "Mục tiêu thông xe", "Target opening date",
        help_vi="Ngày dự kiến thông xe theo kế hoạch (dd/mm/yyyy).",
        help_en="The planned opening date (dd/mm/yyyy).",
    ),
    FieldSpec(
        "description", "str", "Mô tả", "Description", multiline=True,
        help_vi=(
            "Gói thầu, hạng mục, vướng mắc mặt bằng và việc cần làm tiếp. Xuống dòng được giữ."
        ),
        help_en="Contracts, works, land blockers and next steps. Line breaks are kept.",
    ),
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
    status_help_vi=(
        "Bước của công trình: chuẩn bị, giải phóng mặt bằng, thi công, thông xe, hoàn thành."
    ),
    status_help_en=(
        "The work's step: preparation, site clearance, construction, open to traffic, completed."
    ),
    progress_help_vi=(
        "Khối lượng xây lắp của tuyến đã hoàn thành, phần trăm (0–100); chỉ tiêu cộng tiến độ các"
        " tuyến (nửa tuyến là 0,5)."
    ),
    progress_help_en=(
        "Share of the road's construction done, in percent (0–100); the target adds up the roads'"
        " progress (half a road is 0.5)."
    ),
    generic_statuses={
        "not_started": "preparation",
        "in_progress": "construction",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "completed",
    },
)
