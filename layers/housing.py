"""Housing layer: replacing temporary and dilapidated houses (household-level personal data)."""

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

# Names, phone numbers, the village and the household size identify a family: they are personal
# data and never public; the public sees per-area counts only.
FIELDS = (
    FieldSpec(
        "beneficiary", "str", "Chủ hộ", "Head of household", public=False, required=True,
        help_vi="Họ tên chủ hộ được hỗ trợ (dữ liệu cá nhân, chỉ cán bộ phụ trách xem được).",
        help_en=(
            "Name of the supported household's head (personal data, seen by the staff in charge "
            "only)."
        ),
    ),
    FieldSpec(
        "phone", "str", "Số điện thoại", "Phone", public=False,
        help_vi="Số điện thoại liên lạc của hộ (dữ liệu cá nhân).",
        help_en="The household's contact phone (personal data).",
    ),
    FieldSpec(
        "village", "str", "Thôn, bản", "Village", public=False,
        help_vi="Thôn, bản nơi hộ sinh sống (dữ liệu cá nhân).",
        help_en="The village the household lives in (personal data).",
    ),
    FieldSpec(
        "household_size", "int", "Số nhân khẩu", "Household members", public=False, minimum=1,
        help_vi="Số người trong hộ theo sổ hộ khẩu (dữ liệu cá nhân).",
        help_en="People in the household as registered (personal data).",
    ),
    FieldSpec(
        "commune_name", "str", "Xã, phường", "Commune or ward",
        help_vi="Xã, phường (sau sắp xếp 2025) của hộ; công khai ở dạng số liệu tổng hợp.",
        help_en="The household's commune or ward (2025); public only as area counts.",
    ),
    FieldSpec(
        "category",
        "choice",
        "Đối tượng",
        "Category",
        required=True,
        choices=(
            Choice("poor", "Hộ nghèo", "Poor household"),
            Choice("near_poor", "Hộ cận nghèo", "Near-poor household"),
            Choice("merit", "Gia đình người có công", "Family of a person with merit"),
            Choice("policy", "Hộ chính sách khác", "Other policy household"),
        ),
        help_vi="Diện chính sách của hộ, quyết định mức hỗ trợ.",
        help_en="The household's policy group, which sets the support.",
    ),
    FieldSpec(
        "work",
        "choice",
        "Hình thức hỗ trợ",
        "Kind of support",
        required=True,
        choices=(
            Choice("new_build", "Xây mới", "New build"),
            Choice("repair", "Sửa chữa", "Repair"),
        ),
        help_vi="Hỗ trợ xây nhà mới hay sửa chữa nhà đang ở.",
        help_en="Support to build a new house or to repair the present one.",
    ),
    FieldSpec(
        "funds_million_vnd",
        "float",
        "Kinh phí hỗ trợ (triệu đồng)",
        "Support (VND million)",
        minimum=0,
        help_vi="Số tiền hỗ trợ hộ, tính bằng triệu đồng.",
        help_en="The support paid to the household, in millions of dong.",
    ),
    FieldSpec(
        "description", "str", "Mô tả", "Description", multiline=True, public=False,
        help_vi=(
            "Tình trạng nhà, khó khăn của hộ và việc cần làm tiếp (dữ liệu cá nhân). Xuống dòng "
            "được giữ."
        ),
        help_en=(
            "The house's state, the household's difficulties and next steps (personal data). Line"
            " breaks are kept."
        ),
    ),
)

STATUSES = (
    StatusSpec("registered", "Đã rà soát, đăng ký", "Registered", "#9e9e9e"),
    StatusSpec("approved", "Đã phê duyệt hỗ trợ", "Support approved", "#f9a825"),
    StatusSpec("under_construction", "Đang xây dựng, sửa chữa", "Under construction", "#ef6c00"),
    StatusSpec("completed", "Đã hoàn thành", "Completed", "#43a047", done=True),
    StatusSpec("handed_over", "Đã bàn giao", "Handed over", "#1b5e20", done=True),
    PAUSED,
    CANCELLED,
)

LAYER = LayerSpec(
    id="housing",
    name_vi="Xóa nhà tạm, nhà dột nát",
    name_en="Replacing temporary and dilapidated houses",
    description_vi=(
        "Hỗ trợ xây mới, sửa chữa nhà ở cho hộ nghèo, cận nghèo, gia đình người có công và hộ "
        "chính sách để không còn hộ nào ở nhà tạm, nhà dột nát vào cuối năm 2025. Công chúng "
        "chỉ xem số liệu tổng hợp theo địa bàn."
    ),
    description_en=(
        "Support to build or repair the homes of poor, near-poor, merit and policy households, so "
        "that no household lives in a temporary or dilapidated house by the end of 2025. The "
        "public sees only per-area counts."
    ),
    geometry_types=("Point",),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=CountDone(),
    style=LayerStyle(color="#5d4037", icon="home", cluster=True),
    popup_fields=("category", "work", "commune_name"),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Nhà cần xóa",
    target_label_en="Houses to replace",
    editor_role="housing_editor",
    records_public=False,
    default_visible=False,
    status_help_vi=(
        "Bước hỗ trợ của hộ: đăng ký, được duyệt, đang xây, hoàn thành, bàn giao (tính vào chỉ "
        "tiêu)."
    ),
    status_help_en=(
        "The household's support step: registered, approved, under construction, completed, "
        "handed over (counts towards the target)."
    ),
    progress_help_vi=(
        "Phần nhà đã xây hoặc sửa xong, phần trăm (0–100); chỉ tiêu tính theo nhà hoàn thành."
    ),
    progress_help_en=(
        "Share of the house built or repaired, in percent (0–100); the target counts finished "
        "houses."
    ),
    generic_statuses={
        "not_started": "registered",
        "in_progress": "under_construction",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "completed",
    },
)
