import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

import shapely
from shapely.geometry import mapping

from portal.services import audit
from portal.services.accounts import create_user, fold_username
from portal.services.revert import RevertRefused, revert
from portal.store.models import AuditEvent, Feature, FeatureState
from portal.store.users import User
from portal.web.database import get_database

PASSWORD = "đèo Mẫu Sơn 1541 m"
TODAY = dt.date.today()


def transaction(app):
    return get_database(app).transaction()


def a_signal_record(session, status="listed"):
    return session.scalars(
        select(Feature)
        .join(FeatureState, FeatureState.feature_id == Feature.id)
        .where(
            Feature.layer_id == "signal",
            FeatureState.valid_to.is_(None),
            FeatureState.status == status,
        )
        .order_by(Feature.id)
    ).first()


def open_state(session, feature_id):
    return session.scalar(
        select(FeatureState).where(
            FeatureState.feature_id == feature_id, FeatureState.valid_to.is_(None)
        )
    )


def change_status(app, status, actor="lan", done_status="listed"):
    """Edit a record's status the way the editor does: a new dated state and a status event."""
    with transaction(app) as session:
        feature = a_signal_record(session, done_status)
        current = open_state(session, feature.id)
        before = {"status": current.status, "progress": current.progress}
        current.valid_to = TODAY
        session.add(
            FeatureState(
                feature_id=feature.id, layer_id="signal", valid_from=TODAY, status=status,
                author=actor,
            )
        )
        event = audit.record(
            session, "status", actor=actor, feature=feature, reason="site visit",
            detail={"before": before, "after": {"status": status, "progress": None}},
        )
        return feature.id, event.id


def admin_user(app, name="root"):
    with transaction(app) as session:
        return session.scalar(select(User).where(User.username_key == fold_username(name)))


def events(app, **where):
    with get_database(app).sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return session.scalars(query).all()


# --- access -------------------------------------------------------------------------------------


def test_the_audit_page_sends_anonymous_users_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["planner", "viewer", "telecom_editor"])
def test_the_audit_page_and_accounts_are_forbidden_to_other_roles(client, login, role):
    login(role)
    for url in ("/admin/audit", "/admin/audit.csv", "/admin/users"):
        assert client.get(url).status_code == 403, url


def test_a_planner_cannot_revert_even_with_a_token(app, client, login):
    _, event_id = change_status(app, "site_agreed")
    token = login("planner")
    response = client.post(
        f"/admin/audit/{event_id}/revert", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 403
    assert events(app, action="revert") == []


# --- record -------------------------------------------------------------------------------------


def test_record_drops_passwords_keeps_a_failed_sign_in_username_and_copies_the_record(app):
    with transaction(app) as session:
        failed = audit.record(
            session, "login_failed", actor="Lan.Nguyen",
            detail={"username": "Lan.Nguyen", "password": PASSWORD, "form": {"password2": "y"}},
            ip="10.0.0.7",
        )
        feature = a_signal_record(session)
        edit = audit.record(session, "update", actor="lan", feature=feature, detail={})
        failed_id, edit_id = failed.id, edit.id
        record_id, commune = feature.record_id, feature.commune_code
    stored = {e.id: e for e in events(app)}
    assert stored[failed_id].actor == "Lan.Nguyen" and stored[failed_id].ip == "10.0.0.7"
    assert PASSWORD not in json.dumps(stored[failed_id].detail)
    assert stored[failed_id].detail == {"username": "Lan.Nguyen", "form": {}}
    assert stored[edit_id].layer_id == "signal" and stored[edit_id].record_id == record_id
    assert stored[edit_id].commune_code == commune


def test_record_refuses_an_unknown_action(app):
    with pytest.raises(ValueError), transaction(app) as session:
        audit.record(session, "drop_tables", actor="x")


def test_every_action_has_both_labels():
    # read_personal: reads of household records; raster_add, raster_withdraw; target_save,
    # target_value, targets_import; briefing_print.
    assert len(audit.ACTIONS) == 25
    for action in audit.ACTIONS:
        assert action.label("vi") and action.label("en") and action.label("vi") != action.id


# --- revert -------------------------------------------------------------------------------------


def test_reverting_a_status_change_adds_a_new_state_and_a_revert_event(app, client, login):
    feature_id, event_id = change_status(app, "site_agreed")
    token = login("admin", name="root")
    response = client.post(
        f"/admin/audit/{event_id}/revert",
        data={"csrf_token": token, "reason": "entered by mistake"},
    )
    assert response.status_code == 302
    with get_database(app).sessions() as session:
        history = session.scalars(
            select(FeatureState)
            .where(FeatureState.feature_id == feature_id)
            .order_by(FeatureState.valid_from, FeatureState.id)
        ).all()
        feature = session.get(Feature, feature_id)
        assert feature.version == 2
    current = [s for s in history if s.valid_to is None]
    assert len(current) == 1
    assert current[0].status == "listed" and current[0].valid_from == TODAY
    assert current[0].author == "root"
    # The edit is kept in history (closed the same day), never deleted.
    assert any(s.status == "site_agreed" and s.valid_to == TODAY for s in history)
    (revert_event,) = events(app, action="revert")
    assert revert_event.actor == "root" and revert_event.reason == "entered by mistake"
    assert revert_event.detail["reverted_event"] == event_id
    assert revert_event.feature_id == feature_id
    assert events(app, id=event_id)[0].reverted_by == revert_event.id


def test_reverting_twice_or_reverting_a_revert_is_refused_with_a_message(app, client, login):
    _, event_id = change_status(app, "site_agreed")
    token = login("admin", name="root")
    url = f"/admin/audit/{event_id}/revert"
    client.post(url, data={"csrf_token": token, "reason": "mistake"})
    page = client.post(
        url + "?lang=en", data={"csrf_token": token, "reason": "again"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "already reverted" in page
    (revert_event,) = events(app, action="revert")
    page = client.post(
        f"/admin/audit/{revert_event.id}/revert?lang=en",
        data={"csrf_token": token, "reason": "undo the undo"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "cannot itself be reverted" in page
    assert len(events(app, action="revert")) == 1


def test_a_revert_message_is_in_vietnamese_by_default(app):
    _, event_id = change_status(app, "site_agreed")
    with transaction(app) as session:
        sign_in = audit.record(session, "login_ok", actor="lan")
        sign_in_id = sign_in.id
    with pytest.raises(RevertRefused) as refused, transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
        revert(session, sign_in_id, session.scalar(select(User)), "x")
    assert "Không thể hoàn tác" in refused.value.message("vi")
    assert "cannot be reverted" in refused.value.message("en")


def test_a_revert_needs_a_reason_and_refuses_when_a_later_edit_exists(app):
    _, first = change_status(app, "site_agreed")
    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
    with pytest.raises(RevertRefused, match="reason"), transaction(app) as session:
        revert(session, first, admin_user(app), "  ")
    with transaction(app) as session:
        feature = session.get(Feature, events(app, id=first)[0].feature_id)
        audit.record(
            session, "status", actor="lan", feature=feature,
            detail={"before": {"status": "site_agreed"}, "after": {"status": "power"}},
        )
    with pytest.raises(RevertRefused, match="changed again"), transaction(app) as session:
        revert(session, first, admin_user(app), "mistake")


def test_reverting_an_update_restores_the_name_and_refuses_when_values_moved_on(app):
    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
        feature, other = a_signal_record(session), a_signal_record(session, "site_agreed")
        old_name = feature.name
        feature.name = "Bản Mới"
        renamed = audit.record(
            session, "update", actor="lan", feature=feature,
            detail={"before": {"name": old_name}, "after": {"name": "Bản Mới"}},
        )
        # An import has since set households to something else than this event's "after".
        stale = audit.record(
            session, "update", actor="lan", feature=other,
            detail={"before": {"attributes": {"households": 5}},
                    "after": {"attributes": {"households": 123456}}},
        )
        feature_id, renamed_id, stale_id = feature.id, renamed.id, stale.id
    with transaction(app) as session:
        revert(session, renamed_id, admin_user(app), "wrong village")
    with pytest.raises(RevertRefused, match="has changed since"), transaction(app) as session:
        revert(session, stale_id, admin_user(app), "typo")
    with get_database(app).sessions() as session:
        feature = session.get(Feature, feature_id)
        assert feature.name == old_name and feature.version == 2


def test_reverting_a_move_puts_the_record_back_in_its_area(app):
    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
        feature = a_signal_record(session)
        old = shapely.from_wkb(feature.geom)
        place = (feature.x, feature.y, feature.commune_code, feature.district_code)
        moved = shapely.Point(old.x + 0.3, old.y)
        feature.geom, feature.x = shapely.to_wkb(moved), moved.x
        feature.commune_code = "00000"
        event = audit.record(
            session, "move", actor="lan", feature=feature,
            detail={"before": {"geometry": mapping(old)}, "after": {"geometry": mapping(moved)}},
        )
        feature_id, event_id = feature.id, event.id
    with transaction(app) as session:
        revert(session, event_id, admin_user(app), "moved by mistake")
    with get_database(app).sessions() as session:
        feature = session.get(Feature, feature_id)
        assert (feature.x, feature.y, feature.commune_code, feature.district_code) == place
        assert feature.minx == feature.maxx == place[0]


def test_reverting_a_delete_restores_and_reverting_a_create_soft_deletes(app):
    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
        feature = a_signal_record(session)
        feature.deleted_at, feature.deleted_by = dt.datetime(2025, 10, 1), "lan"
        deleted = audit.record(session, "delete", actor="lan", feature=feature)
        other = a_signal_record(session, "site_agreed")
        created = audit.record(session, "create", actor="lan", feature=other)
        ids = feature.id, other.id, deleted.id, created.id
    with transaction(app) as session:
        revert(session, ids[2], admin_user(app), "deleted by mistake")
        revert(session, ids[3], admin_user(app), "duplicate record")
    with get_database(app).sessions() as session:
        restored, removed = session.get(Feature, ids[0]), session.get(Feature, ids[1])
        assert restored.deleted_at is None and open_state(session, ids[0]) is not None
        assert removed.deleted_at is not None and removed.deleted_by == "root"
        assert open_state(session, ids[1]) is None  # it stops counting from today


# --- the log page -------------------------------------------------------------------------------


@pytest.fixture
def logged(app):
    """Seven events of different actions, actors, layers, records and days."""
    rows = [
        ("login_ok", "lan", None, None, dt.datetime(2025, 9, 1, 8)),
        ("login_failed", "mallory", None, None, dt.datetime(2025, 9, 2, 8)),
        ("status", "lan", "signal", "SIG-0001", dt.datetime(2025, 9, 3, 8)),
        ("status", "hoa", "signal", "SIG-0002", dt.datetime(2025, 9, 10, 8)),
        ("update", "hoa", "industry", "IND-0001", dt.datetime(2025, 9, 11, 8)),
        ("import", "lan", "housing", None, dt.datetime(2025, 9, 12, 8)),
        ("export_restricted", "hoa", "housing", None, dt.datetime(2025, 10, 1, 8)),
    ]
    with transaction(app) as session:
        for action, actor, layer, record_id, at in rows:
            event = audit.record(session, action, actor=actor, layer_id=layer, ip="10.1.1.1")
            event.record_id, event.at = record_id, at
    return rows


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-event="(\d+)"', page)]


def test_the_audit_page_lists_newest_first_and_filters(client, login, logged):
    login("admin", name="root")
    page = client.get("/admin/audit?lang=en").get_data(as_text=True)
    ids = listed_ids(page)
    assert ids == sorted(ids, reverse=True) and len(ids) >= len(logged)

    def actions(query):
        page = client.get("/admin/audit?" + query).get_data(as_text=True)
        return re.findall(r'data-action="([a-z_]+)"', page)

    assert actions("action=status") == ["status", "status"]
    assert actions("actor=HOA") == ["export_restricted", "update", "status"]
    assert actions("layer=housing") == ["export_restricted", "import"]
    assert actions("q=sig-0001") == ["status"]
    assert actions("from=2025-09-02&to=2025-09-10") == ["status", "status", "login_failed"]
    assert actions("actor=hoa&from=2025-09-11") == ["export_restricted", "update"]


def test_the_audit_page_paginates(app, client, login):
    with transaction(app) as session:
        for i in range(120):
            audit.record(session, "login_failed", actor=f"guess{i}")
    login("admin", name="root")
    first = listed_ids(client.get("/admin/audit?action=login_failed").get_data(as_text=True))
    third = listed_ids(
        client.get("/admin/audit?action=login_failed&page=3").get_data(as_text=True)
    )
    assert len(first) == 50 and len(third) == 20 and max(third) < min(first)


def test_the_csv_export_holds_the_filtered_log(client, login, logged):
    login("admin", name="root")
    response = client.get("/admin/audit.csv?layer=housing&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = response.data.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("id,at,actor,action")
    assert len(lines) == 3
    assert "export_restricted" in lines[1] and "Restricted data exported" in lines[1]


def test_only_revertible_events_get_a_revert_button(app, client, login, logged):
    login("admin", name="root")
    page = client.get("/admin/audit").get_data(as_text=True)
    rows = re.findall(r'<tr data-event="\d+" data-action="([a-z_]+)">(.*?)</tr>', page, re.S)
    for action, row in rows:
        assert ("data-revert-form" in row) == (action in audit.REVERTIBLE), action


# --- accounts -----------------------------------------------------------------------------------


def new_account_form(token, **changes):
    data = {
        "csrf_token": token,
        "username": "thu.ha",
        "display_name": "Thu Hà",
        "role": "telecom_editor",
        "areas": ["06400"],
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_creates_an_account_through_the_form(app, client, login):
    token = login("admin", name="root")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'value="06400"' in page and 'value="telecom_editor"' in page
    response = client.post("/admin/users", data=new_account_form(token))
    assert response.status_code == 302
    with get_database(app).sessions() as session:
        user = session.scalar(select(User).where(User.username_key == "thu.ha"))
    assert user.role == "telecom_editor" and user.areas == ["06400"] and user.active
    assert user.password_hash.startswith("scrypt:")
    (created,) = events(app, action="user_create")
    assert created.actor == "root" and created.detail["username"] == "thu.ha"
    for event in events(app):
        assert PASSWORD not in json.dumps(event.detail, ensure_ascii=False)
    assert "thu.ha" in client.get("/admin/users").get_data(as_text=True)


def test_creating_an_account_without_the_csrf_token_is_refused(app, client, login):
    login("admin", name="root")
    response = client.post("/admin/users", data=new_account_form(None, csrf_token=None))
    assert response.status_code == 400
    with get_database(app).sessions() as session:
        assert session.scalar(select(User).where(User.username_key == "thu.ha")) is None
    assert events(app, action="user_create") == []


@pytest.mark.parametrize(
    "changes",
    [
        {"password_again": "something else entirely"},
        {"password": "short", "password_again": "short"},
        {"areas": ["99999"]},
        {"role": "boss"},
        {"role": "admin"},  # with an area
        {"username": "root"},  # taken
    ],
)
def test_a_bad_account_form_is_shown_again_and_creates_nothing(app, client, login, changes):
    token = login("admin", name="root")
    response = client.post("/admin/users", data=new_account_form(token, **changes))
    assert response.status_code == 400
    assert 'invalid-feedback' in response.get_data(as_text=True)
    assert events(app, action="user_create") == []
    with get_database(app).sessions() as session:
        assert len(session.scalars(select(User)).all()) == 1


def test_deactivating_and_changing_an_account_are_logged(app, client, login):
    with transaction(app) as session:
        lan = create_user(session, "lan", PASSWORD, "viewer")
        lan_id = lan.id
    token = login("admin", name="root")
    client.post(f"/admin/users/{lan_id}/active", data={"csrf_token": token, "active": "0"})
    client.post(
        f"/admin/users/{lan_id}",
        data={"csrf_token": token, "role": "planner", "areas": ["186"]},
    )
    with get_database(app).sessions() as session:
        lan = session.get(User, lan_id)
        assert not lan.active and lan.role == "planner" and lan.areas == ["186"]
    (deactivated,) = events(app, action="user_deactivate")
    assert deactivated.detail["after"]["active"] is False
    (updated,) = events(app, action="user_update")
    assert updated.detail["before"]["role"] == "viewer"
    assert updated.detail["after"] == {**updated.detail["before"], "role": "planner",
                                       "areas": ["186"]}


def test_an_admin_cannot_lock_the_portal_out(app, client, login):
    token = login("admin", name="root")
    root = admin_user(app)
    client.post(f"/admin/users/{root.id}/active", data={"csrf_token": token, "active": "0"})
    response = client.post(
        f"/admin/users/{root.id}", data={"csrf_token": token, "role": "viewer"}
    )
    assert response.status_code == 400
    root = admin_user(app)
    assert root.active and root.role == "admin"
    assert events(app, action="user_deactivate") == []


# --- reverting what the editor wrote ------------------------------------------------------------


def effective(session, feature_id):
    from portal.services.editing.values import effective_attributes

    feature = session.get(Feature, feature_id)
    return effective_attributes(feature, open_state(session, feature_id))


def test_edits_made_by_the_editor_revert_to_what_was_there(app):
    from portal.services.editing import records as editing

    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
    with transaction(app) as session:
        root = admin_user(app)
        feature = a_signal_record(session)
        fid, version = feature.id, feature.version
        before = effective(session, fid)
        editing.change_status(session, fid, version, "site_agreed", None, None,
                              {"operator": "viettel"}, root, "survey")
        editing.update_feature(session, fid, version + 1,
                               {"name": "Bản Mới", "attributes": {"households": 77}}, root, "fix")
    status_event, update_event = events(app, feature_id=fid)[-2:]
    assert (status_event.action, update_event.action) == ("status", "update")
    with transaction(app) as session:
        revert(session, update_event.id, admin_user(app), "wrong household count")
    with transaction(app) as session:
        revert(session, status_event.id, admin_user(app), "survey not done")
    with get_database(app).sessions() as session:
        feature = session.get(Feature, fid)
        assert feature.name != "Bản Mới" and feature.version == version + 4
        assert effective(session, fid) == before
        assert open_state(session, fid).status == "listed"


def test_a_delete_and_a_create_made_by_the_editor_revert(app):
    from portal.services.editing import records as editing

    with transaction(app) as session:
        create_user(session, "root", PASSWORD, "admin")
    with transaction(app) as session:
        root = admin_user(app)
        feature = a_signal_record(session)
        fid = feature.id
        editing.delete_feature(session, fid, feature.version, root, "duplicate")
        created = editing.create_feature(
            session, "signal", shapely.Point(feature.x, feature.y),
            {"village": "Bản Thử", "commune_name": "x"}, None, root, "new village",
        )
        new_id = created.id
    (deleted,) = events(app, feature_id=fid, action="delete")
    (create,) = events(app, feature_id=new_id, action="create")
    with transaction(app) as session:
        revert(session, deleted.id, admin_user(app), "not a duplicate")
        revert(session, create.id, admin_user(app), "test record")
    with get_database(app).sessions() as session:
        assert session.get(Feature, fid).deleted_at is None
        assert open_state(session, fid).status == "listed"
        assert session.get(Feature, new_id).deleted_at is not None
        assert open_state(session, new_id) is None
