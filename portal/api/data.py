"""Data in and out over HTTP: file imports (signed-in editors) and exports (public fields)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from layers import get_layer
from layers.base import LayerSpec
from portal.services import exports
from portal.services.access import (
    EDITOR_ROLES,
    can_edit,
    can_read_restricted,
    layers_edited_by,
    restricted_scope,
    signed_in,
)
from portal.services.disclosure import shown_progress
from portal.services.errors import PermissionDenied
from portal.store import features as feature_store
from portal.web import params
from portal.web.audit_log import personal_read, record_now
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.errors import BadRequest
from portal.web.i18n import current_locale
from portal.web.raster_values import matching_ids, read_filter
from portal.web.uploads import max_upload_bytes

blueprint = Blueprint("data_api", __name__)

#: A zipped upload may unpack to this many times PORTAL_MAX_UPLOAD_MB (2 GB by default).
UNPACKED_PER_UPLOAD = 10
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".geojson", ".json", ".gpkg", ".zip", ".kml")


def _download(content: bytes, mime: str, name: str) -> Response:
    response = Response(content, mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _may_export_restricted(layer: LayerSpec) -> bool:
    """Restricted fields of a public layer need a role that reads it for the whole province."""
    return bool(
        current_user.is_authenticated
        and can_read_restricted(current_user, layer.id, ())
        and (current_user.role == "admin" or not current_user.areas)
    )


def _export_scope(layer: LayerSpec, restricted: bool) -> tuple[str, ...] | None:
    """Return the areas whose records the user may export (empty: all); refuse otherwise.

    Personal records (a layer not public) go to their readers, limited to their areas.
    """
    if layer.records_public and not restricted:
        return ()
    scope = (
        restricted_scope(current_user, layer.id)
        if not layer.records_public
        else (() if _may_export_restricted(layer) else None)
    )
    if scope is None:
        raise PermissionDenied(
            _("Records of this layer are personal data: only per-area counts are public.")
        )
    return scope


@blueprint.get("/layers/<layer_id>/export")
def export_layer(layer_id: str) -> Response:
    """Download a layer's records on ``as_of``: public fields for the public.

    Personal records are exported to their readers, those of the reader's areas only, and
    each such export is written to the audit log with the records' ids. ``incomplete=1``,
    ``status=paused,cancelled``, ``hazard``, ``elev_min`` and ``elev_max`` filter the records as
    the features API does.
    """
    layer = get_layer(layer_id)
    restricted = request.args.get("restricted") == "1"
    scope = _export_scope(layer, restricted)
    fmt = request.args.get("format", "geojson")
    if fmt not in exports.EXPORT_FORMATS:
        raise BadRequest(
            _("format must be one of: %(formats)s.", formats=", ".join(exports.EXPORT_FORMATS)),
            field="format",
        )
    area, as_of, bbox = params.area(params.level()), params.as_of(), params.bbox()
    incomplete, statuses, wanted = params.incomplete(), params.statuses(layer), read_filter()
    kept = sorted(matching_ids(layer.id, as_of, wanted, scope=scope or None,
                               public_only=not signed_in(current_user)).ids) if wanted else None
    code = area[1] if area else None
    session = get_session()
    content, mime, name = exports.export_layer(
        session, layer, fmt, as_of, locale=current_locale(), bbox=bbox,
        area=area, crs=request.args.get("crs") or None,
        include_restricted=restricted or not layer.records_public, areas=scope,
        incomplete=incomplete, statuses=statuses, ids=kept,
    )
    if restricted or not layer.records_public:
        record_now("export_restricted", actor=current_user.username, layer_id=layer.id,
                         detail={"format": fmt, "file": name, "area": code,
                                 "crs": request.args.get("crs")})
    if not layer.records_public:
        shown = feature_store.feature_ids(session, layer.id, as_of, bbox, area, scope,
                                          incomplete, statuses)
        shown = shown if kept is None else sorted(set(shown) & set(kept))
        personal_read(layer.id, shown, "export", format=fmt, file=name)
    return _download(content, mime, name)


@blueprint.get("/progress/export")
def export_progress() -> Response:
    """Download the per-area progress table of a layer as CSV or XLSX, as its page shows it.

    ``order``: "rank" (the planning page, default) or "left" (the telecom page); ``lagging=1``
    keeps the lagging areas alone (the planning page's filter).
    """
    layer, level, as_of = params.layer_arg(), params.level(), params.as_of()
    fmt = request.args.get("format", "csv")
    if fmt not in exports.TABLE_FORMATS:
        raise BadRequest(_("format must be csv or xlsx."), field="format")
    order = request.args.get("order", "rank")
    if order not in ("rank", "left"):
        raise BadRequest(_("order must be rank or left."), field="order")
    content, mime, name = exports.export_progress(
        get_session(), layer, level, fmt, as_of, current_locale(),
        shown=lambda layer, rows: shown_progress(layer, rows, current_user),
        order=order, lagging_only=request.args.get("lagging") == "1",
    )
    return _download(content, mime, name)


def _saved_upload(folder: Path) -> Path:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(_("Choose a file to import."), field="file")
    name = secure_filename(upload.filename) or "upload"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise BadRequest(
            _("Unsupported file type. Use CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile "
              "or KML."),
            field="file",
        )
    path = folder / name
    upload.save(path)
    return path


def _import(layer_id: str | None) -> Response:
    from portal.services.imports import run_import

    if layer_id is not None and layer_id not in layers_edited_by(current_user.role):
        raise PermissionDenied(_("You do not have permission to do this."))
    dry_run = request.form.get("dry_run") in ("1", "true", "on")
    with tempfile.TemporaryDirectory() as folder:
        path = _saved_upload(Path(folder))
        result = run_import(
            get_database(), path, layer_id,
            sheet=request.form.get("sheet") or None,
            crs_text=request.form.get("crs") or None,
            max_unpacked=UNPACKED_PER_UPLOAD * max_upload_bytes(),
            dry_run=dry_run,
            author=current_user.username,
            may_write=lambda layer, commune, district: can_edit(
                current_user, layer, commune, district
            ),
            may_read=lambda layer, commune, district: can_read_restricted(
                current_user, layer, (commune, district)
            ),
        )
    return jsonify({
        "ok": True,
        "dry_run": dry_run,
        "file": result.source,
        "summary": result.plan.summary(),
        "notes": result.report.notes,
        "columns": result.report.columns,
        "rows_read": result.report.rows_read,
        "preview": result.preview,
    })


@blueprint.post("/layers/<layer_id>/imports")
@require_roles(*EDITOR_ROLES)
def import_layer(layer_id: str) -> Response:
    """Import a file into one layer: every row checked first, all written or none."""
    get_layer(layer_id)
    return _import(layer_id)


@blueprint.post("/imports")
@require_roles(*EDITOR_ROLES)
def import_many() -> Response:
    """Import a file whose `loai`/`layer` column names each row's layer."""
    return _import(None)
