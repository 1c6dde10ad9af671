"""Illustrative demo targets of the 2025 plan (Resolution 69/NQ-HĐND of 10 December 2024).

The targets are the resolution's as public reporting names them; every baseline, milestone and
reported value here is invented for the demonstration, and the store flags them illustrative.
Four targets are computed from the layers (rule keys of ``portal.services.plan_computed``) and
carry no reported value. The poverty rate has an invented figure per 2025 commune.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from geodata.admin_units import load_admin_units

D = dt.date
SOURCE = "Số liệu minh họa (không phải số liệu chính thức)"


@dataclass(frozen=True)
class DemoPlanTarget:
    """One target of the plan with its invented baseline, milestones and reported values."""

    code: str
    name_vi: str
    name_en: str
    unit: str
    direction: str
    target_value: float
    department: str
    baseline_value: float | None = None
    baseline_date: dt.date | None = None
    computed: str | None = None
    milestones: tuple[tuple[dt.date, float], ...] = ()
    values: tuple[tuple[dt.date, float], ...] = ()
    #: (level, area code, date, value)
    area_values: tuple[tuple[str, str, dt.date, float], ...] = field(default=())
    year: int = 2025


def _poverty_by_commune(seed: int) -> tuple[tuple[str, str, dt.date, float], ...]:
    """Invent each 2025 commune's multidimensional poverty rate on 30/09/2025 (wards lower)."""
    rng = random.Random(f"{seed}:_poverty")
    rows = []
    for code, unit_type in load_admin_units().communes[["code", "unit_type"]].itertuples(
        index=False
    ):
        high = 1.2 if "phường" in str(unit_type).lower() else 6.5
        rows.append(("commune", code, D(2025, 9, 30), round(rng.uniform(0.2, high), 1)))
    return tuple(rows)


def demo_plan_targets(seed: int = 2025) -> tuple[DemoPlanTarget, ...]:
    """Return the demo targets; the same seed gives the same figures."""
    return (
        DemoPlanTarget(
            "GRDP", "Tốc độ tăng trưởng GRDP", "GRDP growth", "%", "at_least", 8.0,
            "Sở Tài chính", 6.8, D(2024, 12, 31),
            values=((D(2025, 3, 31), 7.1), (D(2025, 6, 30), 7.6), (D(2025, 9, 30), 7.9))),
        DemoPlanTarget(
            "NTM", "Số xã đạt chuẩn nông thôn mới tăng thêm", "More communes at the new-rural "
            "standard", "xã", "at_least", 9.0, "Sở Nông nghiệp và Môi trường", 0.0,
            D(2024, 12, 31),
            values=((D(2025, 3, 31), 2.0), (D(2025, 6, 30), 4.0), (D(2025, 9, 30), 6.0),
                    (D(2025, 10, 31), 7.0))),
        DemoPlanTarget(
            "NGHEO", "Tỷ lệ hộ nghèo đa chiều", "Multidimensional poverty rate", "%", "at_most",
            2.0, "Sở Y tế", 2.9, D(2024, 12, 31),
            milestones=((D(2025, 6, 30), 2.6), (D(2025, 9, 30), 2.3)),
            values=((D(2025, 6, 30), 2.65), (D(2025, 9, 30), 2.3)),
            area_values=_poverty_by_commune(seed)),
        DemoPlanTarget(
            "TRUONG", "Số trường đạt chuẩn quốc gia tăng thêm", "More schools at national "
            "standard", "trường", "at_least", 15.0, "Sở Giáo dục và Đào tạo", 0.0,
            D(2024, 12, 31), values=((D(2025, 6, 30), 3.0), (D(2025, 9, 30), 5.0))),
        DemoPlanTarget(
            "HSSK", "Tỷ lệ dân số có hồ sơ sức khỏe điện tử", "People with an electronic health "
            "record", "%", "at_least", 95.0, "Sở Y tế", 78.0, D(2024, 12, 31),
            values=((D(2025, 6, 30), 85.0), (D(2025, 10, 31), 93.0))),
        DemoPlanTarget(
            "NHA-TAM", "Số hộ còn ở nhà tạm, nhà dột nát", "Households still in temporary "
            "houses", "hộ", "at_most", 0.0, "Sở Xây dựng", baseline_date=D(2025, 4, 30),
            computed="housing_left"),
        DemoPlanTarget(
            "THON-SONG", "Số thôn chưa có sóng di động", "Villages without mobile signal",
            "thôn", "at_most", 0.0, "Sở Khoa học và Công nghệ", baseline_date=D(2025, 2, 28),
            computed="signal_left"),
        DemoPlanTarget(
            "VSIP", "Hoàn thành KCN VSIP Lạng Sơn giai đoạn 1", "VSIP Lạng Sơn phase 1 finished",
            "%", "exactly", 100.0, "Ban Quản lý Khu kinh tế cửa khẩu Đồng Đăng – Lạng Sơn",
            baseline_date=D(2025, 1, 31), computed="vsip_phase1"),
        DemoPlanTarget(
            "CAO-TOC", "Hoàn thành cao tốc Hữu Nghị – Chi Lăng", "Hữu Nghị – Chi Lăng expressway "
            "finished", "%", "exactly", 100.0, "Sở Xây dựng", baseline_date=D(2025, 1, 31),
            computed="expressway"),
    )  # fmt: skip
