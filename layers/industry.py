"""Industry layer: industrial parks, industrial clusters and power plants of the 2025 plan."""

from __future__ import annotations

import datetime as dt

from layers.base import (
    CANCELLED,
    PAUSED,
    Choice,
    CountDone,
    FieldSpec,
    LayerSpec,
    LayerStyle,
    StatusSpec,
)

FIELDS = (
    FieldSpec(
        "kind",
        "choice",
        "Loại dự án",
        "Project type",
        required=True,
        choices=(
            Choice("park", "Khu công nghiệp", "Industrial park"),
            Choice("cluster", "Cụm công nghiệp", "Industrial cluster"),
            Choice("power", "Nhà máy nhiệt điện", "Thermal power plant"),
            Choice("hydro", "Nhà máy thủy điện", "Hydropower plant"),
        ),
    ),
    FieldSpec("investor", "str", "Chủ đầu tư", "Investor"),
    FieldSpec("location", "str", "Địa điểm", "Location"),
    FieldSpec("area_ha", "float", "Diện tích (ha)", "Area (ha)", minimum=0),
    FieldSpec(
        "capital_bn_vnd",
        "float",
        "Tổng vốn đầu tư (tỷ đồng)",
        "Total investment (VND bn)",
        minimum=0,
    ),
    FieldSpec("phase", "str", "Giai đoạn", "Phase"),
    FieldSpec(
        "plan_goal",
        "choice",
        "Mục tiêu kế hoạch 2025",
        "2025 plan goal",
        required=True,
        choices=(
            Choice("finish_2025", "Hoàn thành trong năm 2025", "Finish in 2025"),
            Choice("speed_up", "Đẩy nhanh tiến độ", "Speed up"),
        ),
    ),
)

STATUSES = (
    StatusSpec("planning", "Chuẩn bị đầu tư", "Preparing investment", "#9e9e9e"),
    StatusSpec("site_clearance", "Giải phóng mặt bằng", "Site clearance", "#f9a825"),
    StatusSpec("construction", "Đang thi công", "Under construction", "#ef6c00"),
    StatusSpec("completed", "Hoàn thành", "Completed", "#2e7d32", done=True),
    PAUSED,
    CANCELLED,
)

LAYER = LayerSpec(
    id="industry",
    name_vi="Khu, cụm công nghiệp và năng lượng",
    name_en="Industrial parks, clusters and energy",
    description_vi=(
        "Khu công nghiệp VSIP Lạng Sơn, các cụm công nghiệp và các nhà máy điện trong kế hoạch "
        "năm 2025 của tỉnh: dự án phải hoàn thành trong năm và dự án cần đẩy nhanh tiến độ."
    ),
    description_en=(
        "The VSIP Lạng Sơn industrial park, the industrial clusters and the power plants of the "
        "province's 2025 plan: projects to finish this year and projects to speed up."
    ),
    geometry_types=("Point", "Polygon"),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=CountDone(),
    style=LayerStyle(color="#6a1b9a", icon="industry", fill_opacity=0.3),
    popup_fields=("kind", "investor", "location", "area_ha", "plan_goal"),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Dự án phải hoàn thành trong năm 2025",
    target_label_en="Projects to finish in 2025",
    editor_role="industry_editor",
    generic_statuses={
        "not_started": "planning",
        "in_progress": "construction",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "completed",
    },
)
