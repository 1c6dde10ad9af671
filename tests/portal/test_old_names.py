"""Pre-2025 names: search finds the old communes and districts and says where they went."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from portal.store.models import Area
from portal.web.database import get_database


def _old(body: list[dict], code: str) -> dict:
    return next(item for item in body if item["kind"] == "old_area" and item["code"] == code)


@pytest.mark.parametrize("query", ["Bắc Quỳnh", "bac quynh", "BAC QUYNH"])
def test_bac_quynh_is_found_with_the_2025_commune_it_is_now_part_of(client, query):
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 200
    item = _old(response.get_json(), "06343")
    assert item["name"] == "Xã Bắc Quỳnh"
    assert item["level"] == "legacy_commune"
    assert item["divided"] is False
    assert item["now"] == [
        {"code": "06325", "name": "Xã Bắc Sơn", "url": "/area/commune/06325"}
    ]
    assert item["note"] == "nay thuộc Xã Bắc Sơn"
    assert item["detail"] == "Huyện Bắc Sơn, trước 1/7/2025"


def test_the_answer_is_in_english_on_request(client):
    item = _old(client.get("/api/search?q=bac+quynh&lang=en").get_json(), "06343")
    assert item["note"] == "now part of Xã Bắc Sơn"
    assert item["detail"] == "Huyện Bắc Sơn, before 1 July 2025"


def test_a_divided_commune_lists_every_2025_commune_it_went_to(client):
    # Xã Hồng Phong of huyện Bình Gia went to Xã Hồng Phong (the larger part) and Xã Đồng Đăng.
    vi = _old(client.get("/api/search?q=hong+phong").get_json(), "06079")
    assert vi["divided"] is True
    assert [n["code"] for n in vi["now"]] == ["06079", "06184"]
    assert [n["url"] for n in vi["now"]] == ["/area/commune/06079", "/area/commune/06184"]
    assert vi["note"] == "nay được chia về Xã Hồng Phong, Xã Đồng Đăng"
    en = _old(client.get("/api/search?q=hong+phong&lang=en").get_json(), "06079")
    assert en["note"] == "divided among Xã Hồng Phong, Xã Đồng Đăng"
    # Xã Hồng Phong of huyện Cao Lộc, same name, went whole into Xã Đồng Đăng.
    other = _old(client.get("/api/search?q=hong+phong").get_json(), "06205")
    assert other["divided"] is False and [n["code"] for n in other["now"]] == ["06184"]


def test_an_old_district_lists_the_2025_communes_it_was_divided_among(client):
    item = _old(client.get("/api/search?q=huyen+bac+son").get_json(), "185")
    assert item["level"] == "district"
    assert item["divided"] is True
    assert len(item["now"]) == 6
    assert "06325" in [n["code"] for n in item["now"]]
    assert item["note"].startswith("nay được chia về ")


def test_old_names_come_from_the_name_tables_not_the_stored_old_boundaries(app, client):
    with get_database(app).sessions() as session:
        session.execute(delete(Area).where(Area.level == "legacy_commune"))
        session.commit()
        left = session.scalar(
            select(func.count()).select_from(Area).where(Area.level == "legacy_commune")
        )
    assert left == 0
    item = _old(client.get("/api/search?q=bac+quynh").get_json(), "06343")
    assert item["now"][0]["code"] == "06325"


def test_a_2025_commune_page_lists_the_old_communes_it_was_made_from(client):
    html = client.get("/area/commune/06325").get_data(as_text=True)
    assert "Thành lập ngày 1/7/2025 trên cơ sở các xã" in html
    for code, text in [("06343", "Xã Bắc Quỳnh (Huyện Bắc Sơn)"),
                       ("06325", "Thị trấn Bắc Sơn (Huyện Bắc Sơn)")]:
        assert f'data-old-code="{code}"' in html
        assert text in html
    html = client.get("/area/commune/06184?lang=en").get_data(as_text=True)
    assert "Made on 1 July 2025 from these communes" in html
    # Bình Gia's Hồng Phong gave only part of its land to Đồng Đăng.
    assert "Xã Hồng Phong (Huyện Bình Gia) — <span class=\"text-muted\">in part</span>" in html
