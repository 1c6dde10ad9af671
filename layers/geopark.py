"""Geopark layer: Lạng Sơn UNESCO Global Geopark sites and community-tourism villages."""

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
        "site_type",
        "choice",
        "Loại điểm",
        "Site type",
        required=True,
        choices=(
            Choice("geosite", "Điểm di sản địa chất", "Geosite"),
            Choice("cultural", "Điểm văn hóa, lịch sử", "Cultural or historical site"),
            Choice("community_tourism", "Du lịch cộng đồng", "Community tourism"),
            Choice("viewpoint", "Điểm ngắm cảnh", "Viewpoint"),
        ),
        help_vi=(
            "Điểm di sản địa chất, điểm văn hóa lịch sử, du lịch cộng đồng hay điểm ngắm cảnh."
        ),
        help_en="A geosite, a cultural or historical site, community tourism or a viewpoint.",
    ),
    FieldSpec(
        "description_vi", "str", "Giới thiệu (tiếng Việt)", "Description (Vietnamese)",
        help_vi="Giới thiệu điểm cho du khách bằng tiếng Việt: có gì để xem, vì sao đặc biệt.",
        help_en="What visitors see and why it matters, in Vietnamese.",
    ),
    FieldSpec(
        "description_en", "str", "Giới thiệu (tiếng Anh)", "Description (English)",
        help_vi="Giới thiệu điểm cho du khách bằng tiếng Anh.",
        help_en="What visitors see and why it matters, in English.",
    ),
    FieldSpec(
        "visitor_info", "str", "Thông tin cho du khách", "Visitor information",
        help_vi="Cách đến, vé, chỗ đỗ xe, lưu ý an toàn.",
        help_en="How to get there, tickets, parking, safety notes.",
    ),
    FieldSpec(
        "opening_hours", "str", "Giờ mở cửa", "Opening hours",
        help_vi="Giờ mở cửa cho khách, ví dụ «7:00–17:00 hằng ngày».",
        help_en="Opening hours for visitors, e.g. «7:00–17:00 daily».",
    ),
    FieldSpec(
        "location", "str", "Địa điểm", "Location",
        help_vi="Xã, phường nơi có điểm.",
        help_en="The commune or ward of the site.",
    ),
)

STATUSES = (
    StatusSpec("surveyed", "Đã khảo sát", "Surveyed", "#9e9e9e"),
    StatusSpec("signage", "Đang lắp biển, thuyết minh", "Signage being installed", "#f9a825"),
    StatusSpec("open_to_visitors", "Đón khách", "Open to visitors", "#2e7d32", done=True),
    StatusSpec(
        "asean_standard", "Đạt tiêu chuẩn ASEAN", "ASEAN standard reached", "#00838f", done=True
    ),
    PAUSED,
    CANCELLED,
)

LAYER = LayerSpec(
    id="geopark",
    name_vi="Công viên địa chất và du lịch",
    name_en="Geopark and tourism",
    description_vi=(
        "Các điểm di sản, điểm du lịch của Công viên địa chất toàn cầu UNESCO Lạng Sơn và du lịch "
        "cộng đồng đạt tiêu chuẩn ASEAN tại Hữu Liên và Bắc Quỳnh."
    ),
    description_en=(
        "Sites of the Lạng Sơn UNESCO Global Geopark and ASEAN-standard community tourism at "
        "Hữu Liên and Bắc Quỳnh."
    ),
    geometry_types=("Point", "Polygon"),
    fields=FIELDS,
    statuses=STATUSES,
    progress_rule=CountDone(),
    style=LayerStyle(color="#2e7d32", icon="mountain"),
    popup_fields=(
        "site_type",
        "description_vi",
        "description_en",
        "visitor_info",
        "opening_hours",
        "location",
    ),
    deadline=dt.date(2025, 12, 31),
    target_label_vi="Điểm cần đưa vào đón khách",
    target_label_en="Sites to open to visitors",
    editor_role="tourism_editor",
    status_help_vi=(
        "Bước sẵn sàng đón khách của điểm: đã khảo sát, có biển chỉ dẫn, mở cửa đón khách, đạt "
        "chuẩn ASEAN (tính vào chỉ tiêu)."
    ),
    status_help_en=(
        "The site's readiness step: surveyed, signage, open to visitors, ASEAN standard (counts "
        "towards the target)."
    ),
    progress_help_vi=(
        "Phần việc chuẩn bị đón khách của điểm (biển, đường, dịch vụ) đã xong, phần trăm (0–100)."
    ),
    progress_help_en=(
        "Share of the site's visitor works (signs, paths, services) done, in percent (0–100)."
    ),
    generic_statuses={
        "not_started": "surveyed",
        "in_progress": "signage",
        "paused": "paused",
        "cancelled": "cancelled",
        "done": "open_to_visitors",
    },
)
