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
        help_vi="Khu công nghiệp (cấp tỉnh, Thủ tướng quyết định), cụm công nghiệp (cấp xã, "
        "dưới 75 ha) hay nhà máy điện.",
        help_en="Industrial park (decided by the Prime Minister), industrial cluster (commune "
        "level, under 75 ha) or power plant.",
    ),
    FieldSpec(
        "investor", "str", "Chủ đầu tư", "Investor",
        help_vi="Doanh nghiệp hoặc ban quản lý được giao đầu tư hạ tầng của dự án.",
        help_en="The company or management board in charge of building the project.",
    ),
    FieldSpec(
        "location", "str", "Địa điểm", "Location",
        help_vi="Xã, phường nơi đặt dự án (nhiều xã thì ghi tất cả).",
        help_en="The commune(s) or ward(s) the project lies in.",
    ),
    FieldSpec(
        "area_ha", "float", "Diện tích (ha)", "Area (ha)", minimum=0,
        help_vi="Diện tích quy hoạch của khu, cụm hoặc nhà máy, tính bằng héc-ta.",
        help_en="The planned area of the park, cluster or plant, in hectares.",
    ),
    FieldSpec(
        "capital_bn_vnd",
        "float",
        "Tổng vốn đầu tư (tỷ đồng)",
        "Total investment (VND bn)",
        minimum=0,
        help_vi="Tổng mức đầu tư được duyệt, tính bằng tỷ đồng.",
        help_en="The approved total investment, in billions of dong.",
    ),
    FieldSpec(
        "phase", "str", "Giai đoạn", "Phase",
        help_vi="Giai đoạn của dự án theo quyết định đầu tư, ví dụ «Giai đoạn 1 (2021–2025)».",
        help_en="The project's phase in its investment decision, e.g. «Phase 1 (2021–2025)».",
    ),
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
        help_vi="Kế hoạch 2025 giao dự án phải hoàn thành trong năm (tính vào chỉ tiêu) hay chỉ "
        "đẩy nhanh tiến độ.",
        help_en="Whether the 2025 plan says the project must finish this year (it counts "
        "towards the target) or only speed up.",
    ),
    FieldSpec(
        "description", "str", "Mô tả", "Description", multiline=True,
        help_vi="Quy mô, hạng mục chính, vướng mắc và việc cần làm tiếp; xuống dòng được giữ.",
        help_en="Scale, main works, blockers and next steps; line breaks are kept.",
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
    status_help_vi="Bước của dự án: chuẩn bị đầu tư, giải phóng mặt bằng, thi công, hoàn thành "
    "(đã đưa vào vận hành, tính vào chỉ tiêu).",
    status_help_en="The project's step: preparing the investment, site clearance, construction, "
    "completed (in operation; counts towards the target).",
    progress_help_vi="Khối lượng hạ tầng của khu, cụm hoặc nhà máy đã xây xong, phần trăm "
    "(0–100); chỉ tiêu tính theo trạng thái hoàn thành.",
    progress_help_en="Share of the park's, cluster's or plant's works built, in percent (0–100); "
    "the target counts completed projects.",
    generic_statuses={
        "not_started": "planning",
        "in_progress": "construction",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "completed",
    },
)
