"""The OpenAPI document of ``/api`` and ``/tiles``: complete, valid, and its page."""

from __future__ import annotations

import re

import pytest

from layers import CATALOGUE
from portal.api.openapi import build_document, described_rules

HUGE_ID = "27854931537799397388981025493762441216"


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def undescribed(app, document: dict) -> list[str]:
    """The routes of /api and /tiles (method and path) the document does not describe."""
    missing = []
    for rule in described_rules(app):
        item = document["paths"].get(_openapi_path(rule.rule), {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in item:
                missing.append(f"{method} {rule.rule}")
    return missing


def test_every_route_of_the_api_and_the_tiles_is_described(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    assert undescribed(app, document) == []
    assert len(described_rules(app)) >= 29
    assert not any(path.startswith("/ogc") for path in document["paths"])


def test_a_new_route_without_a_description_is_caught(app):
    @app.get("/api/undocumented-thing")
    def undocumented_thing():
        """Something new."""
        return {}

    with pytest.raises(KeyError, match="undocumented_thing"):
        build_document(app)


def test_the_parameters_carry_their_real_constraints(client):
    document = client.get("/api/openapi.json").get_json()
    shared = document["components"]["parameters"]
    assert shared["layer_id"]["schema"]["enum"] == [layer.id for layer in CATALOGUE]
    assert shared["level"]["schema"]["enum"] == ["province", "district", "commune"]
    assert shared["as_of"]["schema"] == {"type": "string", "format": "date"}
    assert shared["bbox"]["schema"] == {"type": "array", "items": {"type": "number"},
                                        "minItems": 4, "maxItems": 4}
    assert shared["bbox"]["style"] == "form" and shared["bbox"]["explode"] is False
    assert shared["zoom"]["schema"]["minimum"] == 0 and shared["zoom"]["schema"]["maximum"] == 22
    tile = document["paths"]["/tiles/{layer_id}/{z}/{x}/{y}.mvt"]["get"]
    assert "application/vnd.mapbox-vector-tile" in tile["responses"]["200"]["content"]
    assert set(tile["responses"]) == {"200", "304", "400", "403", "404"}
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["ok", "status", "error", "errors"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["session"]["in"] == "cookie" and schemes["csrf"]["name"] == "X-CSRFToken"
    patch = document["paths"]["/api/layers/{layer_id}/features/{fid}"]["patch"]
    assert patch["security"] == [{"session": [], "csrf": []}]
    summary = document["paths"]["/api/search"]["get"]["summary"]
    assert summary == "Find areas, pre-2025 units and the records the reader may see by name."


def test_the_docs_page_lists_every_operation_with_no_outside_script(app, client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    document = client.get("/api/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in item:
            assert f'data-operation="{method.upper()} {path}"' in text
    assert not re.search(r'<script[^>]+src="(https?:)?//', text)


@pytest.mark.parametrize("path", [
    f"/api/layers/border/features/{HUGE_ID}", f"/api/layers/border/features/{HUGE_ID}/history",
    f"/api/photos/{HUGE_ID}", f"/api/photos/{HUGE_ID}/thumb",
    "/api/layers/border/features/2147483648",
])
def test_an_id_past_the_database_integers_is_a_404_not_a_500(client, path):
    answer = client.get(path)
    assert answer.status_code == 404, answer.get_data(as_text=True)[:200]
    assert answer.get_json()["ok"] is False and answer.get_json()["status"] == 404


@pytest.mark.parametrize("path", ["/api/imports", "/api/layers/signal/imports", "/login"])
def test_a_form_part_without_a_name_is_a_400_not_a_500(client, path):
    # Schemathesis sent it; Flask-WTF's CSRF check read the part's name as a string and failed.
    body = b"--XX\r\nContent-Disposition: form-data\r\n\r\n159060506701\r\n--XX--\r\n"
    answer = client.post(path, data=body,
                         headers={"Content-Type": "multipart/form-data; boundary=XX"})
    assert answer.status_code == 400
    if path.startswith("/api/"):
        assert answer.get_json()["status"] == 400
