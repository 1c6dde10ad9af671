"""The demo's place lists: the 2025 plan's named projects and the pools for invented records.

Places are ``(district short name, pre-2025 commune full name)``; ``None`` as the commune means
"somewhere in the district" (the commune nearest the district's centroid). Positions are
approximate, at commune level, and the figures (progress, months) are invented for the demo.
"""

from __future__ import annotations

from typing import Any

Where = tuple[str, str | None]
Steps = tuple[tuple[str, int], ...]
IndustryRow = tuple[str, Where, dict[str, Any], float | None, tuple[float, float], tuple[int, ...]]
BorderRow = tuple[str, Where, dict[str, Any], float | None, Steps]
GeoparkRow = tuple[str, Where, str, str, str, str, Steps]
TransportRow = tuple[
    str, str, str, tuple[Where, ...], tuple[int, int, int] | None, tuple[float, float], float | None
]

# --- industry: (name, place, attributes, polygon area in ha or None, progress Jan -> Nov,
# paused months). Capital and investor only where public reporting names them; the rest is None.
INDUSTRY: tuple[IndustryRow, ...] = (
    ("Khu công nghiệp VSIP Lạng Sơn (giai đoạn 1)", ("Hữu Lũng", "Xã Hồ Sơn"),
     {"kind": "park", "plan_goal": "finish_2025", "phase": "Giai đoạn 1",
      "investor": "Công ty cổ phần Phát triển Đô thị và Khu công nghiệp Việt Nam – Singapore",
      "capital_bn_vnd": 6300.0}, 400.0, (48.0, 96.0), ()),
    ("Cụm công nghiệp Hồ Sơn 1", ("Hữu Lũng", "Xã Hồ Sơn"),
     {"kind": "cluster", "plan_goal": "finish_2025"}, None, (55.0, 100.0), ()),
    ("Cụm công nghiệp Đình Lập", ("Đình Lập", "Thị trấn Đình Lập"),
     {"kind": "cluster", "plan_goal": "finish_2025"}, None, (35.0, 100.0), ()),
    ("Cụm công nghiệp Bắc Sơn 2", ("Bắc Sơn", "Thị trấn Bắc Sơn"),
     {"kind": "cluster", "plan_goal": "finish_2025"}, None, (22.0, 78.0), (4, 5)),
    ("Cụm công nghiệp Hòa Sơn 1", ("Hữu Lũng", "Xã Hòa Sơn"),
     {"kind": "cluster", "plan_goal": "speed_up"}, None, (8.0, 45.0), ()),
    ("Cụm công nghiệp Na Dương 1", ("Lộc Bình", "Thị trấn Na Dương"),
     {"kind": "cluster", "plan_goal": "speed_up"}, None, (25.0, 62.0), ()),
    ("Cụm công nghiệp Na Dương 2", ("Lộc Bình", "Xã Đông Quan"),
     {"kind": "cluster", "plan_goal": "speed_up"}, None, (6.0, 34.0), (8,)),
    ("Cụm công nghiệp Na Dương 3", ("Lộc Bình", "Thị trấn Na Dương"),
     {"kind": "cluster", "plan_goal": "speed_up"}, None, (0.0, 18.0), ()),
    ("Nhà máy Nhiệt điện Na Dương II", ("Lộc Bình", "Xã Sàn Viên"),
     {"kind": "power", "plan_goal": "speed_up", "investor": "Tổng công ty Điện lực – TKV",
      "capital_bn_vnd": 4000.0}, None, (38.0, 66.0), ()),
    ("Nhà máy Thủy điện Tràng Định 2", ("Tràng Định", None),
     {"kind": "hydro", "plan_goal": "speed_up"}, None, (12.0, 40.0), ()),
)  # fmt: skip

# --- border: (name, place, attributes, polygon area in ha or None, (status, month) steps).
_GATE = {"kind": "gate", "smart_gate": False, "china_counterpart": None}
BORDER: tuple[BorderRow, ...] = (
    ("Cửa khẩu quốc tế Hữu Nghị", ("Cao Lộc", "Thị trấn Đồng Đăng"),
     _GATE | {"gate_type": "international", "smart_gate": True,
              "china_counterpart": "Hữu Nghị Quan (Bằng Tường, Quảng Tây)"},
     None, (("operating", 1),)),
    ("Ga đường sắt liên vận quốc tế Đồng Đăng", ("Cao Lộc", "Thị trấn Đồng Đăng"),
     _GATE | {"gate_type": "railway", "china_counterpart": "Ga Bằng Tường (Quảng Tây)"},
     None, (("operating", 1),)),
    ("Cửa khẩu Tân Thanh", ("Văn Lãng", "Xã Tân Thanh"),
     _GATE | {"gate_type": "main", "china_counterpart": "Pò Chài (Bằng Tường, Quảng Tây)"},
     None, (("operating", 1),)),
    ("Cửa khẩu Cốc Nam", ("Văn Lãng", "Xã Tân Mỹ"),
     _GATE | {"gate_type": "main", "china_counterpart": "Lũng Nghịu (Quảng Tây)"},
     None, (("upgrading", 1), ("operating", 6))),
    ("Cửa khẩu Chi Ma", ("Lộc Bình", "Xã Yên Khoái"),
     _GATE | {"gate_type": "main", "china_counterpart": "Ái Điểm (Quảng Tây)"},
     None, (("operating", 1),)),
    ("Cửa khẩu Bình Nghi", ("Tràng Định", "Xã Đào Viên"),
     _GATE | {"gate_type": "main", "china_counterpart": "Bình Nhi Quan (Quảng Tây)"},
     None, (("upgrading", 1), ("suspended", 4), ("upgrading", 6), ("operating", 10))),
    ("Cửa khẩu Na Hình", ("Văn Lãng", "Xã Thanh Long"),
     _GATE | {"gate_type": "secondary"}, None, (("planned", 2), ("upgrading", 7))),
    ("Cửa khẩu Bảo Lâm", ("Cao Lộc", "Xã Bảo Lâm"),
     _GATE | {"gate_type": "secondary"}, None, (("planned", 1), ("upgrading", 5))),
    ("Cửa khẩu Nà Nưa", ("Tràng Định", "Xã Quốc Khánh"),
     _GATE | {"gate_type": "secondary"}, None, (("planned", 3),)),
    ("Cửa khẩu Bản Chắt", ("Đình Lập", "Xã Bắc Xa"),
     _GATE | {"gate_type": "secondary"}, None, (("planned", 2), ("upgrading", 9))),
    ("Thí điểm cửa khẩu thông minh Hữu Nghị – Hữu Nghị Quan", ("Cao Lộc", "Thị trấn Đồng Đăng"),
     {"kind": "smart_gate", "gate_type": "international", "smart_gate": True,
      "china_counterpart": "Hữu Nghị Quan (Bằng Tường, Quảng Tây)"},
     None, (("planned", 1), ("upgrading", 3), ("pilot", 8))),
    ("Khu hợp tác thương mại, du lịch Tân Thanh – Pò Chài", ("Văn Lãng", "Xã Tân Thanh"),
     {"kind": "cooperation_zone", "gate_type": None, "smart_gate": False,
      "china_counterpart": "Pò Chài (Bằng Tường, Quảng Tây)"},
     150.0, (("planned", 1), ("upgrading", 9))),
)  # fmt: skip

# --- geopark: (name, place, site_type, description vi, description en, opening hours,
# (status, month) steps).
_ALL_DAY = "Cả ngày"
_DAYTIME = "7:00–17:00"
GEOPARK: tuple[GeoparkRow, ...] = (
    ("Núi Mẫu Sơn", ("Lộc Bình", "Xã Mẫu Sơn"), "geosite",
     "Khối núi cao nhất tỉnh, khí hậu mát quanh năm, có mây và băng giá mùa đông.",
     "The province's highest massif, cool all year, with sea of clouds and winter frost.",
     _ALL_DAY, (("open_to_visitors", 1),)),
    ("Danh thắng Nhị Thanh – Tam Thanh", ("Lạng Sơn", "Phường Tam Thanh"), "geosite",
     "Hệ thống hang động đá vôi giữa thành phố, gắn với chùa Tam Thanh và suối Ngọc Tuyền.",
     "Limestone caves in the city, with the Tam Thanh pagoda and the Ngọc Tuyền stream.",
     _DAYTIME, (("open_to_visitors", 1),)),
    ("Núi Vọng Phu (Nàng Tô Thị)", ("Lạng Sơn", "Phường Tam Thanh"), "geosite",
     "Khối đá vôi gắn với truyền thuyết nàng Tô Thị bồng con chờ chồng.",
     "A limestone pillar tied to the legend of Tô Thị waiting for her husband.",
     _ALL_DAY, (("surveyed", 1), ("signage", 4), ("open_to_visitors", 7))),
    ("Thành nhà Mạc", ("Lạng Sơn", "Phường Tam Thanh"), "cultural",
     "Dấu tích thành lũy thời Mạc trên sườn núi đá vôi.",
     "Remains of a Mạc-dynasty citadel on a limestone slope.",
     _ALL_DAY, (("open_to_visitors", 1),)),
    ("Chùa Tiên – Giếng Tiên", ("Lạng Sơn", "Phường Chi Lăng"), "cultural",
     "Chùa trong hang đá vôi và giếng nước trong lòng núi.",
     "A pagoda in a limestone cave and a spring inside the hill.",
     _DAYTIME, (("open_to_visitors", 1),)),
    ("Thung lũng Bắc Sơn – đỉnh Nà Lay", ("Bắc Sơn", "Thị trấn Bắc Sơn"), "viewpoint",
     "Điểm ngắm toàn cảnh thung lũng Bắc Sơn, mùa lúa chín đẹp nhất.",
     "A viewpoint over the Bắc Sơn valley, best at rice harvest.",
     _ALL_DAY, (("signage", 1), ("open_to_visitors", 3))),
    ("Khu di tích Khởi nghĩa Bắc Sơn", ("Bắc Sơn", "Thị trấn Bắc Sơn"), "cultural",
     "Bảo tàng và di tích về cuộc khởi nghĩa Bắc Sơn năm 1940.",
     "Museum and relics of the 1940 Bắc Sơn uprising.",
     _DAYTIME, (("open_to_visitors", 1),)),
    ("Khu bảo tồn thiên nhiên Hữu Liên", ("Hữu Lũng", "Xã Hữu Liên"), "geosite",
     "Rừng trên núi đá vôi với hệ động thực vật phong phú.",
     "Forest on limestone karst with rich wildlife and flora.",
     _ALL_DAY, (("surveyed", 1), ("signage", 3), ("open_to_visitors", 6))),
    ("Du lịch cộng đồng Hữu Liên", ("Hữu Lũng", "Xã Hữu Liên"), "community_tourism",
     "Homestay nhà sàn của đồng bào Tày, Dao bên suối, trải nghiệm nông nghiệp.",
     "Tày and Dao stilt-house homestays by the stream, farm experiences.",
     _ALL_DAY, (("open_to_visitors", 1), ("asean_standard", 10))),
    ("Làng du lịch cộng đồng Quỳnh Sơn", ("Bắc Sơn", "Xã Bắc Quỳnh"), "community_tourism",
     "Làng nhà sàn của người Tày giữa cánh đồng Bắc Sơn, homestay và ẩm thực địa phương.",
     "A Tày stilt-house village in the Bắc Sơn fields, homestays and local food.",
     _ALL_DAY, (("open_to_visitors", 1), ("asean_standard", 9))),
    ("Ải Chi Lăng", ("Chi Lăng", "Xã Chi Lăng"), "cultural",
     "Cửa ải lịch sử, nơi diễn ra nhiều trận đánh chống quân xâm lược phương Bắc.",
     "A historic pass, scene of battles against northern invaders.",
     _ALL_DAY, (("signage", 2), ("open_to_visitors", 5))),
    ("Đền Bắc Lệ", ("Hữu Lũng", "Xã Tân Thành"), "cultural",
     "Đền thờ Mẫu nổi tiếng, lễ hội lớn vào tháng Chín âm lịch.",
     "A renowned Mother Goddess temple with a festival in the ninth lunar month.",
     _DAYTIME, (("open_to_visitors", 1),)),
    ("Hang Thẩm Khuyên – Thẩm Hai", ("Bình Gia", "Xã Tân Văn"), "geosite",
     "Hang động có di chỉ khảo cổ học thời tiền sử.",
     "Caves with prehistoric archaeological deposits.",
     _DAYTIME, (("surveyed", 2), ("signage", 8))),
    ("Điểm hóa thạch Na Dương", ("Lộc Bình", "Thị trấn Na Dương"), "geosite",
     "Bể than Na Dương với các hóa thạch động, thực vật cổ.",
     "The Na Dương coal basin with fossil animals and plants.",
     _DAYTIME, (("surveyed", 3), ("signage", 9))),
    ("Đền Mẫu Đồng Đăng", ("Cao Lộc", "Thị trấn Đồng Đăng"), "cultural",
     "Đền thờ Mẫu ở thị trấn cửa khẩu, lễ hội đầu xuân.",
     "A Mother Goddess temple in the border town, with a spring festival.",
     _DAYTIME, (("open_to_visitors", 1),)),
    ("Phố cổ Kỳ Lừa", ("Lạng Sơn", "Phường Hoàng Văn Thụ"), "cultural",
     "Chợ và phố cổ Kỳ Lừa, chợ đêm và ẩm thực xứ Lạng.",
     "The old Kỳ Lừa market quarter, night market and local food.",
     _ALL_DAY, (("open_to_visitors", 1),)),
)  # fmt: skip

# --- transport: (name, road, kind, route of places, open target (y, m, d) or None,
# progress Jan -> Nov, progress at which it opens to traffic or None).
TRANSPORT: tuple[TransportRow, ...] = (
    ("Cao tốc cửa khẩu Hữu Nghị – Chi Lăng", "Cao tốc Hữu Nghị – Chi Lăng", "expressway",
     (("Cao Lộc", "Thị trấn Đồng Đăng"), ("Cao Lộc", "Xã Phú Xá"), ("Cao Lộc", "Xã Bình Trung"),
      ("Cao Lộc", "Xã Xuân Long"), ("Cao Lộc", "Xã Tân Thành"), ("Chi Lăng", "Xã Bắc Thủy"),
      ("Chi Lăng", "Xã Mai Sao")),
     (2025, 12, 31), (42.0, 91.0), None),
    ("Cải tạo, nâng cấp Quốc lộ 4A", "QL4A", "national_road",
     (("Lạng Sơn", "Phường Hoàng Văn Thụ"), ("Lạng Sơn", "Xã Hoàng Đồng"),
      ("Cao Lộc", "Xã Thụy Hùng"), ("Văn Lãng", "Xã Hoàng Văn Thụ"), ("Văn Lãng", "Xã Hồng Thái"),
      ("Văn Lãng", "Xã Hoàng Việt"), ("Văn Lãng", "Thị trấn Na Sầm"),
      ("Văn Lãng", "Xã Bắc Hùng"), ("Văn Lãng", "Xã Bắc Việt"), ("Tràng Định", "Xã Hùng Việt"),
      ("Tràng Định", "Thị trấn Thất Khê")),
     (2025, 12, 31), (20.0, 74.0), None),
    ("Cải tạo, nâng cấp Quốc lộ 4B", "QL4B", "national_road",
     (("Lạng Sơn", "Phường Đông Kinh"), ("Lạng Sơn", "Xã Mai Pha"), ("Lộc Bình", "Xã Khánh Xuân"),
      ("Lộc Bình", "Thị trấn Lộc Bình"), ("Lộc Bình", "Thị trấn Na Dương"),
      ("Lộc Bình", "Xã Lợi Bác"), ("Đình Lập", "Thị trấn Đình Lập")),
     (2025, 9, 30), (62.0, 100.0), 95.0),
    ("Cải tạo, nâng cấp Quốc lộ 1B", "QL1B", "national_road",
     (("Lạng Sơn", "Phường Tam Thanh"), ("Văn Quan", "Xã Khánh Khê"), ("Văn Quan", "Xã Điềm He"),
      ("Văn Quan", "Xã Hòa Bình"), ("Bình Gia", "Xã Hồng Thái"), ("Bình Gia", "Thị trấn Bình Gia"),
      ("Bắc Sơn", "Thị trấn Bắc Sơn")),
     None, (8.0, 52.0), None),
    ("Cải tạo, nâng cấp Quốc lộ 3B", "QL3B", "national_road",
     (("Tràng Định", "Xã Tân Yên"), ("Tràng Định", "Xã Kim Đồng"),
      ("Tràng Định", "Thị trấn Thất Khê"), ("Tràng Định", "Xã Tri Phương"),
      ("Tràng Định", "Xã Quốc Khánh")),
     None, (30.0, 80.0), None),
    ("Cải tạo, nâng cấp Quốc lộ 31", "QL31", "national_road",
     (("Đình Lập", "Xã Thái Bình"), ("Đình Lập", "Thị trấn Nông trường Thái Bình"),
      ("Đình Lập", "Thị trấn Đình Lập")),
     None, (0.0, 22.0), None),
    ("Đường tuần tra, ra mốc biên giới (Tràng Định – Văn Lãng)", "Đường tuần tra biên giới",
     "patrol_road",
     (("Tràng Định", "Xã Quốc Khánh"), ("Tràng Định", "Xã Đội Cấn"), ("Tràng Định", "Xã Tân Minh"),
      ("Tràng Định", "Xã Đào Viên"), ("Văn Lãng", "Xã Trùng Khánh"), ("Văn Lãng", "Xã Thụy Hùng"),
      ("Văn Lãng", "Xã Thanh Long"), ("Văn Lãng", "Xã Tân Thanh")),
     (2025, 12, 31), (50.0, 88.0), None),
    ("Đường tuần tra, ra mốc biên giới (Cao Lộc – Lộc Bình – Đình Lập)",
     "Đường tuần tra biên giới", "patrol_road",
     (("Cao Lộc", "Xã Bảo Lâm"), ("Cao Lộc", "Xã Thanh Lòa"), ("Cao Lộc", "Xã Cao Lâu"),
      ("Cao Lộc", "Xã Xuất Lễ"), ("Lộc Bình", "Xã Tam Gia"), ("Đình Lập", "Xã Bắc Xa")),
     (2025, 12, 31), (35.0, 70.0), None),
)  # fmt: skip

# --- invented records: villages and households ------------------------------------------------

# Weight of each district (short name) when spreading blackspot villages: upland first, the
# city none. Housing uses the upland set for a 30 % larger share.
SIGNAL_DISTRICT_WEIGHTS = {
    "Tràng Định": 20, "Bình Gia": 22, "Văn Lãng": 8, "Cao Lộc": 6, "Văn Quan": 14,
    "Bắc Sơn": 14, "Hữu Lũng": 8, "Chi Lăng": 10, "Lộc Bình": 14, "Đình Lập": 16, "Lạng Sơn": 0,
}  # fmt: skip
UPLAND_DISTRICTS = frozenset(("Tràng Định", "Bình Gia", "Văn Quan", "Bắc Sơn", "Đình Lập"))

# Tày and Nùng place-name elements: Nà (field), Khuổi (stream), Pác (mouth), Cốc (foot of),
# Khau (hill), Phai (weir), Pò (mound), Lũng (valley), Bó (spring), Kéo (pass), Phiêng (flat).
VILLAGE_PREFIXES = ("Bản", "Thôn")
VILLAGE_HEADS = (
    "Nà", "Khuổi", "Pác", "Cốc", "Khau", "Phai", "Pò", "Lũng", "Bó", "Kéo", "Phiêng", "Nặm",
    "Còn", "Thâm", "Khòn",
)  # fmt: skip
VILLAGE_TAILS = (
    "Vài", "Rịa", "Lùng", "Mòn", "Mạ", "Pục", "Khoang", "Hin", "Cáp", "Pán", "Lầy", "Thuông",
    "Lạn", "Tào", "Chè", "Rì", "Luông", "Cà", "Nhàu", "Ngần", "Pằng", "Chang", "Ngòa", "Slằng",
    "Sla", "Phầy", "Quân", "Dài", "Mìn", "Sản", "Tèo", "Bây", "Kheo", "Pàn", "Tẳng", "Nọi",
    "Liềng", "Khiếc", "Nghiều", "Slam", "Piềng", "Cuổi",
)  # fmt: skip

# Hoàng is listed twice: it is the commonest family name in the province.
FAMILY_NAMES = (
    "Hoàng", "Nông", "Lương", "Lộc", "Vi", "Lăng", "Triệu", "Mã", "Chu", "Hà", "Hứa", "Dương",
    "Lý", "Mông", "Nguyễn", "Lê", "Đinh", "Tô", "Vy", "Lành", "Bế", "Đàm", "Phùng", "Hoàng",
)  # fmt: skip
MIDDLE_MALE = ("Văn", "Văn", "Đức", "Minh", "Văn")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Ngọc")
GIVEN_MALE = (
    "Hùng", "Sơn", "Thắng", "Cường", "Tuấn", "Dũng", "Bình", "Chiến", "Nam", "Quang", "Hưng",
    "Lợi", "Khánh", "Đông", "Lâm", "Tình", "Sáng", "Pháo", "Hải", "Thành", "Vượng", "Kiên",
)  # fmt: skip
GIVEN_FEMALE = (
    "Lan", "Hoa", "Mai", "Phượng", "Thu", "Hằng", "Vân", "Tâm", "Thủy", "Dung", "Nga", "Yến",
    "Liên", "Nhàn", "Thơm", "Xuân", "Hiền", "Huệ", "Loan", "Sinh",
)  # fmt: skip
