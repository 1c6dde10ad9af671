"""Printed report cards: one area's PDF, a level's ZIP (web and command line), and who sees what.

One store is prepared for the module (it is only read, but for the audit log and the jobs'
files): the demo data, two households (commune A and commune B, of different districts) waiting
since 2024, two mobile-signal villages of commune A (one waiting, one that went on air between
the two dates) and a target reported for commune A only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

import shapely

from layers import CATALOGUE
from portal import create_app
from portal.cli import main
from portal.services.accounts import create_user
from portal.services.audit import AuditFilter, list_events
from portal.store import loader
from portal.store import plan_targets as target_store
from portal.store.db import open_database
from portal.store.models import Area
from portal.web import report_jobs
from portal.web.database import get_database
from portal.web.formats import fmt_num, fmt_pct
from tests.pdf_reading import pdf_page_png, pdf_pages_text

PASSWORD = "correct horse battery staple"
AS_OF, SINCE = "2025-11-30", "2025-06-30"
HOUSE_A, HOUSE_B = "Hộ ông Hoàng Văn Khánh", "Hộ bà Lường Thị Mai"
WAITING, ON_AIR = "Trạm BTS thôn Nà Khoang", "Trạm BTS thôn Bản Chắt"
TARGET_VI, TARGET_EN = "Tỷ lệ hộ dùng nước sạch", "Households with clean water"


def _house(record_id: str, name: str, area: Area) -> loader.RecordRow:
    public = {"category": "poor", "work": "repair", "funds_million_vnd": 40.0,
              "commune_name": area.name}  # fmt: skip
    return loader.RecordRow(
        layer_id="housing", record_id=record_id, name=name, attributes=public,
        geometry=shapely.Point(area.label_lon, area.label_lat),
        history=[loader.StateRow(date=dt.date(2024, 1, 5), status="registered",
                                 attributes=public)],
    )  # fmt: skip


def _village(record_id: str, name: str, area: Area, history) -> loader.RecordRow:
    return loader.RecordRow(
        layer_id="signal", record_id=record_id, name=name,
        attributes={"village": name.removeprefix("Trạm BTS "), "commune_name": area.name},
        geometry=shapely.Point(area.label_lon + 0.003, area.label_lat - 0.002),
        history=[loader.StateRow(date=d, status=s) for d, s in history],
    )  # fmt: skip


def _prepare(url: str) -> dict[str, str]:
    db = open_database(url)
    with db.transaction() as session:
        communes = list(session.scalars(select(Area).where(Area.level == "commune")
                                        .order_by(Area.code)))  # fmt: skip
        a = communes[0]
        b = communes[-1]  # another district (the privacy matrix checks the same pair)
        loader.write_records(session, [
            _house("HO-A-001", HOUSE_A, a), _house("HO-B-001", HOUSE_B, b),
            _village("LS-901", WAITING, a, [(dt.date(2024, 3, 1), "listed")]),
            _village("LS-902", ON_AIR, a, [(dt.date(2025, 3, 1), "listed"),
                                           (dt.date(2025, 9, 15), "on_air")]),
        ])  # fmt: skip
        target = target_store.add_target(
            session, code="NUOC-SACH", name_vi=TARGET_VI, name_en=TARGET_EN, unit="%",
            direction="at_least", year=2025, target_value=95.0, baseline_value=80.0,
            baseline_date=dt.date(2025, 1, 1), department="Sở Nông nghiệp và Môi trường",
            milestones=[], computed=None, illustrative=False, updated_by="test")
        target_store.add_value(session, target, date=dt.date(2025, 10, 31), value=87.5,
                               source="Báo cáo của UBND xã", provenance="official",
                               level="commune", area_code=a.code)  # fmt: skip
        codes = {"A": a.code, "B": b.code, "nameA": a.name, "nameB": b.name}
    db.engine.dispose()
    return codes


class World:
    """The module's portal, its commune codes and signed-in clients by name."""

    def __init__(self, app, codes):
        self.app, self.codes, self.clients = app, codes, {}

    def sign_in(self, name: str, role: str | None, areas: tuple[str, ...] = ()):
        client = self.app.test_client()
        if role is not None:
            with get_database(self.app).transaction() as session:
                create_user(session, name, PASSWORD, role, areas=areas)
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            answer = client.post("/login", data={"username": name, "password": PASSWORD,
                                                 "csrf_token": token})  # fmt: skip
            assert answer.status_code == 302
        self.clients[name] = client
        return client

    def card(self, who: str, level: str, code: str, lang: str = "vi", since: str = SINCE):
        answer = self.clients[who].get(f"/reports/area/{level}/{code}.pdf?as_of={AS_OF}"
                                       f"&since={since}&lang={lang}")  # fmt: skip
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        assert answer.mimetype == "application/pdf"
        return answer.get_data()


@pytest.fixture(scope="module")
def world(stores, template_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards")
    url = stores.new(folder, template_url)
    codes = _prepare(url)
    app = create_app({"database_url": url, "instance_path": folder,
                      "default_as_of": AS_OF, "auto_seed": False})  # fmt: skip
    app.config["TESTING"] = True
    made = World(app, codes)
    made.sign_in("visitor", None)
    made.sign_in("quan-tri", "admin")
    made.sign_in("ke-hoach", "planner")
    made.sign_in("vien-thong", "telecom_editor")
    made.sign_in("nha-o-xa-a", "housing_editor", (codes["A"],))
    yield made
    app.extensions["portal_db"].engine.dispose()
    stores.drop(url)


def _text(pdf: bytes) -> str:
    return "\n".join(pdf_pages_text(pdf)).replace("\xa0", " ")


def test_a_commune_card_holds_the_figures_of_the_screen_and_the_warnings(world, tmp_path):
    code = world.codes["A"]
    pdf = world.card("ke-hoach", "commune", code)
    text = _text(pdf)
    assert world.codes["nameA"] in text and "30/11/2025" in text and "30/06/2025" in text
    assert "THẺ BÁO CÁO" in text and "Trang 1/" in text
    client = world.clients["ke-hoach"]
    for layer in CATALOGUE:  # the per-layer figures are those of /api/progress
        rows = client.get(f"/api/progress?layer={layer.id}&level=commune&as_of={AS_OF}")
        row = next(r for r in rows.get_json() if r["code"] == code)
        figures = " ".join(fmt_num(row[k], "vi") for k in ("count", "done", "target"))
        line = next(li for li in text.splitlines() if li.startswith(layer.name("vi")[:25]))
        assert f"{figures} {fmt_pct(row['percent'], 'vi')}".replace("\xa0", " ") in line, line
    lagging = text[text.index("Hạng mục chậm tiến độ"):]
    assert WAITING in lagging and HOUSE_A in lagging and "19/03/2024" not in lagging
    assert "01/03/2024" in lagging  # the waiting village's last step, dated
    changes = text[text.index("Thay đổi từ ngày 30/06/2025"):]
    assert f"{ON_AIR} (tiến triển)" in changes
    targets = text[text.index("Chỉ tiêu kế hoạch có số liệu"):]
    assert TARGET_VI in targets and "87,5%" in targets and "31/10/2025" in targets
    assert "Chính thức" in targets  # the figure's provenance badge
    # The demo store: derived boundaries and invented data, both said on the card.
    assert "Ranh giới gần đúng" in text and "Dữ liệu minh họa" in text
    assert "không phải số liệu chính thức" in text
    other = _text(world.card("ke-hoach", "commune", world.codes["B"]))
    assert TARGET_VI not in other and WAITING not in other
    page = pdf_page_png(pdf, 0, tmp_path / "card.png")
    assert page.stat().st_size > 20_000


def test_the_english_card_is_in_english(world):
    text = _text(world.card("ke-hoach", "commune", world.codes["A"], lang="en"))
    assert "Progress per layer against target" in text and "Page 1/" in text
    assert "Tiến độ từng lớp" not in text and "Trang 1/" not in text
    assert TARGET_EN in text and "87.5%" in text and "as of 30/11/2025" in text
    assert "Illustrative demo data" in text and "Approximate boundary" in text


@pytest.mark.parametrize(("who", "sees_a", "sees_b"), [
    ("quan-tri", True, True),
    ("ke-hoach", True, True),
    ("nha-o-xa-a", True, False),
    ("vien-thong", False, False),
    ("visitor", False, False),
])  # fmt: skip
def test_household_names_reach_only_the_readers_the_screen_shows_them_to(world, who, sees_a,
                                                                         sees_b):
    card_a = _text(world.card(who, "commune", world.codes["A"]))
    card_b = _text(world.card(who, "commune", world.codes["B"]))
    assert (HOUSE_A in card_a) is sees_a
    assert (HOUSE_B in card_b) is sees_b
    assert HOUSE_B not in card_a and HOUSE_A not in card_b
    assert WAITING in card_a  # public records are on every card
    if not sees_a:
        assert "dữ liệu cá nhân, chỉ hiển thị số lượng" in card_a


def test_a_card_with_personal_records_is_in_the_audit_log(world):
    world.card("nha-o-xa-a", "commune", world.codes["A"])
    with get_database(world.app).sessions() as session:
        found, _total = list_events(session, AuditFilter(action="read_personal",
                                                        actor="nha-o-xa-a"))
        events = [e for e in found if e.detail.get("what") == "report_card"]
    assert events and events[0].detail["area"] == world.codes["A"]


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/reports/area/ward/06325.pdf", 404, ("Không có cấp ward", "Unknown level ward")),
    ("/reports/area/commune/99999.pdf", 404, None),
    ("/reports/area/commune/{A}.pdf?as_of=31/02/2025", 400,
     ("as_of", "as_of must be a real date such as 2025-06-30 (got 31/02/2025)")),
    ("/reports/area/commune/{A}.pdf?since=2025-12-31", 400,
     ("since (2025-12-31) phải trước", "since (2025-12-31) must be on or before")),
    ("/reports/area/commune/{A}.pdf?lang=fr", 400, ("lang phải là vi hoặc en", None)),
])  # fmt: skip
def test_a_bad_level_code_or_date_is_a_clear_error(world, url, status, words):
    url = url.replace("{A}", world.codes["A"])
    for lang, expected in zip(("vi", "en"), words or (None, None), strict=True):
        client = world.app.test_client()
        client.set_cookie("lang", lang)
        answer = client.get(url, headers={"Accept": "application/json"})
        assert answer.status_code == status, answer.get_data(as_text=True)[:300]
        if expected:
            assert expected in answer.get_json()["error"], answer.get_json()


def test_the_district_batch_zip_holds_one_card_per_district(world):
    client = world.clients["ke-hoach"]
    page = client.get("/reports/cards").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    started = client.post("/reports/cards", data={"level": "district", "as_of": "30/11/2025",
                                                  "lang": "vi"}, headers={"X-CSRFToken": token})
    assert started.status_code == 202, started.get_data(as_text=True)
    job = started.get_json()["id"]
    thread = report_jobs.THREADS.get(job)
    if thread is not None:
        thread.join(timeout=300)
    state = client.get(f"/reports/cards/{job}").get_json()
    assert (state["state"], state["done"], state["total"]) == ("done", 11, 11)
    answer = client.get(f"/reports/cards/{job}.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    data = answer.get_data()
    answer.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        with get_database(world.app).sessions() as session:
            districts = session.execute(select(Area.code, Area.name).where(
                Area.level == "district").order_by(Area.code)).all()
        assert len(names) == len(districts) == 11
        for name, (code, area_name) in zip(names, districts, strict=True):
            assert name.startswith(f"district-{code}-") and name.endswith("-2025-11-30-vi.pdf")
            assert area_name in pdf_pages_text(archive.read(name))[0]
    # Only the one who started it (or an administrator) reads a job.
    assert world.clients["vien-thong"].get(f"/reports/cards/{job}").status_code == 404
    assert world.clients["vien-thong"].get(f"/reports/cards/{job}.zip").status_code == 404
    assert world.clients["quan-tri"].get(f"/reports/cards/{job}").status_code == 200
    assert world.clients["visitor"].get(f"/reports/cards/{job}").status_code == 302
    refused = client.post("/reports/cards", data={"level": "ward", "as_of": "30/11/2025"},
                          headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert refused.status_code == 400 and "ward" in refused.get_json()["error"]
    no_token = client.post("/reports/cards", data={"level": "district"})
    assert no_token.status_code == 400


def test_the_command_line_writes_the_zip_and_one_card(world, tmp_path):
    runner = world.app.test_cli_runner()
    out = tmp_path / "tinh.zip"
    result = runner.invoke(main, ["report-cards", "--level", "province", "--as-of",
                                  "30/11/2025", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1/1 province" in result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["province-20-tinh-lang-son-2025-11-30-en.pdf"]
    one = tmp_path / "a.pdf"
    result = runner.invoke(main, ["report-cards", "--level", "commune", "--area",
                                  world.codes["A"], "--as-of", "30/11/2025", "--role", "viewer",
                                  "--out", str(one)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert HOUSE_A in _text(one.read_bytes())
    result = runner.invoke(main, ["report-cards", "--as-of", "30/02/2025", "--out", str(one)])
    assert result.exit_code == 2 and "“30/02/2025” không phải là ngày" in result.output


@pytest.fixture
def official_app(empty_db_url, tmp_path):
    """A store with the official-like 2025 communes only: no record, no demo data."""
    application = create_app({"database_url": empty_db_url, "instance_path": tmp_path,
                              "auto_seed": False})  # fmt: skip
    runner = application.test_cli_runner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    data = Path(__file__).resolve().parents[1] / "data" / "communes_2025_official_like.gpkg"
    result = runner.invoke(args=["import-boundaries", str(data), "--level", "commune",
                                 "--vintage", "2025"])  # fmt: skip
    assert result.exit_code == 0, result.output
    yield application
    application.extensions["portal_db"].engine.dispose()


def test_a_card_of_an_empty_store_with_official_boundaries_has_no_warning(official_app):
    answer = official_app.test_client().get("/reports/area/commune/06325.pdf?lang=vi")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    text = _text(answer.get_data())
    assert "Ranh giới chính thức" in text and "Không có bản ghi nào đang chờ" in text
    assert "Ranh giới gần đúng" not in text and "minh họa" not in text
