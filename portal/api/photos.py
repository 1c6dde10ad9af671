"""Photo views of the editing API (registered on its blueprint by ``portal.api.editing``).

Uploads go through ``portal.services.photos.clean_photo``: checked by content, re-encoded
without any
metadata. A photo is as visible as its record: public for public layers, otherwise only for
users who may read the record's restricted fields.
"""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.utils import secure_filename

from layers import get_layer
from portal.api.edit_common import message, photo_json, private, visible_feature
from portal.services import photos
from portal.services.access import EDITOR_ROLES
from portal.services.editing import records as editing
from portal.services.editing.steps import editable, require_edit
from portal.services.editing.values import InvalidEdit, RecordNotFound
from portal.store.models import AuditEvent, Feature, Photo, utcnow
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.errors import BadRequest

MAX_PHOTOS_PER_RECORD = 30


def _upload() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(_("Choose a photo to upload."), field="file")
    data = upload.stream.read(photos.MAX_BYTES + 1)
    return data, secure_filename(upload.filename).rsplit(".", 1)[0][:80] or "photo"


def _clean(data: bytes) -> photos.CleanPhoto:
    try:
        return photos.clean_photo(data)
    except InvalidEdit as exc:  # a bad file is a bad request parameter: 400 naming "file"
        raise BadRequest(message(exc), field="file") from None


@require_roles(*EDITOR_ROLES)
def add_photo(layer_id: str, fid: int) -> Response:
    """Attach a JPEG, PNG or WebP photo, stored re-encoded without metadata, with a thumbnail."""
    editing.get_feature(get_session(), fid, get_layer(layer_id).id)
    data, stem = _upload()
    clean = _clean(data)
    caption = (request.form.get("caption") or "").strip()[:500]
    with get_database().transaction() as session:
        feature, _layer = editable(session, fid, current_user)
        count = session.scalar(select(func.count()).select_from(Photo).where(
            Photo.feature_id == fid, Photo.deleted_at.is_(None)))  # fmt: skip
        if count >= MAX_PHOTOS_PER_RECORD:
            raise BadRequest(_("This record already has %(n)s photos.", n=count), field="file")
        photo = Photo(feature_id=fid, filename=f"{stem}.{clean.extension}", mime=clean.mime,
                      width=clean.width, height=clean.height, content=clean.content,
                      thumbnail=clean.thumbnail, caption=caption,
                      uploaded_by=current_user.username)  # fmt: skip
        session.add(photo)
        session.flush()
        _photo_audit(session, "photo_add", feature, photo, {}, {"photo_id": photo.id})
        return private(photo_json(photo), 201)


def _photo_audit(session, action: str, feature: Feature, photo: Photo, before, after) -> None:
    session.add(AuditEvent(
        actor=current_user.username, action=action, layer_id=feature.layer_id,
        feature_id=feature.id, record_id=feature.record_id, commune_code=feature.commune_code,
        district_code=feature.district_code, reason="", ip=request.remote_addr,
        detail={"before": before, "after": after, "photo": {
            "id": photo.id, "filename": photo.filename, "width": photo.width,
            "height": photo.height}},
    ))  # fmt: skip


def _visible_photo(session, pid: int) -> Photo:
    photo = session.get(Photo, pid)
    if photo is None or photo.deleted_at is not None:
        raise RecordNotFound()
    feature = session.get(Feature, photo.feature_id)
    visible_feature(session, feature.layer_id, feature.id)
    return photo


def _image(photo: Photo, content: bytes, public: bool) -> Response:
    response = Response(content, mimetype=photo.mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f'inline; filename="photo-{photo.id}.' \
        f'{photo.mime.rsplit("/", 1)[1].replace("jpeg", "jpg")}"'  # fmt: skip
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    return response


def _serve(pid: int, thumbnail: bool) -> Response:
    session = get_session()
    photo = _visible_photo(session, pid)
    feature = session.get(Feature, photo.feature_id)
    public = get_layer(feature.layer_id).records_public and feature.deleted_at is None
    return _image(photo, photo.thumbnail if thumbnail else photo.content, public)


def photo_content(pid: int) -> Response:
    """Return a photo: public for public layers, else only for who may read the record."""
    return _serve(pid, thumbnail=False)


def photo_thumbnail(pid: int) -> Response:
    """Return a photo's thumbnail (at most 320 px), with the photo's visibility."""
    return _serve(pid, thumbnail=True)


@require_roles(*EDITOR_ROLES)
def delete_photo(pid: int) -> Response:
    """Remove a photo from its record (kept in the store, marked deleted)."""
    with get_database().transaction() as session:
        photo = session.get(Photo, pid)
        if photo is None or photo.deleted_at is not None:
            raise RecordNotFound()
        feature = session.get(Feature, photo.feature_id)
        layer = get_layer(feature.layer_id)
        require_edit(current_user, layer, feature.commune_code, feature.district_code)
        photo.deleted_at = utcnow()
        _photo_audit(session, "photo_delete", feature, photo, {"photo_id": photo.id}, {})
    return private({"ok": True, "id": pid})
