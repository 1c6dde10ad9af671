"""Demo texts for visitors of the geopark's best-known sites, in Vietnamese, English and Chinese.

Illustrative, like every demo record: a tourism office would write its own. Sites not listed
here keep only their Vietnamese name and access, so the public page shows how a missing
translation falls back to Vietnamese with a note.
"""

from __future__ import annotations

#: Opening hours as the demo rows write them (Vietnamese) -> (English, Chinese).
HOURS = {
    "Cả ngày": ("All day", "全天开放"),
    "7:00–17:00": ("7:00–17:00", "7:00–17:00"),
}

VISITOR_INFO = (
    "Hỏi ban quản lý điểm đến về vé, hướng dẫn viên và đường đi.",
    "Ask the site's management board about tickets, guides and the way there.",
    "门票、导游和路线信息请咨询景区管理处。",
)

#: Vietnamese name of the site -> its English and Chinese names and texts.
TEXTS: dict[str, dict[str, str]] = {
    "Núi Mẫu Sơn": {
        "name_en": "Mẫu Sơn Mountain",
        "name_zh": "母山",
        "description_zh": "全省最高的山体，四季凉爽，可观云海，冬季常见霜冻和冰挂。",
        "access_vi": "Từ thành phố Lạng Sơn theo quốc lộ 4B khoảng 30 km, rẽ lên đường núi 16 km.",
        "access_en": "From Lạng Sơn city, about 30 km on national road 4B, then 16 km of "
                     "mountain road.",
        "access_zh": "从谅山市沿4B国道行驶约30公里，再转16公里盘山公路。",
    },
    "Danh thắng Nhị Thanh – Tam Thanh": {
        "name_en": "Nhị Thanh – Tam Thanh caves",
        "name_zh": "二青洞–三青洞名胜",
        "description_zh": "位于市区的石灰岩溶洞群，有三青寺和玉泉溪。",
        "access_vi": "Trong thành phố Lạng Sơn, cách chợ Đông Kinh khoảng 2 km.",
        "access_en": "In Lạng Sơn city, about 2 km from Đông Kinh market.",
        "access_zh": "位于谅山市内，距东京市场约2公里。",
    },
    "Thành nhà Mạc": {
        "name_en": "Mạc Dynasty Citadel",
        "name_zh": "莫朝古城",
        "description_zh": "石灰岩山坡上的莫朝城垣遗迹。",
    },
    "Khu di tích Khởi nghĩa Bắc Sơn": {
        "name_en": "Bắc Sơn Uprising Memorial Site",
        "name_zh": "北山起义纪念地",
        "description_zh": "1940年北山起义的博物馆和遗迹。",
    },
    "Du lịch cộng đồng Hữu Liên": {
        "name_en": "Hữu Liên community tourism",
        "name_zh": "友联社区旅游村",
        "description_zh": "溪边岱族、瑶族高脚屋民宿，体验农家生活。",
        "access_vi": "Từ quốc lộ 1A tại Hữu Lũng rẽ theo đường tỉnh 242 khoảng 25 km.",
        "access_en": "Leave national road 1A at Hữu Lũng and follow provincial road 242 "
                     "for about 25 km.",
        "access_zh": "在友陇离开1A国道，沿242省道行驶约25公里。",
    },
    "Làng du lịch cộng đồng Quỳnh Sơn": {
        "name_en": "Quỳnh Sơn community tourism village",
        "name_zh": "琼山社区旅游村",
        "description_zh": "北山田野中的岱族高脚屋村落，提供民宿和地方美食。",
    },
    "Phố cổ Kỳ Lừa": {
        "name_en": "Kỳ Lừa old market quarter",
        "name_zh": "祈驴古街",
        "description_zh": "祈驴古街和市场，有夜市和谅山地方美食。",
    },
}


def visitor_texts(name: str, hours_vi: str) -> dict[str, str]:
    """Return a demo site's visitor texts in the three languages (what the demo knows)."""
    hours_en, hours_zh = HOURS.get(hours_vi, ("", ""))
    info_vi, info_en, info_zh = VISITOR_INFO
    return {
        "opening_hours": hours_vi, "opening_hours_en": hours_en, "opening_hours_zh": hours_zh,
        "visitor_info": info_vi, "visitor_info_en": info_en, "visitor_info_zh": info_zh,
        **TEXTS.get(name, {}),
    }  # fmt: skip
