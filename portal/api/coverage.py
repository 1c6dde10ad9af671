"""Coverage estimates and raster values at records.

``POST /api/coverage``: the line-of-sight estimate of a mast (``portal.services.coverage``) for
telecom editors, planners and admins, with the CSRF header like every write-like call, though
it changes nothing. ``GET /api/coverage/record-values``: the value of the current raster of a
kind at each record of a layer (``portal.services.record_values``), read as the features API
reads: records of a personal layer only for their readers (their areas, logged), private
rasters only for signed-in accounts.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.services import coverage, hazard_zones, record_values
from portal.services.access import restricted_scope, signed_in
from portal.services.coverage import RasterNotKept
from portal.services.errors import PermissionDenied
from portal.store import features as feature_store
from portal.web import params, raster_values
from portal.web.audit_log import personal_read
from portal.web.auth import require_roles
from portal.web.database import get_session
from portal.web.i18n import current_locale

blueprint = Blueprint("coverage_api", __name__)


def _instance_path():
    return current_app.config["PORTAL_SETTINGS"].instance_path


@blueprint.post("/coverage")
@require_roles("telecom_editor", "planner")
def coverage_estimate() -> Response:
    """Estimate what a mast would see: the visible area and the dead-zone villages in reach.

    JSON in: ``lon`` and ``lat`` (WGS 84) or ``record_id`` (a signal record), ``mast_height``
    and ``radius`` (metres), optional ``target_height`` (1.5 m). A line-of-sight estimate on the
    current elevation raster, not a radio-propagation model; nothing is written.
    """
    inputs = coverage.read_inputs(request.get_json(silent=True))
    answer = coverage.estimate(get_session(), _instance_path(), inputs, params.as_of())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/coverage/record-values")
def coverage_record_values() -> Response:
    """Return the value of the current raster of ``kind`` at each record of ``layer``.

    ``kind``: ``elevation`` (the cell under the record), ``population`` (people within
    ``radius`` metres, 1,000 by default), ``flood_depth`` or ``landslide_hazard`` (the value and
    whether it is at or over ``threshold``).
    """
    layer = params.layer_arg()
    kind = record_values.check_kind(request.args.get("kind"))
    radius = record_values.check_number(request.args.get("radius"), "radius",
                                        record_values.POPULATION_RADIUS_M,
                                        record_values.RADIUS_RANGE_M)
    threshold = request.args.get("threshold")
    limit = None if threshold in (None, "") else record_values.check_number(
        threshold, "threshold", 0.0)
    scope = None
    if not layer.records_public:
        scope = restricted_scope(current_user, layer.id)
        if scope is None:
            raise PermissionDenied(_(
                "Records of the layer %(layer)s are personal data: only per-area counts are "
                "public.", layer=layer.name(current_locale())))
    answer = raster_values.layer_values(
        layer.id, kind, params.as_of(), scope=scope, public_only=not signed_in(current_user),
        radius=radius, threshold=limit)
    if scope is not None:
        personal_read(layer.id, [v["id"] for v in answer["values"]], "record-values")
    response = jsonify(answer)
    if scope is not None or signed_in(current_user):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/coverage/hazard-records")
def coverage_hazard_records() -> Response:
    """Return the records of the project layers in a flood or landslide zone on ``as_of``.

    One row per record and hazard: layer, name, commune, status, the raster's value, unit,
    date and provenance; the current public rasters to visitors. ``format=csv`` downloads them.
    """
    from layers import get_layer

    as_of, session, locale = params.as_of(), get_session(), current_locale()
    public_only = not signed_in(current_user)
    communes = feature_store.area_names(session, "commune")
    hazards, rows = {}, []
    for layer_id in hazard_zones.PROJECT_LAYERS:
        layer, answers = get_layer(layer_id), {}
        for kind in hazard_zones.HAZARD_NAMES:
            try:
                answers[kind] = raster_values.layer_values(layer_id, kind, as_of,
                                                           public_only=public_only)
            except RasterNotKept:
                continue
            raster = answers[kind]["raster"]
            hazards[kind] = {"kind": kind, "threshold": answers[kind]["threshold"], "raster": {
                **raster, "name": raster["name_en"] if locale == "en" else raster["name_vi"]}}
        flagged = sorted({v["id"] for a in answers.values() for v in a["values"] if v.get("over")})
        records = feature_store.read_features(session, layer_id, as_of, ids=flagged) if flagged \
            else []
        rows += hazard_zones.hazard_rows(layer, records, answers, communes, locale)
    if request.args.get("format") == "csv":
        response = Response(hazard_zones.rows_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="hazard-projects-{as_of.isoformat()}.csv"')
    else:
        response = jsonify({"as_of": as_of.isoformat(), "hazards": list(hazards.values()),
                            "rows": rows})
    if not public_only:
        response.headers["Cache-Control"] = "private, no-store"
    return response
