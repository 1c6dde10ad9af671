import logging
import re
import unicodedata

import pytest
from flask import jsonify, render_template_string
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from layers import CATALOGUE
from portal.cli.users import create_user_command
from portal.services.access import ROLES, can_edit, can_read_restricted, layers_edited_by
from portal.services.accounts import create_user, fold_username, set_password
from portal.services.passwords import check_password, hash_password
from portal.store.models import Area, Feature
from portal.store.users import LoginSession, User
from portal.web.auth import require_roles
from portal.web.database import get_database

PASSWORD = "núi Mẫu Sơn 1541m"


@pytest.fixture
def auth_app(app):
    """The portal with two guarded test views."""
    @require_roles("admin")
    def admin_only():
        return jsonify(ok=True)

    @require_roles("planner")
    def planners_page():
        return "planners only"

    app.add_url_rule("/api/test-admin-only", "test_admin_only", admin_only)
    app.add_url_rule("/test-admin-page", "test_admin_page", admin_only)
    app.add_url_rule("/test-planners", "test_planners", planners_page)
    # What a page's <meta name="csrf-token"> gives its fetch() calls.
    app.add_url_rule(
        "/test-token", "test_token", lambda: render_template_string("{{ csrf_token() }}")
    )
    return app


@pytest.fixture
def client(auth_app):
    return auth_app.test_client()


@pytest.fixture
def runner(auth_app):
    return auth_app.test_cli_runner()


def make_user(app, name, role, areas=(), password=PASSWORD):
    with get_database(app).transaction() as session:
        return create_user(session, name, password, role, areas=areas)


def stored_user(app, name):
    with get_database(app).sessions() as session:
        return session.scalar(select(User).where(User.username_key == fold_username(name)))


def csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(client, name, password=PASSWORD, path="/login?lang=en", token=None):
    token = token or csrf_token(client)
    return client.post(path, data={"username": name, "password": password, "csrf_token": token})


def signed_in_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


# --- create-user ---------------------------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin_and_stores_only_its_scrypt_hash(
    auth_app, runner
):
    result = runner.invoke(
        create_user_command,
        ["Lan.Nguyen", "--role", "telecom_editor", "--area", "06400"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Lan.Nguyen" in result.output and "telecom_editor" in result.output
    user = stored_user(auth_app, "lan.nguyen")
    assert user.role == "telecom_editor" and user.areas == ["06400"] and user.active
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_user_accepts_a_pre_2025_district_as_area(auth_app, runner):
    result = runner.invoke(
        create_user_command, ["huu.lung", "--role", "planner", "--area", "186"], input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert stored_user(auth_app, "huu.lung").areas == ["186"]


def test_create_user_refuses_an_unknown_role(auth_app, runner):
    result = runner.invoke(create_user_command, ["lan", "--role", "boss"], input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "boss" in result.output and "viewer" in result.output
    assert stored_user(auth_app, "lan") is None


def test_create_user_refuses_an_unknown_area_and_a_pre_2025_commune(auth_app, runner):
    with get_database(auth_app).sessions() as session:
        legacy = session.scalar(
            select(Area.code)
            .where(Area.level == "legacy_commune")
            .where(Area.code.not_in(select(Area.code).where(Area.level == "commune")))
        )
    for code in ("99999", legacy):
        result = runner.invoke(
            create_user_command, ["lan", "--role", "viewer", "--area", code], input=PASSWORD
        )
        assert result.exit_code != 0
        assert "Unknown area code" in result.output and code in result.output
    assert stored_user(auth_app, "lan") is None


def test_create_user_refuses_a_password_shorter_than_ten_characters(auth_app, runner):
    result = runner.invoke(create_user_command, ["lan", "--role", "viewer"], input="short123\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert stored_user(auth_app, "lan") is None


def test_create_user_refuses_a_name_taken_in_another_case_or_normalisation(auth_app, runner):
    make_user(auth_app, "Đinh.Lập", "viewer")
    same = unicodedata.normalize("NFD", "ĐINH.LẬP")  # other case, decomposed accents
    result = runner.invoke(create_user_command, [same, "--role", "viewer"], input=PASSWORD)
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_an_admin_account_cannot_be_limited_to_an_area(auth_app, runner):
    result = runner.invoke(
        create_user_command, ["root", "--role", "admin", "--area", "06400"], input=PASSWORD
    )
    assert result.exit_code != 0
    assert "whole province" in result.output


# --- signing in and out ----------------------------------------------------------------------


def test_signing_in_with_the_right_password_starts_a_session_and_goes_to_next(auth_app, client):
    user = make_user(auth_app, "lan", "planner")
    response = sign_in(client, "LAN", path="/login?next=/planning%3Flayer%3Dsignal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/planning?layer=signal"
    assert signed_in_user_id(client).startswith(f"{user.id}:")
    assert client.get("/test-planners").get_data(as_text=True) == "planners only"
    assert stored_user(auth_app, "lan").last_login_at is not None


def test_the_session_cookie_is_httponly_and_samesite_lax(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    cookie = sign_in(client, "lan").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_and_an_unknown_user_get_the_same_message_and_no_session(
    auth_app, client
):
    make_user(auth_app, "lan", "viewer")
    wrong_password = sign_in(client, "lan", password="not the password")
    unknown_user = sign_in(client, "nobody")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert signed_in_user_id(client) is None


def test_an_inactive_account_cannot_sign_in(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    with get_database(auth_app).transaction() as session:
        session.scalar(select(User).where(User.username == "lan")).active = False
    assert sign_in(client, "lan").status_code == 200
    assert signed_in_user_id(client) is None


def test_a_login_post_without_csrf_token_is_refused_with_400_and_no_session(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    response = client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    response = client.post(
        "/login", data={"username": "lan", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert signed_in_user_id(client) is None


def test_the_sixth_quick_failed_sign_in_is_refused_with_429(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    token = csrf_token(client)
    for _ in range(5):
        assert sign_in(client, "lan", password="guess number x", token=token).status_code == 200
    refused = sign_in(client, "lan", token=token)  # even the right password now
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert "Retry-After" in refused.headers
    assert signed_in_user_id(client) is None
    # The limit is per address and username: another account from here may still try.
    make_user(auth_app, "minh", "viewer")
    assert sign_in(client, "minh", token=token).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
    ],
)
def test_next_never_redirects_to_another_site(auth_app, client, target):
    make_user(auth_app, "lan", "viewer")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "lan", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signing_out_takes_a_post_with_the_csrf_header_and_ends_the_session(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    sign_in(client, "lan")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in_user_id(client) is not None
    token = client.get("/test-token").get_data(as_text=True)
    response = client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_a_session_cookie_copied_before_sign_out_no_longer_signs_in(auth_app, client):
    make_user(auth_app, "lan", "planner")
    sign_in(client, "lan")
    cookie = client.get_cookie("session").value
    thief = auth_app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/test-planners").status_code == 200
    token = client.get("/test-token").get_data(as_text=True)
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    response = thief.get("/test-planners")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert thief.get("/api/test-admin-only").status_code == 401
    with get_database(auth_app).sessions() as session:
        revoked = session.scalars(select(LoginSession.revoked_at)).all()
    assert len(revoked) == 1 and revoked[0] is not None


def test_a_cookie_without_a_server_side_sign_in_is_refused(auth_app, client):
    user = make_user(auth_app, "lan", "planner")
    sign_in(client, "lan")
    with client.session_transaction() as session:
        user_id, fingerprint, _token = session["_user_id"].split(":")
        session["_user_id"] = f"{user_id}:{fingerprint}:forged-{user.id}"
    assert client.get("/test-planners").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{fingerprint}"  # the form before sign-ins were kept
    assert client.get("/test-planners").status_code == 302


def test_changing_the_password_ends_sessions_opened_with_the_old_one(auth_app, client):
    make_user(auth_app, "lan", "planner")
    sign_in(client, "lan")
    assert client.get("/test-planners").status_code == 200
    with get_database(auth_app).transaction() as session:
        set_password(session.scalar(select(User).where(User.username == "lan")), "a new one 2025")
    assert client.get("/test-planners").status_code == 302


def test_sign_in_is_logged_without_the_password(auth_app, client, caplog):
    make_user(auth_app, "lan", "viewer")
    with caplog.at_level(logging.INFO, logger="portal.views.auth"):
        sign_in(client, "lan", password="wrong but secret")
        sign_in(client, "lan")
    assert "Sign-in failed: 'lan'" in caplog.text and "Sign-in: 'lan'" in caplog.text
    assert "wrong but secret" not in caplog.text and PASSWORD not in caplog.text


# --- guarded views ----------------------------------------------------------------------


def test_a_guarded_api_view_answers_anonymous_callers_401_in_the_json_error_shape(client):
    response = client.get("/api/test-admin-only")
    assert response.status_code == 401
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 401 and body["errors"] == []
    assert body["error"]


def test_a_guarded_page_sends_anonymous_visitors_to_login_with_next(client):
    response = client.get("/test-admin-page?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/test-admin-page?x%3D1"


def test_a_guarded_view_answers_a_viewer_403(auth_app, client):
    make_user(auth_app, "lan", "viewer")
    sign_in(client, "lan")
    assert client.get("/test-admin-page").status_code == 403
    response = client.get("/api/test-admin-only")
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


def test_an_admin_passes_every_guarded_view(auth_app, client):
    make_user(auth_app, "root", "admin")
    sign_in(client, "root")
    assert client.get("/api/test-admin-only").get_json() == {"ok": True}
    assert client.get("/test-planners").status_code == 200


# --- roles ---------------------------------------------------------------------------------------


def account(role, areas=(), active=True):
    return User(username="x", username_key="x", role=role, areas=list(areas), active=active)


EDITED = {
    "industry_editor": {"industry"},
    "border_editor": {"border"},
    "tourism_editor": {"geopark"},
    "telecom_editor": {"signal"},
    "housing_editor": {"housing"},
    "viewer": set(),
    "planner": {"industry", "border", "geopark", "signal", "housing", "transport"},
    "admin": {"industry", "border", "geopark", "signal", "housing", "transport"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_edits_exactly_its_layers(role):
    assert layers_edited_by(role) == EDITED[role]
    for layer in CATALOGUE:
        assert can_edit(account(role), layer.id, "06400", "186") == (layer.id in EDITED[role])


def test_every_layer_names_a_known_editor_role():
    assert {layer.editor_role for layer in CATALOGUE} <= set(ROLES)


def test_a_commune_telecom_editor_edits_signal_records_of_that_commune_only():
    editor = account("telecom_editor", ["06400"])
    assert can_edit(editor, "signal", "06400", "186")
    assert not can_edit(editor, "signal", "06463", "187")
    assert not can_edit(editor, "housing", "06400", "186")
    assert not can_edit(editor, "signal", None, None)


def test_a_district_scoped_user_edits_stored_records_of_that_district_only(auth_app):
    with get_database(auth_app).sessions() as session:
        records = session.execute(
            select(Feature.layer_id, Feature.commune_code, Feature.district_code)
        ).all()
    planner = account("planner", ["186"])
    inside = [r for r in records if r.district_code == "186"]
    outside = [r for r in records if r.district_code != "186"]
    assert inside and outside
    assert all(can_edit(planner, *r) for r in inside)
    assert not any(can_edit(planner, *r) for r in outside)


def test_anonymous_and_inactive_users_edit_and_read_nothing(auth_app):
    for user in (None, AnonymousUserMixin(), account("admin", active=False)):
        assert not can_edit(user, "signal", "06400", "186")
        assert not can_read_restricted(user, "housing", ["06400", "186"])


def test_restricted_housing_fields_reach_only_roles_and_areas_that_may_see_them():
    record = ["06400", "186"]
    assert can_read_restricted(account("admin"), "housing", record)
    assert can_read_restricted(account("housing_editor", ["06400"]), "housing", record)
    assert can_read_restricted(account("viewer", ["186"]), "housing", record)
    assert can_read_restricted(account("planner"), "housing", record)
    assert not can_read_restricted(account("housing_editor", ["06463"]), "housing", record)
    assert not can_read_restricted(account("telecom_editor"), "housing", record)
    assert not can_read_restricted(account("viewer", ["187"]), "housing", [None, None])


def test_password_hashes_read_both_ways_with_werkzeug():
    # Hashes stored before the services stopped using werkzeug must still sign in, and back.
    stored_by_werkzeug = generate_password_hash(PASSWORD, method="scrypt")
    assert check_password(stored_by_werkzeug, PASSWORD) is True
    assert check_password(stored_by_werkzeug, PASSWORD + "x") is False
    ours = hash_password(PASSWORD)
    assert check_password_hash(ours, PASSWORD) is True
    assert check_password_hash(ours, "sai mật khẩu") is False
    assert check_password(generate_password_hash(PASSWORD, method="pbkdf2"), PASSWORD) is False
