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

#: The languages of the site texts shown to visitors; a text missing in English or Chinese is
#: shown in Vietnamese with a note saying so.
TEXT_LANGUAGES = (("vi", "tiếng Việt", "Vietnamese"), ("en", "tiếng Anh", "English"),
                  ("zh", "tiếng Trung", "Chinese"))


def text_field_name(base: str, lang: str, vi_name: str | None = None) -> str:
    """Name the field holding one site text in one language.

    The Vietnamese visitor information and opening hours keep their first names
    (``visitor_info``, ``opening_hours``), so stored records, office files and exports that use
    them stay valid.

    >>> text_field_name("description", "zh")
    'description_zh'
    >>> text_field_name("opening_hours", "vi", "opening_hours")
    'opening_hours'
    """
    return vi_name if lang == "vi" and vi_name else f"{base}_{lang}"


def _texts(base, label_vi, label_en, what_vi, what_en, vi_name=None, multiline=True):
    """Return the three FieldSpecs of one site text, Vietnamese, English and Chinese."""
    return tuple(
        FieldSpec(
            text_field_name(base, lang, vi_name), "str", f"{label_vi} ({in_vi})",
            f"{label_en} ({in_en})", multiline=multiline,
            help_vi=f"Cho du khách, bằng {in_vi}: {what_vi}. Hiện trên trang công viên địa chất"
                    + ("." if lang == "vi" else "; để trống thì hiện bản tiếng Việt kèm ghi chú."),
            help_en=f"For visitors, in {in_en}: {what_en}. Shown on the public geopark page"
                    + ("." if lang == "vi" else "; when empty the Vietnamese text is shown "
                       "with a note."),
        )
        for lang, in_vi, in_en in TEXT_LANGUAGES
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
    FieldSpec("name_en", "str", "Tên (tiếng Anh)", "Name (English)",
              help_vi="Tên điểm cho du khách đọc tiếng Anh; để trống thì trang công khai hiện "
                      "tên tiếng Việt kèm ghi chú.",
              help_en="The site's name for English-reading visitors; when empty the public page "
                      "shows the Vietnamese name with a note."),
    FieldSpec("name_zh", "str", "Tên (tiếng Trung)", "Name (Chinese)",
              help_vi="Tên điểm bằng tiếng Trung giản thể, cho du khách qua cửa khẩu Hữu Nghị, "
                      "Tân Thanh.",
              help_en="The site's name in Simplified Chinese, for visitors through the Hữu Nghị "
                      "and Tân Thanh gates."),
    *_texts("description", "Giới thiệu", "Description",
            "những gì du khách được xem, trải nghiệm", "what visitors see and do there"),
    *_texts("visitor_info", "Thông tin cho du khách", "Visitor information",
            "vé, hướng dẫn viên, lưu ý", "tickets, guides, things to know", vi_name="visitor_info"),
    *_texts("opening_hours", "Giờ mở cửa", "Opening hours",
            "giờ và ngày mở cửa", "opening days and hours", vi_name="opening_hours",
            multiline=False),
    *_texts("access", "Đường đến", "How to get there",
            "đường đi, phương tiện, chỗ đỗ xe", "roads, transport, parking"),
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
