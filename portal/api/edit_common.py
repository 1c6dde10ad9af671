"""What the editing views share: who may see a record, the record as JSON, private answers."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from layers import get_layer
from layers.base import LayerSpec
from portal.services import audit
from portal.services.access import can_edit
from portal.services.editing import records as editing
from portal.services.editing.values import RecordNotFound, record_snapshot
from portal.services.errors import PermissionDenied
from portal.store.models import Area, Feature, Photo
from portal.web.audit_log import personal_read
from portal.web.i18n import current_locale


def message(exc: Any) -> str:
    """Return an editing error's message in the request's language."""
    return exc.user_msg_vi if current_locale() != "en" else exc.user_msg


def visible_feature(session, layer_id: str, fid: int) -> Feature:
    """Return a record the user may see (public layer or restricted reader; deleted: editors)."""
    layer = get_layer(layer_id)
    feature = editing.get_feature(session, fid, layer.id)
    areas = (feature.commune_code, feature.district_code)
    if feature.deleted_at is not None and not can_edit(current_user, layer.id, *areas):
        raise RecordNotFound()
    if not layer.records_public and not editing.may_read_restricted(current_user, feature):
        raise PermissionDenied(
            _("Records of the layer %(layer)s are personal data: only per-area counts are "
              "public.", layer=layer.name(current_locale()))
        )  # fmt: skip
    return feature


def log_personal_read(feature: Feature, what: str) -> None:
    """Write a ``read_personal`` audit event when a record of a restricted layer was shown."""
    if not get_layer(feature.layer_id).records_public:
        personal_read(feature.layer_id, [feature.id], what, feature=feature)


def log_personal_answer(session, feature: Feature, what: str) -> None:
    """Log, in the write's own transaction, a write answer that shows a record's personal data.

    The answer of a create, update, status change, delete or restore holds the record's
    restricted fields when the editor may read them: for a layer of personal records (the
    households) that is a read of personal data like any other (``what``: the write).
    """
    if get_layer(feature.layer_id).records_public:
        return
    if editing.may_read_restricted(current_user, feature):
        audit.record_personal_read(session, actor=current_user.username,
                                   layer_id=feature.layer_id, feature_ids=[feature.id],
                                   what=what, feature=feature)  # fmt: skip


def area_name(session, level: str, code: str | None) -> str | None:
    """Return the name of a stored area, or None."""
    if not code:
        return None
    return session.scalar(select(Area.name).where(Area.level == level, Area.code == code))


def photo_json(photo: Photo) -> dict[str, Any]:
    """Describe a photo: its URLs, size and caption."""
    return {
        "id": photo.id,
        "url": url_for("editing_api.photo_content", pid=photo.id),
        "thumb": url_for("editing_api.photo_thumbnail", pid=photo.id),
        "width": photo.width,
        "height": photo.height,
        "caption": photo.caption,
        "uploaded_at": photo.uploaded_at.isoformat(timespec="seconds"),
    }


def record_json(session, feature: Feature) -> dict[str, Any]:
    """Return a record as the current user may see it, with labels, version and photos."""
    layer = get_layer(feature.layer_id)
    state = editing.current_state(session, feature.id) or editing.last_state(session, feature.id)
    data = record_snapshot(
        layer, feature, state, restricted=editing.may_read_restricted(current_user, feature)
    )
    props, locale = data["properties"], current_locale()
    try:
        status = layer.status(props["status"])
        props["status_label"] = status.label_en if locale == "en" else status.label_vi
        props["status_color"] = status.color
    except KeyError:
        props["status_label"], props["status_color"] = props["status"], "#6c757d"
    props["commune_name"] = area_name(session, "commune", feature.commune_code)
    props["district_name"] = area_name(session, "district", feature.district_code)
    data["canEdit"] = can_edit(current_user, layer.id, feature.commune_code, feature.district_code)
    data["photos"] = [photo_json(p) for p in photos_of(session, feature.id)]
    return data


def photos_of(session, feature_id: int) -> list[Photo]:
    """Return a record's photos that were not removed, oldest first."""
    return list(session.scalars(
        select(Photo).where(Photo.feature_id == feature_id, Photo.deleted_at.is_(None))
        .order_by(Photo.id)
    ))  # fmt: skip


def private(payload: Any, status: int = 200) -> Response:
    """Answer JSON that no shared cache may keep (it may hold restricted fields)."""
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def status_label(layer: LayerSpec, status: str) -> str:
    """Return a status's label in the request's language (the id when unknown)."""
    try:
        spec = layer.status(status)
    except KeyError:
        return status
    return spec.label_en if current_locale() == "en" else spec.label_vi
