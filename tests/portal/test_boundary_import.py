from pathlib import Path

from sqlalchemy import func, select

from portal.store.models import Area, Feature
from portal.web.database import get_database

DATA = Path(__file__).resolve().parents[1] / "data"


def _provenance(app):
    with get_database(app).sessions() as session:
        return dict(session.execute(
            select(Area.level, Area.provenance).distinct()
        ).all())


def test_official_communes_replace_the_derived_ones_and_records_follow(app, client, runner):
    with get_database(app).sessions() as session:
        total = session.scalar(select(func.count(Feature.id)))
    result = runner.invoke(args=[
        "import-boundaries", str(DATA / "communes_2025_official_like.gpkg"), "--level", "commune",
        "--vintage", "2025", "--source", "Sở Nông nghiệp và Môi trường (thử)",
        "--date", "2025-07-01", "--lang", "en",
    ])
    assert result.exit_code == 0, result.output
    assert "65 commune units now official" in result.output
    areas = client.get("/api/areas?level=commune").get_json()["features"]
    assert len(areas) == 65
    assert {a["properties"]["provenance"] for a in areas} == {"official"}
    assert "Sở Nông nghiệp" in areas[0]["properties"]["source"]
    assert _provenance(app)["district"] == "approximate"
    rows = client.get("/api/progress?layer=housing&level=commune").get_json()
    assert sum(r["count"] for r in rows if isinstance(r["count"], int)) <= total


def test_a_boundary_file_with_problems_replaces_nothing(app, runner):
    before = _provenance(app)
    result = runner.invoke(args=[
        "import-boundaries", str(DATA / "boundary_unknown_code.geojson"), "--level", "district",
        "--vintage", "2019", "--lang", "en",
    ])
    assert result.exit_code == 1
    assert "Row 8" in result.output and "1860" in result.output
    assert _provenance(app) == before


def test_an_administrator_imports_official_boundaries_from_the_admin_page(app, client, login):
    token = login("admin")
    with (DATA / "districts_2019.zip").open("rb") as handle:
        response = client.post("/admin/boundaries?lang=en", data={
            "csrf_token": token, "file": (handle, "districts_2019.zip"), "level": "district",
            "vintage": "2019", "source": "test", "date": "2019-12-31", "dry_run": "0",
        })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-outcome="ok"' in html, html[-2000:]
    assert _provenance(app)["district"] == "official"


def test_the_boundary_page_is_for_administrators_only(client, login):
    login("planner")
    assert client.get("/admin/boundaries").status_code == 403
