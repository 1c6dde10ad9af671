"""Who reads what through ``/ogc``: the personal layer (housing) and the public ones.

The housing records are listed and served only to their readers, with the records of their
areas (personal fields included), each page written to the audit log; anyone else gets the same
403 as ``/api/layers/housing/features``, in the portal's error shape. No public answer carries a
personal field. The store is the prepared one (demo records) and, apart, one with boundaries only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from layers import CATALOGUE, get_layer
from portal import create_app
from portal.services import bootstrap
from portal.store.db import open_database
from portal.store.features import read_features
from portal.store.models import AuditEvent
from portal.web.database import get_database

HOUSING = get_layer("housing")
PERSONAL = {spec.name for spec in HOUSING.restricted_fields}
PUBLIC = [layer.id for layer in CATALOGUE if layer.records_public]
BOUNDARIES = ["boundaries-district", "boundaries-commune"]
AS_OF = dt.date(2025, 11, 30)
ERROR_KEYS = {"ok", "status", "error", "errors"}


def personal_reads(app) -> list[AuditEvent]:
    """Every audit event of a read of personal data, oldest first."""
    with get_database(app).sessions() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal").order_by(AuditEvent.id)))


def all_housing(app) -> list[tuple[int, str]]:
    """Every housing record on the default date in the store: (id, commune code), by id."""
    with get_database(app).sessions() as session:
        rows = read_features(session, "housing", AS_OF)
    return [(row.id, row.commune_code) for row in rows]


def ids(answer: dict) -> list[int]:
    return [f["id"] for f in answer["features"]]


@pytest.mark.parametrize("url", [
    "/ogc/collections/housing", "/ogc/collections/housing/items",
    "/ogc/collections/housing/items?limit=-1", "/ogc/collections/housing/items/1",
    "/ogc/collections/housing/items?f=json&bbox=106,21,107,22",
])
def test_anonymous_readers_get_the_features_api_403_in_the_error_shape(client, url):
    expected = client.get("/api/layers/housing/features")
    response = client.get(url)
    assert expected.status_code == response.status_code == 403
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["status"] == 403 and body["ok"] is False
    assert body["error"] == expected.get_json()["error"]


def test_anonymous_readers_do_not_see_the_housing_collection_anywhere(client):
    listed = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    assert listed == PUBLIC + BOUNDARIES
    document = client.get("/ogc/api").get_json()
    assert not any("housing" in path for path in document["paths"])


def test_no_public_answer_carries_a_personal_field(client):
    personal = {s.name for layer in CATALOGUE for s in layer.restricted_fields}
    for layer in PUBLIC:
        page = client.get(f"/ogc/collections/{layer}/items?limit=10000").get_json()
        assert page["features"], layer
        allowed = {s.name for s in get_layer(layer).public_fields}
        for feature in page["features"]:
            assert not (set(feature["properties"]) - allowed) & personal, layer


def test_an_admin_reads_every_household(app, client, login):
    login("admin")
    everything = all_housing(app)
    page = client.get("/ogc/collections/housing/items?limit=10000").get_json()
    assert ids(page) == [fid for fid, _ in everything]
    assert page["numberMatched"] == len(everything) > 0
    assert all(PERSONAL & set(f["properties"]) for f in page["features"])
    assert personal_reads(app)[-1].detail["count"] == len(everything)


def test_a_reader_of_one_commune_reads_its_households_with_personal_fields(app, client, login):
    everything = all_housing(app)
    commune = everything[0][1]
    own = [fid for fid, code in everything if code == commune]
    login("housing_editor", (commune,))
    before = len(personal_reads(app))
    response = client.get("/ogc/collections/housing/items?limit=10000")
    assert response.status_code == 200 and response.headers["Cache-Control"] == (
        "private, no-store")
    page = response.get_json()
    assert ids(page) == own and page["numberMatched"] == len(own)
    assert all(PERSONAL & set(f["properties"]) for f in page["features"])
    assert "housing" in [c["id"] for c in client.get("/ogc/collections").get_json()[
        "collections"]]
    one = client.get(f"/ogc/collections/housing/items/{own[0]}")
    assert one.status_code == 200 and PERSONAL & set(one.get_json()["properties"])
    events = personal_reads(app)[before:]
    assert [e.detail["what"] for e in events] == ["ogc-items", "ogc-item"]
    assert events[0].detail["feature_ids"] == own[:len(events[0].detail["feature_ids"])]
    assert events[0].detail["count"] == len(own) and events[1].detail["feature_ids"] == [own[0]]
    assert {e.actor for e in events} == {f"housing_editor-{commune}"}


def test_a_reader_of_another_commune_reads_none_of_them(app, client, login):
    everything = all_housing(app)
    first = everything[0][1]
    other = next((fid, code) for fid, code in everything if code != first)
    theirs = [fid for fid, code in everything if code == first]
    login("housing_editor", (other[1],))
    before = len(personal_reads(app))
    page = client.get("/ogc/collections/housing/items?limit=10000").get_json()
    assert not set(ids(page)) & set(theirs) and other[0] in ids(page)
    missing = client.get(f"/ogc/collections/housing/items/{theirs[0]}")
    assert missing.status_code == 404 and set(missing.get_json()) == ERROR_KEYS
    events = personal_reads(app)[before:]
    assert [e.detail["what"] for e in events] == ["ogc-items"]
    assert not set(events[0].detail["feature_ids"]) & set(theirs)


def test_a_signed_in_reader_without_the_housing_role_gets_403(client, login):
    login("telecom_editor")
    assert client.get("/ogc/collections/housing/items").status_code == 403
    assert "housing" not in [c["id"] for c in client.get("/ogc/collections").get_json()[
        "collections"]]


@pytest.fixture
def bare_client(empty_db_url, tmp_path, boundaries):
    """A client of a store holding the derived boundaries and no record at all."""
    db = open_database(empty_db_url)
    bootstrap.prepare(db, seed=False, boundaries=boundaries)
    db.engine.dispose()
    application = create_app({"database_url": empty_db_url, "instance_path": tmp_path,
                              "auto_seed": False})
    application.config["TESTING"] = True
    yield application.test_client()
    application.extensions["portal_db"].engine.dispose()


def test_a_store_with_boundaries_only_answers_empty_pages_and_its_areas(bare_client):
    listed = [c["id"] for c in bare_client.get("/ogc/collections").get_json()["collections"]]
    assert listed == PUBLIC + BOUNDARIES
    for layer in PUBLIC:
        page = bare_client.get(f"/ogc/collections/{layer}/items").get_json()
        assert (page["numberMatched"], page["numberReturned"], page["features"]) == (0, 0, [])
    communes = bare_client.get("/api/areas?level=commune").get_json()["features"]
    page = bare_client.get("/ogc/collections/boundaries-commune/items?limit=1000").get_json()
    assert ids(page) == sorted(f["id"] for f in communes) and page["numberMatched"] == 65
    assert bare_client.get("/ogc/collections/housing/items").status_code == 403
    assert bare_client.get("/ogc/collections/signal/items/1").status_code == 404
