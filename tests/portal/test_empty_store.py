"""Official data first: a store made by ``langson-portal init`` alone, without derived boundaries
or demo data, filled from the official-like boundary files and a province's record file.

Each test starts from its own fresh SQLite file on which only ``init`` has run (the ``app``
fixture below replaces the shared one, which is prepared with derived boundaries and demo data).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.cli import main
from portal.services import bootstrap
from portal.store.models import Area, Feature, FeatureState
from portal.web.database import get_database

DATA = Path(__file__).resolve().parents[1] / "data"
COMMUNES = ("communes_2025_official_like.gpkg", "commune", "2025")
DISTRICTS = ("districts_2019.zip", "district", "2019")
VILLAGES = DATA / "good_signal_villages.csv"
#: The five villages of ``good_signal_villages.csv``: record, commune (2025), district (2019).
PLACES = {
    "LS-301": ("06325", "185"), "LS-302": ("06541", "188"), "LS-303": ("06046", "180"),
    "LS-304": ("06400", "186"), "LS-305": ("06463", "187"),
}  # fmt: skip


@pytest.fixture
def app(empty_db_url, tmp_path):
    """The portal on a fresh store that only ``langson-portal init`` has prepared."""
    application = create_app({
        "database_url": empty_db_url,
        "instance_path": tmp_path, "auto_seed": False,
    })  # fmt: skip
    application.config["TESTING"] = True
    result = application.test_cli_runner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    yield application
    application.extensions["portal_db"].engine.dispose()


def _levels(app) -> dict[str, tuple[int, str]]:
    """Each stored level: how many areas and their provenance."""
    with get_database(app).sessions() as session:
        rows = session.execute(
            select(Area.level, func.count(), Area.provenance).group_by(Area.level, Area.provenance)
        ).all()
    levels: dict[str, tuple[int, str]] = {}
    for level, count, provenance in rows:
        before, names = levels.get(level, (0, ""))
        levels[level] = (before + count, ",".join(filter(None, sorted({*names.split(","),
                                                                        provenance}))))
    return levels


def _record_counts(app) -> tuple[int, int]:
    with get_database(app).sessions() as session:
        return (session.scalar(select(func.count(Feature.id))),
                session.scalar(select(func.count(FeatureState.id))))


def _import_boundaries(runner, name: str, level: str, vintage: str, lang: str = "en"):
    return runner.invoke(args=["import-boundaries", str(DATA / name), "--level", level,
                               "--vintage", vintage, "--lang", lang])


def _counts(client, level: str, as_of: dt.date) -> dict[str, int]:
    response = client.get(f"/api/progress?layer=signal&level={level}&as_of={as_of}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["code"]: row["count"] for row in response.get_json()}


def test_init_alone_gives_an_empty_store(app):
    assert _levels(app) == {}
    assert _record_counts(app) == (0, 0)


@pytest.mark.parametrize(("name", "level", "vintage", "levels"), [
    (*COMMUNES, {"commune": (65, "official"), "province": (1, "official")}),
    ("communes_2025_wgs84.geojson", "commune", "2025",
     {"commune": (65, "official"), "province": (1, "official")}),
    (*DISTRICTS, {"district": (11, "official"), "province": (1, "official")}),
    ("legacy_communes_2019.geojson", "legacy_commune", "2019",
     {"legacy_commune": (194, "official"), "district": (11, "official"),
      "province": (1, "official")}),
    ("province_without_code.geojson", "province", "2025", {"province": (1, "official")}),
    ("province_without_code.geojson", "province", "2019", {"province": (1, "official")}),
])  # fmt: skip
def test_each_official_level_goes_into_an_empty_store_by_itself(
    app, runner, name, level, vintage, levels
):
    result = _import_boundaries(runner, name, level, vintage)
    assert result.exit_code == 0, result.output
    assert f"{sum(levels[level][:1])} {level} units now official" in result.output
    assert _levels(app) == levels
    if "commune" not in levels:  # the command says what records still need
        assert ("Records also need the boundaries of communes and wards (from 2025): "
                "langson-portal import-boundaries FILE --level commune --vintage 2025."
                ) in result.output
    else:
        assert "Records also need" not in result.output


def test_legacy_communes_give_the_districts_their_codes_and_the_province(app, client, runner):
    result = _import_boundaries(runner, "legacy_communes_2019.geojson", "legacy_commune", "2019")
    assert result.exit_code == 0, result.output
    districts = client.get("/api/areas?level=district").get_json()["features"]
    assert sorted(d["properties"]["code"] for d in districts) == [
        "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    ]  # fmt: skip
    assert {d["properties"]["source"] for d in districts} == {
        "dissolved from official communes 2019 (legacy_communes_2019.geojson)"
    }


def test_records_into_a_store_without_boundaries_name_the_command_to_run(app, runner):
    result = runner.invoke(args=["import", "signal", str(VILLAGES), "--lang", "en"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.strip() == (
        "No boundaries of communes and wards (from 2025) and the province are stored yet, so "
        "records cannot be placed in their areas; nothing was imported. Import the official "
        "file first: langson-portal import-boundaries FILE --level commune --vintage 2025 (or "
        "on the page /admin/boundaries), or derive approximate boundaries: "
        "langson-portal build-boundaries."
    )
    result = runner.invoke(args=["import", "signal", str(VILLAGES), "--lang", "vi"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Chưa có ranh giới xã, phường (từ 2025) và tỉnh nên chưa xác định được địa bàn của các "
        "bản ghi; chưa nhập gì. Hãy nhập tệp ranh giới chính thức trước: langson-portal "
        "import-boundaries TỆP --level commune --vintage 2025 (hoặc tại trang "
        "/admin/boundaries), hoặc dựng ranh giới gần đúng: langson-portal build-boundaries."
    )
    assert _record_counts(app) == (0, 0)


def test_records_need_the_communes_even_when_districts_are_stored(app, runner):
    assert _import_boundaries(runner, *DISTRICTS).exit_code == 0
    result = runner.invoke(args=["import", "signal", str(VILLAGES), "--lang", "en"])
    assert result.exit_code == 2
    # build-boundaries is not offered: it would replace the official districts.
    assert result.output.strip() == (
        "No boundaries of communes and wards (from 2025) are stored yet, so records cannot be "
        "placed in their areas; nothing was imported. Import the official file first: "
        "langson-portal import-boundaries FILE --level commune --vintage 2025 (or on the page "
        "/admin/boundaries)."
    )
    assert _record_counts(app) == (0, 0)


@pytest.mark.parametrize("url", ["/api/imports", "/api/layers/signal/imports"])
def test_the_import_api_answers_409_until_the_communes_are_stored(app, client, login, url):
    token = login("telecom_editor")
    for lang, start in (("en", "No boundaries of communes and wards (from 2025) and the "
                               "province are stored yet"),
                        ("vi", "Chưa có ranh giới xã, phường (từ 2025) và tỉnh")):
        with VILLAGES.open("rb") as handle:
            response = client.post(f"{url}?lang={lang}", headers={"X-CSRFToken": token},
                                   data={"file": (handle, "thon.csv"), "dry_run": "0"})
        body = response.get_json()
        assert response.status_code == 409, body
        assert body["ok"] is False and body["status"] == 409 and body["errors"] == []
        assert body["error"].startswith(start)
        assert "langson-portal import-boundaries" in body["error"]
    assert _record_counts(app) == (0, 0)


def test_official_communes_districts_and_records_give_the_per_area_counts(
    app, client, runner, login
):
    """Through the command line: communes, records (before the districts), then districts."""
    assert _import_boundaries(runner, *COMMUNES).exit_code == 0
    result = runner.invoke(args=["import", "signal", str(VILLAGES), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "5 added, 0 changed, 0 unchanged." in result.output
    note = ("No district boundaries are stored: records get their district once you run "
            "langson-portal import-boundaries FILE --level district --vintage 2019.")
    assert note in result.output
    today = dt.date.today()
    communes = _counts(client, "commune", today)
    assert len(communes) == 65
    assert {code: n for code, n in communes.items() if n} == {c: 1 for c, _ in PLACES.values()}
    assert _counts(client, "district", today) == {}
    assert _counts(client, "province", today) == {"20": 5}

    result = _import_boundaries(runner, *DISTRICTS)
    assert result.exit_code == 0, result.output
    assert "11 district units now official; 5 records re-assigned" in result.output
    districts = _counts(client, "district", today)
    assert len(districts) == 11
    assert {code: n for code, n in districts.items() if n} == {d: 1 for _, d in PLACES.values()}
    # LS-304 has no update date: it is dated today, so on 30 November 2025 it is not counted.
    on_30_november = _counts(client, "commune", dt.date(2025, 11, 30))
    assert sum(on_30_november.values()) == 4 and on_30_november["06400"] == 0
    features = client.get(f"/api/layers/signal/features?as_of={today}").get_json()["features"]
    places = {f["properties"]["record_id"]: (f["properties"]["commune_code"],
                                             f["properties"]["district_code"]) for f in features}
    assert places == PLACES


def test_official_boundaries_then_records_through_the_api(app, client, runner, login):
    """Through the API: communes and districts first, then a telecom editor's file."""
    assert _import_boundaries(runner, *COMMUNES).exit_code == 0
    assert _import_boundaries(runner, *DISTRICTS).exit_code == 0
    token = login("telecom_editor")
    with VILLAGES.open("rb") as handle:
        response = client.post("/api/layers/signal/imports", headers={"X-CSRFToken": token},
                               data={"file": (handle, "thon.csv"), "dry_run": "0"})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["summary"]["added"] == 5
    assert not any("district" in note for note in body["notes"])
    today = dt.date.today()
    assert {c: n for c, n in _counts(client, "commune", today).items() if n} == {
        c: 1 for c, _ in PLACES.values()
    }
    assert {c: n for c, n in _counts(client, "district", today).items() if n} == {
        d: 1 for _, d in PLACES.values()
    }
    assert _counts(client, "province", today) == {"20": 5}


def test_the_map_pages_and_api_work_with_official_boundaries_and_no_records(app, client, runner):
    assert _import_boundaries(runner, *COMMUNES).exit_code == 0
    for url in ("/", "/?level=district", "/planning", "/telecom", "/geopark", "/about",
                "/area/commune/06325", "/area/province/20", "/changes", "/api/layers",
                "/api/search?q=bac%20son", "/api/progress/export?layer=signal&level=commune"):
        assert client.get(url).status_code == 200, url
    areas = client.get("/api/areas?level=commune").get_json()["features"]
    assert len(areas) == 65 and {a["properties"]["provenance"] for a in areas} == {"official"}
    assert client.get("/api/areas?level=district").get_json()["features"] == []
    features = client.get("/api/layers/signal/features?cluster=auto&zoom=9").get_json()
    assert (features["features"], features["numberMatched"]) == ([], 0)
    rows = client.get("/api/progress?layer=signal&level=commune").get_json()
    assert len(rows) == 65
    assert {(r["count"], r["done"], r["percent"]) for r in rows} == {(0, 0.0, None)}
    assert client.get("/api/progress?layer=signal&level=district").get_json() == []


def test_first_start_leaves_a_store_with_official_boundaries_as_it_is(app, runner):
    """``run`` prepares the store: official boundaries get no derived ones and no demo data."""
    assert _import_boundaries(runner, *DISTRICTS).exit_code == 0
    assert bootstrap.prepare(get_database(app), seed=True) == {}
    assert _levels(app) == {"district": (11, "official"), "province": (1, "official")}
    assert _record_counts(app) == (0, 0)


def _post_boundaries(client, token: str, name: str, **form):
    with (DATA / name).open("rb") as handle:
        return client.post("/admin/boundaries?lang=en", data={
            "csrf_token": token, "file": (handle, name), "dry_run": "0", **form,
        })  # fmt: skip


def test_an_administrator_fills_an_empty_store_from_the_admin_page(app, client, login):
    token = login("admin")
    page = client.get("/admin/boundaries?lang=en").get_data(as_text=True)
    assert page.count("Not imported yet") == 4
    assert 'id="boundaries-needed"' in page
    response = _post_boundaries(client, token, "districts_2019.zip", level="district",
                                vintage="2019")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-outcome="ok"' in html, html[-2000:]
    assert ("Records also need the boundaries of communes and wards (from 2025): langson-portal "
            "import-boundaries FILE --level commune --vintage 2025.") in html
    response = _post_boundaries(client, token, COMMUNES[0], level="commune", vintage="2025",
                                source="Sở Nông nghiệp và Môi trường", date="2025-07-01")
    html = response.get_data(as_text=True)
    assert 'data-outcome="ok"' in html, html[-2000:]
    assert 'id="boundaries-next-step"' not in html and 'id="boundaries-needed"' not in html
    assert re.search(r'data-level="commune"><td>[^<]+</td><td>65</td>', html)
    assert _levels(app) == {"commune": (65, "official"), "district": (11, "official"),
                            "province": (1, "official")}


@pytest.mark.parametrize(("name", "form", "shown"), [
    ("districts_2019.zip", {"level": "district", "vintage": "2025"},
     "Level &#39;district&#39;, vintage &#39;2025&#39; cannot be imported"),
    ("not_a_zip.zip", {"level": "commune", "vintage": "2025"}, 'class="alert alert-danger"'),
    ("good_signal_villages.csv", {"level": "commune", "vintage": "2025"},
     "holds no geometry, so no boundaries"),
    ("boundary_missing_code_column.geojson", {"level": "district", "vintage": "2019"},
     "No column holds the unit codes"),
    ("districts_2019.zip", {"level": "district", "vintage": "2019", "date": "2025-02-30"},
     'class="alert alert-danger"'),
    ("districts_2019.zip", {"level": "district", "vintage": "2019", "crs": "no-such-crs"},
     'class="alert alert-danger"'),
])  # fmt: skip
def test_the_admin_page_shows_what_is_wrong_and_stores_nothing(app, client, login, name, form,
                                                               shown):
    token = login("admin")
    response = _post_boundaries(client, token, name, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-outcome="failed"' in html
    assert shown in html
    assert _levels(app) == {}
