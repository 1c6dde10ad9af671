"""Personal API tokens: issued by an administrator, shown once, stored as hashes, read-only.

A housing editor of one commune reads the households of that commune with ``Authorization:
Bearer``, as a GIS client would; every other answer (another commune's household, a revoked or
expired token, a garbled header, a write) is refused in the API's error shape.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re

import pytest
from sqlalchemy import inspect, select, text, update

import shapely

from portal.cli.tokens import issue_token_command, revoke_token_command
from portal.services.accounts import create_user
from portal.store import loader
from portal.store.api_tokens import ApiToken
from portal.store.models import Area, AuditEvent, Feature, FeatureState
from portal.web.database import get_database

AS_OF = dt.date(2025, 11, 30)
PASSWORD = "correct horse battery staple"
HOUSEHOLDS = {
    "A": ("NT-A-0007", "Nhà ở hộ thôn Khuổi Phầy số 07", "Hoàng Văn Thắng", "0912345678"),
    "B": ("NT-B-0015", "Nhà ở hộ thôn Nà Lừa số 15", "Lý Thị Mai", "0987654321"),
}


def _household(key: str, area: Area) -> loader.RecordRow:
    record_id, name, beneficiary, phone = HOUSEHOLDS[key]
    attributes = {"beneficiary": beneficiary, "phone": phone, "village": "Khuổi Phầy",
                  "household_size": 5, "commune_name": area.name, "category": "poor",
                  "work": "new_build", "funds_million_vnd": 60.0}
    return loader.RecordRow(
        layer_id="housing", record_id=record_id, name=name, attributes=attributes,
        geometry=shapely.Point(area.label_lon, area.label_lat),
        history=[loader.StateRow(date=dt.date(2025, 3, 10), status="approved",
                                 attributes=attributes)],
    )


@pytest.fixture
def place(app):
    """Households A and B in the first and last commune; their ids and communes."""
    with get_database(app).transaction() as session:
        communes = list(session.scalars(
            select(Area).where(Area.level == "commune").order_by(Area.code)))
        loader.write_records(session, [_household("A", communes[0]),
                                       _household("B", communes[-1])])
        rows = {f.record_id: f for f in session.scalars(
            select(Feature).where(Feature.record_id.in_(["NT-A-0007", "NT-B-0015"])))}
        return {"A": rows["NT-A-0007"].id, "B": rows["NT-B-0015"].id,
                "commune_A": rows["NT-A-0007"].commune_code}


def _households_of(app, commune: str) -> list[int]:
    with get_database(app).sessions() as session:
        return list(session.scalars(
            select(Feature.id).join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "housing", Feature.commune_code == commune,
                   FeatureState.valid_from <= AS_OF,
                   FeatureState.valid_to.is_(None) | (FeatureState.valid_to > AS_OF))
            .order_by(Feature.id)))


def _account(app, name: str, role: str, areas: tuple[str, ...] = ()) -> None:
    with get_database(app).transaction() as session:
        create_user(session, name, PASSWORD, role, areas=areas)


def _issue(runner, name: str, *args: str) -> str:
    result = runner.invoke(issue_token_command, [name, *args])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert re.fullmatch(r"lsp_[A-Za-z0-9_-]{43}", token), result.output
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused(answer, status: int = 401) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    body = answer.get_json()
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert body["errors"] == []
    return body


@pytest.fixture
def editor_a(app, runner, place):
    """A token of the housing editor of commune A (issued by the CLI)."""
    _account(app, "nhaotam-xa-a", "housing_editor", (place["commune_A"],))
    return _issue(runner, "nhaotam-xa-a", "--name", "QGIS phòng LĐTBXH", "--days", "30")


def test_the_token_reads_exactly_the_households_of_its_commune_and_the_read_is_audited(
        app, client, editor_a, place):
    expected = _households_of(app, place["commune_A"])
    assert place["A"] in expected and place["B"] not in expected
    answer = client.get("/api/layers/housing/features", headers=_bearer(editor_a))
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "private, no-store"
    body = answer.get_json()
    assert sorted(f["id"] for f in body["features"]) == expected
    mine = next(f for f in body["features"] if f["id"] == place["A"])
    assert mine["properties"]["beneficiary"] == "Hoàng Văn Thắng"
    assert "Lý Thị Mai" not in answer.get_data(as_text=True)
    with get_database(app).sessions() as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal")).all()
        used, token_id = session.execute(select(ApiToken.last_used_at, ApiToken.id)).one()
    assert [(e.actor, e.detail["what"], e.detail["feature_ids"], e.detail["api_access"])
            for e in reads] == [("nhaotam-xa-a", "features", expected, token_id)]
    assert used is not None

    other = client.get(f"/api/layers/housing/features/{place['B']}", headers=_bearer(editor_a))
    _refused(other, 403)
    assert "Lý Thị Mai" not in other.get_data(as_text=True)
    own = client.get(f"/api/layers/housing/features/{place['A']}", headers=_bearer(editor_a))
    assert own.status_code == 200 and own.get_json()["properties"]["phone"] == "0912345678"



def test_gis_clients_read_the_ogc_households_collection_with_the_token(app, client, editor_a,
                                                                      place):
    expected = _households_of(app, place["commune_A"])
    anonymous = client.get("/ogc/collections/housing/items?limit=1000")
    assert anonymous.status_code == 403
    answer = client.get("/ogc/collections/housing/items?limit=1000", headers=_bearer(editor_a))
    assert answer.status_code == 200, answer.get_json()
    assert sorted(f["id"] for f in answer.get_json()["features"]) == expected
    listed = client.get("/ogc/collections", headers=_bearer(editor_a)).get_json()
    assert "housing" in [c["id"] for c in listed["collections"]]
    with get_database(app).sessions() as session:
        token_id = session.scalar(select(ApiToken.id))
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal")).all()  # fmt: skip
    assert [(e.actor, e.detail["what"], e.detail["feature_ids"], e.detail["api_access"])
            for e in reads] == [("nhaotam-xa-a", "ogc-items", expected, token_id)]


def test_a_revoked_token_answers_401(app, client, runner, editor_a):
    assert client.get("/api/layers/housing/features", headers=_bearer(editor_a)).status_code == 200
    with get_database(app).sessions() as session:
        token_id = session.scalar(select(ApiToken.id))
    result = runner.invoke(revoke_token_command, [str(token_id)])
    assert result.exit_code == 0 and f"#{token_id} revoked" in result.output
    answer = client.get("/api/layers/housing/features", headers=_bearer(editor_a))
    _refused(answer)
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # Even a public address: a presented token that does not work is never ignored.
    _refused(client.get("/api/layers", headers=_bearer(editor_a)))
    with get_database(app).sessions() as session:
        logged = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "user_update")).all()
    assert [d["api_access"]["change"] for d in logged] == ["issued", "revoked"]


def test_an_expired_token_and_one_of_a_deactivated_account_answer_401(app, client, runner,
                                                                       editor_a):
    with get_database(app).transaction() as session:
        session.execute(update(ApiToken).values(
            expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)))
    _refused(client.get("/api/layers/housing/features", headers=_bearer(editor_a)))

    _account(app, "xem-huyen", "viewer")
    token = _issue(runner, "xem-huyen")
    assert client.get("/api/progress?layer=housing", headers=_bearer(token)).status_code == 200
    with get_database(app).transaction() as session:
        session.execute(text("UPDATE users SET active = :f WHERE username = 'xem-huyen'"),
                        {"f": False})
    _refused(client.get("/api/progress?layer=housing", headers=_bearer(token)))


def test_a_token_of_a_narrower_role_cannot_do_what_the_role_cannot(app, client, runner, place):
    _account(app, "vienthong", "telecom_editor", (place["commune_A"],))
    token = _issue(runner, "vienthong")
    _refused(client.get("/api/layers/housing/features", headers=_bearer(token)), 403)
    _refused(client.get(f"/api/layers/housing/features/{place['A']}", headers=_bearer(token)),
             403)
    # Its own layer it reads; it never writes, even with a CSRF token of an anonymous session.
    assert client.get("/api/edit/config", headers=_bearer(token)).status_code == 200
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    created = client.post("/api/layers/signal/features",
                          headers={**_bearer(token), "X-CSRFToken": csrf},
                          json={"properties": {"name": "Trạm BTS Khuổi Phầy"},
                                "geometry": {"type": "Point", "coordinates": [106.7, 21.9]}})
    _refused(created, 403)
    with get_database(app).sessions() as session:
        assert session.scalar(select(Feature.id).where(
            Feature.name == "Trạm BTS Khuổi Phầy")) is None


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "bearer lsp_short", "Bearer lsp_" + "é" * 43, "Bearer " + "x" * 5000,
    "BEARER lsp_" + "A" * 43, "Bearer lsp_" + "A" * 43 + " extra",
])
def test_a_garbled_or_unknown_bearer_header_answers_401_not_500(client, header):
    _refused(client.get("/api/layers", headers={"Authorization": header.encode().decode(
        "latin-1")}))
    _refused(client.get("/tiles/signal/0/0/0.mvt", headers={"Authorization": header.encode()
                                                             .decode("latin-1")}))


def test_another_scheme_is_left_to_whoever_sent_it(client):
    # A reverse proxy's Basic authentication reaches the portal too: not the portal's business.
    answer = client.get("/api/layers", headers={"Authorization": "Basic bGFuOnB3"})
    assert answer.status_code == 200


def test_the_token_is_stored_as_its_hash_and_never_logged(app, client, runner, place, caplog):
    caplog.set_level(logging.DEBUG)
    _account(app, "nhaotam-xa-a", "housing_editor", (place["commune_A"],))
    token = _issue(runner, "nhaotam-xa-a")
    client.get("/api/layers/housing/features", headers=_bearer(token))
    client.get("/api/layers/housing/features", headers=_bearer(token + "x"))
    assert token not in caplog.text and token[4:20] not in caplog.text
    engine = get_database(app).engine
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT token_hash FROM api_tokens"))
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(token[4:] in str(value) for value in row), table
    assert stored == hashlib.sha256(token.encode()).hexdigest()


def _csrf(page: str) -> str:
    return re.search(r'data-token-form[^>]*>\s*<input id="token-csrf_token" '
                     r'name="token-csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_admin_page_issues_a_token_once_and_revokes_it(app, client, login, place):
    _account(app, "nhaotam-xa-a", "housing_editor", (place["commune_A"],))
    login("admin", name="quantri")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="api-tokens"' in page and "Chưa cấp khóa API nào." in page
    # Two forms on one page: no field id twice (labels, tests and screen readers find theirs).
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == [] and "token-username" in ids
    refused = client.post("/admin/tokens", data={"token-username": "nhaotam-xa-a",
                                                 "token-days": "7"})
    assert refused.status_code == 400  # no CSRF token
    answer = client.post("/admin/tokens", data={
        "token-username": "nhaotam-xa-a", "token-name": "QGIS", "token-days": "7",
        "token-csrf_token": _csrf(page)})
    assert answer.status_code == 201 and "no-store" in answer.headers["Cache-Control"]
    shown = answer.get_data(as_text=True)
    token = re.search(r"data-token-value>(lsp_[A-Za-z0-9_-]{43})<", shown).group(1)
    assert shown.count(token) == 1
    assert token not in client.get("/admin/users").get_data(as_text=True)
    assert token not in client.get("/admin/audit").get_data(as_text=True)
    reader = app.test_client()
    assert reader.get("/api/layers/housing/features", headers=_bearer(token)).status_code == 200

    with get_database(app).sessions() as session:
        row = session.scalar(select(ApiToken))
    assert row.name == "QGIS" and row.created_by == "quantri"
    assert row.expires_at - row.created_at == dt.timedelta(days=7)
    page = client.get("/admin/users").get_data(as_text=True)
    form = re.search(rf'action="/admin/tokens/{row.id}/revoke"[^>]*>\s*<input type="hidden" '
                     r'name="csrf_token" value="([^"]+)"', page)
    assert form, "the revoke form carries a CSRF token"
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 400
    revoked = client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": form.group(1)})
    assert revoked.status_code == 302
    _refused(reader.get("/api/layers/housing/features", headers=_bearer(token)))


def test_the_admin_page_refuses_a_bad_form_with_400(app, client, login):
    login("admin", name="quantri")
    page = client.get("/admin/users").get_data(as_text=True)
    answer = client.post("/admin/tokens", data={
        "token-username": "quantri", "token-days": "99999", "token-csrf_token": _csrf(page)})
    assert answer.status_code == 400
    with get_database(app).sessions() as session:
        assert session.scalar(select(ApiToken.id)) is None


def test_an_editor_gets_403_from_the_token_pages(app, client, login):
    _account(app, "nhaotam-xa-a", "housing_editor")
    csrf = login("housing_editor", name="bientap")
    assert client.get("/admin/users").status_code == 403
    answer = client.post("/admin/tokens", headers={"X-CSRFToken": csrf},
                         data={"token-username": "nhaotam-xa-a", "token-days": "7"})
    assert answer.status_code == 403
    with get_database(app).sessions() as session:
        assert session.scalar(select(ApiToken.id)) is None
