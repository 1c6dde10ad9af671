"""An import stores the same bytes as before the import path was made faster (issue 11, part 5).

Three files as offices send them go into one store, one after the other: the report CSV with its
title rows, two-level header, group, subtotal and signature rows (read in compact rows); next
month's report re-typed in TCVN3 (read whole) with a village moved on, one renamed, one new; and a
list of 12,000 villages with ids (three chunks), some without coordinates (placed by their
commune), some without households (incomplete) and everyday status words. Every stored column of
the records and their states but ids and timestamps is dumped after each file and compared with
the digest the import wrote before its bulk path was rewritten (``IMPORT_DIGESTS``).
"""

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

import shapely

from geodata.encodings import encode_legacy
from portal.services.imports import run_import
from portal.store import loader
from portal.store.db import open_database

DATA = Path(__file__).resolve().parents[1] / "data"
DAY = dt.date(2025, 12, 31)
HEADER = ["Mã", "Thôn, bản", "Xã", "Số hộ", "Doanh nghiệp viễn thông", "Kinh độ", "Vĩ độ",
          "Trạng thái", "Ngày cập nhật", "Ghi chú"]  # fmt: skip
STATUS_WORDS = ["Trong danh sách lõm sóng", "đã thống nhất vị trí trạm", "Đã phát sóng",
                "Đang triển khai", "Hoàn thành"]  # fmt: skip

#: sha256 of the dump after each file, written by the import before its bulk path was rewritten.
IMPORT_DIGESTS = {
    "report": "654ce22d9eb01710fabb8867d74864fe37584253ddd3d447570e15b519ad6798",
    "next_month_tcvn3": "0e2dc8d6d265d4883b7dc34c2b522ed1584c3620d7f8420999de6e8d2ddf8910",
    "list_of_12000": "35b2e4f27bb8945f00417db1591867b1db51e8633fea2b8a5f4e34f6fb2f4c94",
}


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    yield database
    database.engine.dispose()


def _next_month_tcvn3(folder: Path) -> Path:
    """Next month's report, typed again in TCVN3: one village done, one renamed, one new."""
    report = (DATA / "office_report_villages.csv").read_text(encoding="utf-8-sig")
    report = report.replace("30/11/2025", "31/12/2025")
    report = report.replace("Bản Khuổi Pục,Xã Tràng Định,106.4418,22.2077,Đang triển khai",
                            "Bản Khuổi Pục,Xã Tràng Định,106.4418,22.2077,Hoàn thành")
    lines = report.replace("Bản Khau Ràng", "Bản Khau Ràng Trên").splitlines()
    at = next(i for i, line in enumerate(lines) if "Khau Ràng" in line) + 1
    lines.insert(at, "5,Bản Nà Rụ,Xã Lộc Bình,106.9,21.76,Chưa triển khai,31/12/2025,")
    report = "\r\n".join(lines) + "\r\n"
    assert "Khuổi Pục,Xã Tràng Định,106.4418,22.2077,Hoàn thành" in report
    assert "Bản Nà Rụ" in report and "Khau Ràng Trên" in report
    path = folder / "bao_cao_thang_12_tcvn3.csv"
    path.write_bytes(encode_legacy(report, "tcvn3"))
    return path


def _list_of(db, folder: Path, count: int) -> Path:
    """``count`` villages with ids, a few per commune; every 7th without coordinates."""
    with db.sessions() as session:
        communes = loader.load_areas(session, "commune")
    points = shapely.point_on_surface(communes.geometry.to_numpy())
    places = list(zip(communes["code"], points, strict=True))
    rows = []
    for i in range(count):
        code, point = places[i % len(places)]
        x, y = point.x + (i % 5) * 1e-4, point.y - (i % 3) * 1e-4
        at = ("", "") if i % 7 == 3 else (f"{x:.6f}", f"{y:.6f}")
        households = "" if i % 11 == 5 else str(5 + i % 80)
        rows.append([f"LS-{i:06d}", f"Bản Nà Lạn {i}", code, households,
                     "VNPT" if i % 4 else "Viettel", *at, STATUS_WORDS[i % len(STATUS_WORDS)],
                     f"{1 + i % 28:02d}/{1 + i % 11:02d}/2025", "Ghi chú" if i % 9 == 0 else ""])
    path = folder / "danh_sach_thon.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _dump(db, after_id: int) -> list:
    """Every stored column of the records above ``after_id`` and their states (no ids, times)."""
    with db.sessions() as session:
        features = session.execute(text(
            "SELECT id, layer_id, record_id, name, name_ascii, geom_type, x, y, commune_code, "
            "district_code, CAST(attributes AS TEXT), illustrative, version, geom, minx, miny, "
            "maxx, maxy, deleted_at FROM features WHERE id > :after ORDER BY layer_id, record_id"
        ), {"after": after_id}).all()  # fmt: skip
        states = session.execute(text(
            "SELECT f.layer_id, f.record_id, s.layer_id, s.valid_from, s.valid_to, s.status, "
            "s.progress, CAST(s.attributes AS TEXT), s.author, s.note FROM feature_states s "
            "JOIN features f ON f.id = s.feature_id WHERE f.id > :after "
            "ORDER BY f.layer_id, f.record_id, s.valid_from, s.id"
        ), {"after": after_id}).all()  # fmt: skip
    rows = [[*f[1:11], bool(f[11]), f[12], bytes(f[13]).hex(), *f[14:]] for f in features]
    return [rows, [list(s) for s in states]]


def _digest(dump: list) -> str:
    return hashlib.sha256(json.dumps(dump, default=str).encode("utf-8")).hexdigest()


def _max_id(db) -> int:
    with db.sessions() as session:
        return session.execute(text("SELECT coalesce(max(id), 0) FROM features")).scalar()


def test_three_office_files_store_the_bytes_they_stored_before(db, tmp_path):
    after = _max_id(db)
    files = {
        "report": DATA / "office_report_villages.csv",
        "next_month_tcvn3": _next_month_tcvn3(tmp_path),
        "list_of_12000": _list_of(db, tmp_path, 12_000),
    }
    digests, sizes = {}, {}
    for step, path in files.items():
        run_import(db, path, "signal", today=DAY)
        dump = _dump(db, after)
        digests[step], sizes[step] = _digest(dump), (len(dump[0]), len(dump[1]))
    assert sizes == {"report": (7, 7), "next_month_tcvn3": (9, 10),
                     "list_of_12000": (12_009, 12_010)}  # fmt: skip
    assert digests == IMPORT_DIGESTS
