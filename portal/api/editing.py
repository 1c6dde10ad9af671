"""Editing over HTTP: one record read, created, changed, re-statused, deleted, restored; photos.

Thin adapters over ``portal.services.editing.records``: each view parses the JSON body, runs
the service in one
transaction and answers the record as the user may see it (restricted fields only for those who
may read them, with its ``version`` for the next edit). Writes need an editor role and the CSRF
header (``X-CSRFToken``, checked by ``CSRFProtect`` for every POST, PATCH and DELETE). A stale
``version`` answers 409 with the error shape plus ``current`` and ``proposed``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from shapely.geometry import shape

from layers import get_layer
from portal.api import photos as photo_views
from portal.api.edit_common import (
    log_personal_answer,
    log_personal_read,
    private,
    record_json,
    status_label,
    visible_feature,
)
from portal.services.access import EDITOR_ROLES
from portal.services.editing import records as editing
from portal.store.models import FeatureState
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.edit_config import edit_client_config
from portal.web.errors import BadRequest

blueprint = Blueprint("editing_api", __name__)

#: Properties of a GET answer that a client may send back; they are not attributes.
READ_ONLY = frozenset({
    "id", "status_label", "status_color", "updated", "commune_code", "commune_name",
    "district_code", "district_name", "illustrative",
})  # fmt: skip
STATE_KEYS = frozenset({"status", "progress", "date"})


# --- reading -------------------------------------------------------------------------------------


@blueprint.get("/layers/<layer_id>/features/<int:fid>")
def get_record(layer_id: str, fid: int) -> Response:
    """Return one record with its ``version``; restricted fields only for their readers."""
    session = get_session()
    feature = visible_feature(session, layer_id, fid)
    answer = record_json(session, feature)
    log_personal_read(feature, "record")
    return private(answer)


@blueprint.get("/layers/<layer_id>/features/<int:fid>/history")
def get_history(layer_id: str, fid: int) -> Response:
    """Return a record's dated states, newest first; authors and reasons for signed-in users."""
    session = get_session()
    feature = visible_feature(session, layer_id, fid)
    layer = get_layer(layer_id)
    signed_in = bool(current_user.is_authenticated)
    states = session.scalars(
        select(FeatureState).where(FeatureState.feature_id == feature.id)
        .order_by(FeatureState.valid_from.desc(), FeatureState.id.desc())
    )  # fmt: skip
    rows = []
    for state in states:
        row = {"valid_from": state.valid_from.isoformat(), "status": state.status,
               "valid_to": state.valid_to.isoformat() if state.valid_to else None,
               "status_label": status_label(layer, state.status), "progress": state.progress}
        if signed_in:
            row.update(author=state.author, note=state.note,
                       recorded_at=state.recorded_at.isoformat(timespec="seconds"))
        rows.append(row)  # fmt: skip
    log_personal_read(feature, "history")
    return private({"id": feature.id, "version": feature.version, "history": rows})


# --- writing -------------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_("The request body must be a JSON object."), field="body")
    return body


def _geometry(value: Any):
    if value is None:
        return None
    try:
        return shape(value)
    except Exception:  # shapely raises many types for malformed GeoJSON; all mean the same
        raise BadRequest(_("geometry must be a GeoJSON geometry."), field="geometry") from None


def _attributes(properties: Any, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split sent properties into the special ones (name, record id, state) and attributes."""
    if properties is None:
        return {}, {}
    if not isinstance(properties, dict):
        raise BadRequest(_("properties must be a JSON object."), field="properties")
    special_keys = {"name", "record_id"} | (STATE_KEYS if creating else set())
    if not creating and STATE_KEYS & set(properties):
        raise BadRequest(_("Change the status with POST …/status."), field="status")
    special = {k: v for k, v in properties.items() if k in special_keys}
    values = {k: v for k, v in properties.items()
              if k not in special_keys and k not in READ_ONLY and k != "record_id"}  # fmt: skip
    return special, values


def _edit(run, what: str) -> dict[str, Any]:
    """Run one service call in its own transaction; return the record as the user sees it.

    An answer holding a household's personal fields is logged as a read of them (``what``: the
    write), in the same transaction.
    """
    with get_database().transaction() as session:
        feature = run(session)
        session.flush()
        answer = record_json(session, feature)
        log_personal_answer(session, feature, what)
        return answer


def _who() -> dict[str, Any]:
    return {"ip": request.remote_addr}


def _check_layer(layer_id: str, fid: int) -> None:
    """404 unless record ``fid`` belongs to ``layer_id`` (the URL names both)."""
    editing.get_feature(get_session(), fid, get_layer(layer_id).id)


@blueprint.post("/layers/<layer_id>/features")
@require_roles(*EDITOR_ROLES)
def create_record(layer_id: str) -> Response:
    """Create a record from a GeoJSON Feature; ``reason`` beside ``properties``."""
    layer, body = get_layer(layer_id), _body()
    special, values = _attributes(body.get("properties"), creating=True)
    state = editing.NewState(special.get("status"), special.get("progress"), special.get("date"))
    geometry = _geometry(body.get("geometry"))
    record = _edit(lambda s: editing.create_feature(
        s, layer, geometry, values, state, current_user, body.get("reason"),
        name=special.get("name"), record_id=special.get("record_id"), **_who(),
    ), "create")  # fmt: skip
    response = private(record, 201)
    response.headers["Location"] = url_for(".get_record", layer_id=layer.id, fid=record["id"])
    return response


@blueprint.patch("/layers/<layer_id>/features/<int:fid>")
@require_roles(*EDITOR_ROLES)
def update_record(layer_id: str, fid: int) -> Response:
    """Change a record's name, attributes and/or geometry; ``version`` must be current."""
    _check_layer(layer_id, fid)
    body = _body()
    special, values = _attributes(body.get("properties"), creating=False)
    changes: dict[str, Any] = {}
    if "name" in special:
        changes["name"] = special["name"]
    if values:
        changes["attributes"] = values
    if body.get("geometry") is not None:
        changes["geometry"] = _geometry(body["geometry"])
    if body.get("date"):
        changes["date"] = body["date"]
    return private(_edit(lambda s: editing.update_feature(
        s, fid, body.get("version"), changes, current_user, body.get("reason"), **_who()
    ), "update"))  # fmt: skip


@blueprint.post("/layers/<layer_id>/features/<int:fid>/status")
@require_roles(*EDITOR_ROLES)
def change_record_status(layer_id: str, fid: int) -> Response:
    """Record a new dated status and progress (the quick status update)."""
    _check_layer(layer_id, fid)
    body = _body()
    _special, values = _attributes(body.get("properties"), creating=False)
    return private(_edit(lambda s: editing.change_status(
        s, fid, body.get("version"), body.get("status"), body.get("progress"), body.get("date"),
        values, current_user, body.get("reason"), **_who(),
    ), "status"))  # fmt: skip


def _body_or_args() -> dict[str, Any]:
    """DELETE bodies are optional in HTTP: take JSON, else the query string."""
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return body
    args = request.args.to_dict()
    if "version" in args:
        try:
            args["version"] = int(args["version"])
        except ValueError:
            raise BadRequest(_("version must be a whole number."), field="version") from None
    return args


@blueprint.delete("/layers/<layer_id>/features/<int:fid>")
@require_roles(*EDITOR_ROLES)
def delete_record(layer_id: str, fid: int) -> Response:
    """Delete a record softly (a reason is required); it can be restored."""
    _check_layer(layer_id, fid)
    body = _body_or_args()
    return private(_edit(lambda s: editing.delete_feature(
        s, fid, body.get("version"), current_user, body.get("reason"), date=body.get("date"),
        **_who(),
    ), "delete"))  # fmt: skip


@blueprint.post("/layers/<layer_id>/features/<int:fid>/restore")
@require_roles(*EDITOR_ROLES)
def restore_record(layer_id: str, fid: int) -> Response:
    """Bring a deleted record back with its last status (a reason is required)."""
    _check_layer(layer_id, fid)
    body = _body()
    return private(_edit(lambda s: editing.restore_feature(
        s, fid, body.get("version"), current_user, body.get("reason"), date=body.get("date"),
        **_who(),
    ), "restore"))  # fmt: skip


for rule, view, methods in (
    ("/layers/<layer_id>/features/<int:fid>/photos", photo_views.add_photo, ["POST"]),
    ("/photos/<int:pid>", photo_views.photo_content, ["GET"]),
    ("/photos/<int:pid>/thumb", photo_views.photo_thumbnail, ["GET"]),
    ("/photos/<int:pid>", photo_views.delete_photo, ["DELETE"]),
):
    blueprint.add_url_rule(rule, view_func=view, methods=methods)


# --- the map client's editing configuration ------------------------------------------------------


@blueprint.get("/edit/config")
@require_roles(*EDITOR_ROLES)
def edit_config() -> Response:
    """Return the editing configuration of the signed-in editor (what ``config.edit`` holds)."""
    return private(edit_client_config(current_user))
