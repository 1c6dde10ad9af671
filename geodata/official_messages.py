"""Every message an official boundary import may show, in English and Vietnamese.

Filled in with ``str.format`` by :mod:`geodata.boundary_report` and
:mod:`geodata.boundary_merge`.
"""

from __future__ import annotations

_LEVEL_LIST = "commune 2025, legacy_commune 2019, district 2019, province 2025"
_LEVEL_LIST_VI = ("xã, phường từ 1/7/2025 (commune 2025), xã trước 1/7/2025 (legacy_commune 2019), "
                  "huyện trước 1/7/2025 (district 2019), tỉnh (province 2025)")

# Every message a user may see, English and Vietnamese, filled in with str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    "level": (f"Level {{level!r}}, vintage {{vintage!r}} cannot be imported; use {_LEVEL_LIST}.",
              f"Không nhập được cấp {{level!r}}, thời điểm {{vintage!r}}; "
              f"hãy dùng {_LEVEL_LIST_VI}."),
    "no_code_column": (
        "No column holds the unit codes; name it one of {wanted} (the file has: {found}).",
        "Không có cột mã đơn vị; hãy đặt tên cột là một trong {wanted} (tệp có: {found})."),
    "unknown": ("Row {row}: {code} is not the code of any {noun_en} of Lạng Sơn.",
                "Dòng {row}: {code} không phải mã của {noun_vi} nào của Lạng Sơn."),
    "duplicate": ("Row {row}: code {code} appears again; it was first on row {first}.",
                  "Dòng {row}: mã {code} bị lặp lại; mã này đã có ở dòng {first}."),
    "missing": ("The file lacks {count} of the {total} units: {listed}.",
                "Tệp thiếu {count} trong {total} đơn vị: {listed}."),
    "no_geometry": ("{name} holds no geometry, so no boundaries.",
                    "{name} không có dữ liệu hình học nên không có ranh giới."),
    "empty": ("Row {row}: the boundary of {code} is empty.",
              "Dòng {row}: ranh giới của {code} trống."),
    "not_polygon": ("Row {row}: the boundary of {code} is a {kind}, not a (Multi)Polygon.",
                    "Dòng {row}: ranh giới của {code} là {kind}, không phải (Multi)Polygon."),
    "outside": (
        "Row {row}: the boundary of {code} lies outside Lạng Sơn; check the coordinate system.",
        "Dòng {row}: ranh giới của {code} nằm ngoài Lạng Sơn; hãy kiểm tra hệ tọa độ."),
    "unrepairable": (
        "Row {row}: the boundary of {code} crosses itself and cannot be repaired without "
        "changing its area by more than 1 %; correct it in a GIS.",
        "Dòng {row}: ranh giới của {code} tự cắt và không sửa được mà không làm diện tích thay "
        "đổi quá 1 %; hãy sửa bằng phần mềm GIS."),
    "repaired": (
        "Row {row}: the boundary of {code} crossed itself; it was repaired (area changed by "
        "{hectares:,.2f} ha).",
        "Dòng {row}: ranh giới của {code} tự cắt; đã được sửa (diện tích thay đổi "
        "{hectares:,.2f} ha)."),
    "name_differs": (
        "Row {row}: the file names {code} “{given}”; the official name “{official}” is kept.",
        "Dòng {row}: tệp ghi tên {code} là “{given}”; giữ tên chính thức “{official}”."),
    "overlap": ("{a} and {b} overlap by {hectares:,.1f} ha.",
                "{a} và {b} chồng lấn nhau {hectares:,.1f} ha."),
    "gap": ("A gap of {hectares:,.1f} ha that no unit covers lies between {en}.",
            "Có khoảng trống {hectares:,.1f} ha không thuộc đơn vị nào, giữa {vi}."),
    "not_ok": ("The boundaries have {count} problem(s); fix them and import again.",
               "Ranh giới còn {count} lỗi; hãy sửa rồi nhập lại."),
}  # fmt: skip
