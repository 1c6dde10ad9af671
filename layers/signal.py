"""Signal layer: villages (thôn, bản) still without mobile signal, and their road to coverage."""

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
        "village", "str", "Thôn, bản", "Village", required=True,
        help_vi="Tên thôn, bản chưa có sóng di động theo danh sách của Sở Khoa học và Công nghệ.",
        help_en=(
            "The village without mobile signal, as named in the science and technology "
            "department's list."
        ),
    ),
    FieldSpec(
        "commune_name", "str", "Xã", "Commune",
        help_vi="Xã (sau sắp xếp 2025) của thôn, bản.",
        help_en="The village's commune (as of the 2025 reorganisation).",
    ),
    FieldSpec(
        "households", "int", "Số hộ", "Households", minimum=0,
        help_vi="Số hộ dân sống trong thôn, bản, những người sẽ được phủ sóng.",
        help_en="Households living in the village, the people the signal will reach.",
    ),
    FieldSpec(
        "operator",
        "choice",
        "Doanh nghiệp viễn thông",
        "Operator",
        choices=(
            Choice("viettel", "Viettel", "Viettel"),
            Choice("vnpt", "VNPT (VinaPhone)", "VNPT (VinaPhone)"),
            Choice("mobifone", "MobiFone", "MobiFone"),
            Choice("none", "Chưa có doanh nghiệp", "No operator yet"),
        ),
        help_vi="Doanh nghiệp được giao xây trạm phủ sóng cho thôn, bản.",
        help_en="The operator assigned to build the station covering the village.",
    ),
    FieldSpec(
        "blocker",
        "choice",
        "Vướng mắc",
        "Blocker",
        choices=(
            Choice("no_grid_power", "Chưa có điện lưới", "No grid power"),
            Choice("few_households", "Ít hộ dân", "Few households"),
            Choice("terrain", "Địa hình bị che khuất", "Terrain blocks the signal"),
            Choice("site_access", "Khó tiếp cận vị trí trạm", "Hard to reach the site"),
            Choice("none", "Không vướng mắc", "No blocker"),
        ),
        help_vi="Lý do chính khiến thôn, bản chưa có sóng.",
        help_en="The main reason the village has no signal yet.",
    ),
    FieldSpec(
        "date_on_air", "date", "Ngày phát sóng", "Date on air",
        help_vi="Ngày trạm bắt đầu phát sóng cho thôn, bản (dd/mm/yyyy).",
        help_en="The day the station started covering the village (dd/mm/yyyy).",
    ),
    FieldSpec(
        "description", "str", "Mô tả", "Description", multiline=True,
        help_vi=(
            "Vị trí trạm, đường điện, ý kiến người dân và việc cần làm tiếp. Xuống dòng được giữ."
        ),
        help_en=(
            "Station site, power line, residents' feedback and next steps. Line breaks are kept."
        ),
    ),
)

# Milestones in the order a village passes them ("xóa trắng sóng" workflow).
STATUSES = (
    StatusSpec("listed", "Trong danh sách lõm sóng", "Listed as a blackspot", "#c62828"),
    StatusSpec("site_agreed", "Đã thống nhất vị trí trạm", "Station site agreed", "#ef6c00"),
    StatusSpec("power", "Đã có điện cho trạm", "Power to the site", "#f9a825"),
    StatusSpec("station_built", "Đã lắp đặt trạm", "Station built", "#fdd835"),
    StatusSpec("on_air", "Đã phát sóng", "On air", "#43a047", done=True),
    StatusSpec(
        "verified", "Đã kiểm tra chất lượng sóng", "Coverage verified", "#1b5e20", done=True
    ),
    PAUSED,
    CANCELLED,
)

LAYER = LayerSpec(
    id="signal",
    name_vi="Thôn, bản lõm sóng di động",
    name_en="Villages without mobile signal",
    description_vi=(
        "Các thôn, bản chưa có sóng điện thoại di động và tiến độ xóa trắng sóng: vị trí trạm, "
        "nguồn điện, lắp đặt, phát sóng."
    ),
    description_en=(
        "Villages still without mobile signal and the progress to cover them: station site, "
        "power, installation, going on air."
    ),
    geometry_types=("Point",),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=CountDone(),
    style=LayerStyle(color="#e65100", icon="signal", cluster=True),
    popup_fields=("village", "commune_name", "households", "operator", "blocker", "date_on_air"),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Thôn, bản cần phủ sóng",
    target_label_en="Villages to cover",
    editor_role="telecom_editor",
    workflow=True,
    status_help_vi=(
        "Bước phủ sóng của thôn, bản: trong danh sách, đã có vị trí trạm, đã có điện, đã xây "
        "trạm, đã phát sóng, đã kiểm tra (tính vào chỉ tiêu)."
    ),
    status_help_en=(
        "The village's coverage step: listed, site agreed, power, station built, on air, verified"
        " (counts towards the target)."
    ),
    progress_help_vi=(
        "Phần việc phủ sóng thôn, bản đã làm, phần trăm (0–100); chỉ tiêu tính theo thôn, bản có "
        "sóng."
    ),
    progress_help_en=(
        "Share of the work to cover the village done, in percent (0–100); the target counts "
        "covered villages."
    ),
    generic_statuses={
        "not_started": "listed",
        "in_progress": "site_agreed",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "on_air",
    },
)
