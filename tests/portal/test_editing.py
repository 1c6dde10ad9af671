"""Editing records over the API: dated, attributed, reversible, never silently overwritten."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import struct
import time
import zlib
from contextlib import contextmanager

import pytest
from PIL import Image
from sqlalchemy import func, make_url, select

from portal.store.db import open_database
from portal.store.models import Area, AuditEvent, Feature, FeatureState, Photo
from portal.web.database import get_database

TODAY = dt.date.today()
GPS_IFD = 0x8825


# --- helpers -------------------------------------------------------------------------------------


def records(app, layer_id, status=None, commune=None):
    """Return live records of a layer as (id, commune, district, status), by id."""
    with get_database(app).sessions() as session:
        query = (
            select(Feature.id, Feature.commune_code, Feature.district_code, FeatureState.status)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == layer_id, FeatureState.valid_to.is_(None))
            .order_by(Feature.id)
        )
        if status:
            query = query.where(FeatureState.status == status)
        if commune:
            query = query.where(Feature.commune_code == commune)
        return session.execute(query).all()


def commune_point(app, code):
    with get_database(app).sessions() as session:
        area = session.scalar(select(Area).where(Area.level == "commune", Area.code == code))
        return [area.label_lon, area.label_lat]


def states_of(app, fid):
    with get_database(app).sessions() as session:
        return session.scalars(
            select(FeatureState).where(FeatureState.feature_id == fid)
            .order_by(FeatureState.valid_from, FeatureState.id)
        ).all()  # fmt: skip


def audit_of(app, fid):
    with get_database(app).sessions() as session:
        return session.scalars(
            select(AuditEvent).where(AuditEvent.feature_id == fid).order_by(AuditEvent.id)
        ).all()


def feature_row(app, fid):
    with get_database(app).sessions() as session:
        return session.get(Feature, fid)


def send(client, method, url, token, json=None, **kwargs):
    return client.open(url, method=method, json=json, headers={"X-CSRFToken": token}, **kwargs)


def get_record(client, fid, layer="signal"):
    response = client.get(f"/api/layers/{layer}/features/{fid}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def progress_row(client, layer, level, code, as_of):
    rows = client.get(f"/api/progress?layer={layer}&level={level}&as_of={as_of}").get_json()
    return next((r for r in rows if r["code"] == code), None)


def feature_ids(client, layer, as_of):
    body = client.get(f"/api/layers/{layer}/features?as_of={as_of}&limit=5000").get_json()
    return {f["id"] for f in body["features"]}


def image_bytes(fmt="PNG", size=(40, 30), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (21.0, 50.0, 30.0)
    gps[3] = "E"
    gps[4] = (106.0, 45.0, 10.0)
    return exif


def png_claiming(width, height):
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def upload(client, fid, token, content, name="photo.jpg", layer="signal"):
    # The body is built here: werkzeug's test client spools large bodies to a temporary file
    # that it never closes (a ResourceWarning, an error under filterwarnings=error).
    boundary = "portal-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n"
        "Trạm BTS\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        f"/api/layers/{layer}/features/{fid}/photos",
        data=body,
        headers={"X-CSRFToken": token},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# --- reading -------------------------------------------------------------------------------------


def test_a_record_is_read_with_its_version_and_public_fields_for_the_public(client):
    fid = records(client.application, "signal")[0].id
    body = get_record(client, fid)
    assert body["id"] == fid and body["version"] == 1 and body["deleted"] is False
    assert body["properties"]["status_label"] and body["properties"]["commune_name"]
    assert body["canEdit"] is False and body["restricted"] is False
    assert client.get(f"/api/layers/geopark/features/{fid}").status_code == 404


def test_household_records_reach_only_readers_of_their_area(client, login):
    app = client.application
    fid, commune, _district, _status = records(app, "housing")[0]
    assert client.get(f"/api/layers/housing/features/{fid}").status_code == 403
    login("housing_editor", (commune,))
    body = get_record(client, fid, "housing")
    assert body["restricted"] is True and body["properties"]["beneficiary"]
    assert body["canEdit"] is True


# --- round trips ---------------------------------------------------------------------------------


def test_create_move_status_delete_and_restore_round_trip(client, login):
    app = client.application
    token = login("telecom_editor", ("06400",))
    lon, lat = commune_point(app, "06400")
    created = send(client, "POST", "/api/layers/signal/features", token, {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"village": "Bản Thử Nghiệm", "households": "1.234", "operator": "Viettel"},
        "reason": "Khảo sát bổ sung",
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    fid = record["id"]
    assert record["version"] == 1 and record["properties"]["commune_code"] == "06400"
    assert record["properties"]["status"] == "listed"
    assert record["properties"]["households"] == 1234
    assert record["properties"]["operator"] == "viettel"
    assert record["properties"]["name"] == "Bản Thử Nghiệm"

    moved = send(client, "PATCH", f"/api/layers/signal/features/{fid}", token, {
        "version": 1, "geometry": {"type": "Point", "coordinates": [lon + 0.003, lat]},
        "reason": "Sai vị trí",
    })  # fmt: skip
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["version"] == 2
    assert moved.get_json()["geometry"]["coordinates"][0] == pytest.approx(lon + 0.003)

    status = send(client, "POST", f"/api/layers/signal/features/{fid}/status", token, {
        "version": 2, "status": "site_agreed", "reason": "Đã thống nhất với Viettel",
    })  # fmt: skip
    assert status.status_code == 200, status.get_json()
    assert status.get_json()["properties"]["status"] == "site_agreed"

    deleted = send(client, "DELETE", f"/api/layers/signal/features/{fid}", token,
                   {"version": 3, "reason": "Trùng bản ghi"})  # fmt: skip
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True
    assert fid not in feature_ids(client, "signal", TODAY.isoformat())

    restored = send(client, "POST", f"/api/layers/signal/features/{fid}/restore", token,
                    {"version": 4, "reason": "Xóa nhầm"})  # fmt: skip
    assert restored.status_code == 200, restored.get_json()
    body = restored.get_json()
    assert body["deleted"] is False and body["version"] == 5
    assert body["properties"]["status"] == "site_agreed"
    assert fid in feature_ids(client, "signal", TODAY.isoformat())

    actions = [(e.action, e.actor) for e in audit_of(app, fid)]
    assert actions == [(a, "telecom_editor-06400")
                       for a in ("create", "move", "status", "delete", "restore")]  # fmt: skip
    move = audit_of(app, fid)[1]
    assert move.reason == "Sai vị trí" and move.commune_code == "06400"
    assert move.detail["before"]["geometry"]["coordinates"][0] == pytest.approx(lon)
    assert move.detail["after"]["version"] == 2


def test_an_attribute_change_is_a_new_dated_state_and_the_old_value_stays_in_history(
    client, login
):
    app = client.application
    fid, commune, _d, status = records(app, "signal", status="power")[0]
    token = login("telecom_editor", (commune,))
    blocker = "terrain" if get_record(client, fid)["properties"]["blocker"] != "terrain" else "none"
    response = send(client, "PATCH", f"/api/layers/signal/features/{fid}", token, {
        "version": 1, "properties": {"households": 88, "blocker": blocker},
        "reason": "Số liệu thôn mới",
    })  # fmt: skip
    assert response.status_code == 200, response.get_json()
    states = states_of(app, fid)
    assert states[-1].attributes["households"] == 88 and states[-1].status == status
    assert states[-1].valid_from == TODAY and states[-1].author == "telecom_editor-" + commune
    assert states[-2].valid_to == TODAY and states[-2].attributes["households"] != 88
    event = audit_of(app, fid)[-1]
    assert event.action == "update"
    assert event.detail["after"]["attributes"] == {"households": 88, "blocker": blocker}
    assert event.detail["before"]["attributes"]["households"] == states[-2].attributes["households"]


# --- conflicts -----------------------------------------------------------------------------------


def test_a_stale_version_gets_409_with_both_versions_and_changes_nothing(client, login):
    app = client.application
    fid, commune, _d, status = records(app, "signal", status="site_agreed")[0]
    token = login("telecom_editor", (commune,))
    first = send(client, "POST", f"/api/layers/signal/features/{fid}/status", token,
                 {"version": 1, "status": "power", "reason": "Đã kéo điện"})  # fmt: skip
    assert first.status_code == 200
    before_states = [(s.id, s.valid_to, s.status) for s in states_of(app, fid)]
    stale = send(client, "PATCH", f"/api/layers/signal/features/{fid}", token,
                 {"version": 1, "properties": {"households": 5}, "reason": "cũ"})  # fmt: skip
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["ok"] is False and body["status"] == 409 and body["error"]
    assert body["errors"] == []
    assert body["current"]["version"] == 2 and body["current"]["properties"]["status"] == "power"
    assert body["proposed"]["version"] == 1 and body["proposed"]["properties"]["households"] == 5
    assert body["current"]["properties"]["households"] != 5
    assert [(s.id, s.valid_to, s.status) for s in states_of(app, fid)] == before_states
    assert feature_row(app, fid).version == 2
    assert [e.action for e in audit_of(app, fid)] == ["status"]
    stale_delete = send(client, "DELETE", f"/api/layers/signal/features/{fid}", token,
                        {"version": 1, "reason": "x"})  # fmt: skip
    assert stale_delete.status_code == 409 and feature_row(app, fid).deleted_at is None


# --- workflow and validation ---------------------------------------------------------------------


def test_workflow_milestones_go_one_at_a_time_and_only_planners_step_back(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="site_agreed")[0]
    token = login("telecom_editor", (commune,))
    url = f"/api/layers/signal/features/{fid}/status"
    skip = send(client, "POST", url, token, {"version": 1, "status": "on_air"})
    assert skip.status_code == 422
    assert skip.get_json()["errors"][0]["field"] == "status"
    back = send(client, "POST", url, token, {"version": 1, "status": "listed"})
    assert back.status_code == 422
    assert send(client, "POST", url, token, {"version": 1, "status": "power"}).status_code == 200
    client.post("/logout", headers={"X-CSRFToken": token})
    token = login("planner")
    stepped = send(client, "POST", url, token,
                   {"version": 2, "status": "site_agreed", "reason": "Nhập nhầm"})  # fmt: skip
    assert stepped.status_code == 200, stepped.get_json()
    skipping = send(client, "POST", url, token, {"version": 3, "status": "station_built"})
    assert skipping.status_code == 422
    assert [s.status for s in states_of(app, fid)][-3:] == ["site_agreed", "power", "site_agreed"]


def test_any_milestone_may_be_paused_and_resumes_where_it_stood_or_one_further(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="site_agreed")[0]
    token = login("telecom_editor", (commune,))
    url = f"/api/layers/signal/features/{fid}/status?lang=en"
    paused = send(client, "POST", url, token,
                  {"version": 1, "status": "paused", "reason": "Mưa lũ"})  # fmt: skip
    assert paused.status_code == 200, paused.get_json()
    skipped = send(client, "POST", url, token, {"version": 2, "status": "station_built"})
    assert skipped.status_code == 422
    assert skipped.get_json()["errors"][0]["message"] == (
        "'Station built' cannot follow 'Station site agreed': milestones go one at a time "
        "(the next one is 'Power to the site'); only administrators and planners may step back"
    )
    assert send(client, "POST", url, token, {"version": 2, "status": "power"}).status_code == 200
    cancelled = send(client, "POST", url, token, {"version": 3, "status": "cancelled"})
    assert cancelled.status_code == 200
    assert [s.status for s in states_of(app, fid)][-4:] == [
        "site_agreed", "paused", "power", "cancelled"
    ]


def test_the_last_milestone_names_no_halted_status_as_the_next_one(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="verified")[0]
    token = login("telecom_editor", (commune,))
    url = f"/api/layers/signal/features/{fid}/status?lang=en"
    back = send(client, "POST", url, token, {"version": 1, "status": "listed"})
    assert back.status_code == 422
    assert "(this is the last one)" in back.get_json()["errors"][0]["message"]


def test_values_that_do_not_fit_the_layer_are_refused_per_field_in_vietnamese(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="power")[0]
    token = login("telecom_editor", (commune,))
    response = send(client, "PATCH", f"/api/layers/signal/features/{fid}", token, {
        "version": 1,
        "properties": {"households": -3, "operator": "Vinaphone 5G", "date_on_air": "31/02/2025",
                       "colour": "red"},
    })  # fmt: skip
    assert response.status_code == 422
    body = response.get_json()
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"households", "operator", "date_on_air", "colour"}
    messages = " ".join(e["message"] for e in body["errors"])
    assert "nhỏ hơn giá trị tối thiểu" in messages and "không phải là ngày" in messages
    assert feature_row(app, fid).version == 1
    english = client.open(f"/api/layers/signal/features/{fid}?lang=en", method="PATCH",
                          json={"version": 1, "properties": {"village": ""}},
                          headers={"X-CSRFToken": token})  # fmt: skip
    assert english.get_json()["errors"][0]["message"] == "'Village' is required"


def test_a_future_date_and_a_date_before_the_last_update_are_refused(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="power")[0]
    token = login("telecom_editor", (commune,))
    url = f"/api/layers/signal/features/{fid}/status"
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    assert send(client, "POST", url, token,
                {"version": 1, "status": "station_built", "date": future}).status_code == 422
    early = send(client, "POST", url, token,
                 {"version": 1, "status": "station_built", "date": "2024-01-01"})  # fmt: skip
    assert early.status_code == 422 and early.get_json()["errors"][0]["field"] == "date"


# --- permissions ---------------------------------------------------------------------------------


def test_a_commune_telecom_editor_cannot_edit_another_commune_or_another_layer(client, login):
    app = client.application
    other = next(r for r in records(app, "signal") if r.commune_code != "06400")
    token = login("telecom_editor", ("06400",))
    url = f"/api/layers/signal/features/{other.id}/status"
    refused = send(client, "POST", url, token, {"version": 1, "status": "power"})
    assert refused.status_code == 403 and refused.get_json()["error"]
    geosite = records(app, "geopark", commune="06400")[0]
    assert send(client, "PATCH", f"/api/layers/geopark/features/{geosite.id}", token,
                {"version": 1, "properties": {"name": "x"}}).status_code == 403  # fmt: skip
    lon, lat = commune_point(app, other.commune_code)
    created = send(client, "POST", "/api/layers/signal/features", token, {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"village": "Ngoài địa bàn"},
    })  # fmt: skip
    assert created.status_code == 403
    assert feature_row(app, other.id).version == 1


def test_an_editor_cannot_move_a_record_out_of_their_commune(client, login):
    app = client.application
    token = login("telecom_editor", ("06400",))
    lon, lat = commune_point(app, "06400")
    fid = send(client, "POST", "/api/layers/signal/features", token, {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"village": "Bản Di Chuyển"},
    }).get_json()["id"]  # fmt: skip
    far = commune_point(app, "06463")
    moved = send(client, "PATCH", f"/api/layers/signal/features/{fid}", token,
                 {"version": 1, "geometry": {"type": "Point", "coordinates": far}})  # fmt: skip
    assert moved.status_code == 403 and feature_row(app, fid).commune_code == "06400"


def test_anonymous_writes_get_401_viewers_403_and_writes_without_the_csrf_header_400(
    client, login, anonymous_csrf_token
):
    fid = records(client.application, "signal")[0].id
    url = f"/api/layers/signal/features/{fid}/status"
    # Anonymous without the CSRF header: refused by the CSRF check first.
    assert client.post(url, json={"version": 1, "status": "power"}).status_code == 400
    anonymous = send(client, "POST", url, anonymous_csrf_token, {"version": 1, "status": "power"})
    assert anonymous.status_code == 401 and anonymous.get_json()["ok"] is False
    token = login("viewer")
    assert send(client, "POST", url, token, {"version": 1, "status": "power"}).status_code == 403
    client.post("/logout", headers={"X-CSRFToken": token})
    login("planner")
    missing = client.post(url, json={"version": 1, "status": "power"})
    assert missing.status_code == 400 and missing.get_json()["ok"] is False


# --- history, progress and "as of" ---------------------------------------------------------------


def test_a_status_change_shows_in_progress_and_as_a_new_state_row_with_author_and_reason(
    client, login
):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="station_built")[0]
    before = progress_row(client, "signal", "commune", commune, TODAY.isoformat())
    token = login("telecom_editor", (commune,))
    response = send(client, "POST", f"/api/layers/signal/features/{fid}/status", token,
                    {"version": 1, "status": "on_air", "reason": "Trạm đã phát sóng"})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    after = progress_row(client, "signal", "commune", commune, TODAY.isoformat())
    assert after["done"] == before["done"] + 1
    assert after["status_counts"].get("on_air", 0) == before["status_counts"].get("on_air", 0) + 1
    last = states_of(app, fid)[-1]
    assert (last.status, last.valid_from, last.valid_to) == ("on_air", TODAY, None)
    assert last.author == f"telecom_editor-{commune}" and last.note == "Trạm đã phát sóng"
    history = client.get(f"/api/layers/signal/features/{fid}/history").get_json()["history"]
    assert history[0]["status"] == "on_air" and history[0]["author"] == last.author
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    assert progress_row(client, "signal", "commune", commune, yesterday)["done"] == before["done"]


def test_deleting_drops_the_record_from_maps_and_counts_from_that_date_on_only(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="verified")[0]
    token = login("telecom_editor", (commune,))
    before = progress_row(client, "signal", "commune", commune, TODAY.isoformat())
    day = "2025-10-01"
    response = send(client, "DELETE", f"/api/layers/signal/features/{fid}", token,
                    {"version": 1, "reason": "Thôn đã sáp nhập", "date": day})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert fid not in feature_ids(client, "signal", day)
    assert fid not in feature_ids(client, "signal", TODAY.isoformat())
    assert fid in feature_ids(client, "signal", "2025-09-30")
    after = progress_row(client, "signal", "commune", commune, TODAY.isoformat())
    assert after["count"] == before["count"] - 1
    earlier = progress_row(client, "signal", "commune", commune, "2025-09-30")
    assert earlier["count"] >= 1 and fid in feature_ids(client, "signal", "2025-09-30")
    assert feature_row(app, fid).deleted_by == f"telecom_editor-{commune}"
    no_reason = send(client, "POST", f"/api/layers/signal/features/{fid}/restore", token,
                     {"version": 2})  # fmt: skip
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "reason"


# --- photos --------------------------------------------------------------------------------------


def test_a_png_photo_is_stored_with_a_320_px_thumbnail_and_served_to_the_public(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    response = upload(client, fid, token, image_bytes("PNG", (800, 600)), "tram.png")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    client.post("/logout", headers={"X-CSRFToken": token})
    full = client.get(photo["url"])
    assert full.status_code == 200 and full.mimetype == "image/png"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(full.data)) as image:
        assert image.format == "PNG" and image.size == (800, 600)
        assert image.getpixel((10, 10))[:3] == (200, 30, 30)
    with Image.open(io.BytesIO(client.get(photo["thumb"]).data)) as thumb:
        assert thumb.size == (320, 240)
    assert [p["id"] for p in get_record(client, fid)["photos"]] == [photo["id"]]


def test_a_jpeg_photo_loses_its_exif_and_gps_position(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    original = image_bytes("JPEG", (64, 48), exif=gps_exif())
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(GPS_IFD)  # the upload does carry a position
    response = upload(client, fid, token, original, "IMG_0001.jpg")
    assert response.status_code == 201, response.get_json()
    stored = client.get(response.get_json()["url"])
    assert stored.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.size == (64, 48)
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in stored.data


def test_a_webp_photo_with_transparency_is_kept_as_webp(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 90, 200, 128)).save(out, "WEBP", lossless=True)
    response = upload(client, fid, token, out.getvalue(), "so_do.webp")
    assert response.status_code == 201, response.get_json()
    with Image.open(io.BytesIO(client.get(response.get_json()["url"]).data)) as image:
        assert image.format == "WEBP" and image.size == (30, 20) and image.mode == "RGBA"
        pixel = image.getpixel((5, 5))  # re-encoded lossy: colours within a few levels
        assert all(abs(a - b) <= 3 for a, b in zip(pixel, (0, 90, 200, 128), strict=True))


def test_household_photos_are_stripped_and_hidden_from_the_public(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "housing")[0]
    token = login("housing_editor", (commune,))
    response = upload(client, fid, token, image_bytes("JPEG", exif=gps_exif()), layer="housing")
    assert response.status_code == 201, response.get_json()
    url = response.get_json()["url"]
    with Image.open(io.BytesIO(client.get(url).data)) as image:
        assert not image.getexif()
    assert client.get(url).headers["Cache-Control"] == "private, no-store"
    client.post("/logout", headers={"X-CSRFToken": token})
    assert client.get(url).status_code == 403
    assert client.get(url + "/thumb").status_code == 403


@pytest.mark.parametrize(
    "content, name",
    [
        (b"Bien ban nghiem thu tram BTS\n" * 40, "anh_tram.jpg"),
        (b"", "empty.jpg"),
        (png_claiming(100_000, 100_000), "bomb.png"),
        (image_bytes("GIF"), "animation.gif"),
    ],
    ids=["text_renamed_jpg", "empty", "decompression_bomb", "gif"],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_naming_the_file(
    client, login, content, name
):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    response = upload(client, fid, token, content, name)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["errors"][0]["field"] == "file"
    with get_database(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(Photo)) == 0


def test_an_image_over_10_mb_is_refused(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    oversized = image_bytes("JPEG") + b"\0" * (10 * 1024 * 1024)
    response = upload(client, fid, token, oversized, "big.jpg")
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "file"
    assert "10 MB" in response.get_json()["error"]


def test_a_photo_is_removed_by_an_editor_of_its_record_only(client, login):
    app = client.application
    fid, commune, _d, _s = records(app, "signal")[0]
    token = login("telecom_editor", (commune,))
    photo = upload(client, fid, token, image_bytes()).get_json()
    client.post("/logout", headers={"X-CSRFToken": token})
    other = next(c for c in ("06400", "06463") if c != commune)
    token = login("telecom_editor", (other,))
    assert send(client, "DELETE", f"/api/photos/{photo['id']}", token).status_code == 403
    client.post("/logout", headers={"X-CSRFToken": token})
    token = login("telecom_editor", (commune,), name="second-editor")
    assert send(client, "DELETE", f"/api/photos/{photo['id']}", token).status_code == 200
    assert client.get(photo["url"]).status_code == 404
    assert [e.action for e in audit_of(app, fid)] == ["photo_add", "photo_delete"]


def test_the_edit_configuration_lists_the_layers_and_fields_the_editor_may_change(client, login):
    assert client.get("/api/edit/config").status_code == 401
    login("housing_editor", ("06400",))
    config = client.get("/api/edit/config").get_json()
    assert config["layers"] == ["housing"] and config["stepBack"] is False
    names = [f["name"] for f in config["fields"]["housing"]]
    assert "beneficiary" in names and config["strings"]["edit_button_status"]
    assert config["csrf"]


@contextmanager
def another_writer(url: str):
    """Another process holding the store's write lock (reads go on, writes wait)."""
    if url.startswith("sqlite:///"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"))
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        holder = psycopg.connect(make_url(url).set(drivername="postgresql")
                                 .render_as_string(hide_password=False))
        holder.execute("LOCK TABLE features, feature_states IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def test_a_write_that_meets_a_locked_database_answers_503_soon_and_loses_nothing(
    client, login, db_url
):
    app = client.application
    fid, commune, _d, _s = records(app, "signal", status="station_built")[0]
    token = login("telecom_editor", (commune,))
    app.extensions["portal_db"].engine.dispose()
    locked = open_database(db_url, busy_timeout=0.5)
    app.extensions["portal_db"] = locked
    with another_writer(db_url):
        started = time.monotonic()
        response = send(client, "POST", f"/api/layers/signal/features/{fid}/status?lang=en",
                        token, {"version": 1, "status": "on_air", "reason": "Phát sóng"})
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == (
        "The database is busy with another change. Nothing was saved; try again in a few seconds."
    )
    assert waited < 5
    assert [s.status for s in states_of(app, fid)][-1] == "station_built"
    again = send(client, "POST", f"/api/layers/signal/features/{fid}/status", token,
                 {"version": 1, "status": "on_air", "reason": "Phát sóng"})
    assert again.status_code == 200
    assert [s.status for s in states_of(app, fid)][-1] == "on_air"
