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
    FieldSpec("village", "str", "Thôn, bản", "Village", required=True),
    FieldSpec("commune_name", "str", "Xã", "Commune"),
    FieldSpec("households", "int", "Số hộ", "Households", minimum=0),
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
    ),
    FieldSpec("date_on_air", "date", "Ngày phát sóng", "Date on air"),
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
    generic_statuses={
        "not_started": "listed",
        "in_progress": "site_agreed",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "on_air",
    },
)
