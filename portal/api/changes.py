"""``GET /api/changes``: what changed between two dates, records and areas by class."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from layers import CATALOGUE, get_layer
from portal.web import params
from portal.web.change_report import layer_changes, requested_dates, total_counts

blueprint = Blueprint("changes_api", __name__)


@blueprint.get("/changes")
def api_changes():
    """Return what changed between ``since`` and ``until``: records and areas, by class."""
    since, until = requested_dates()
    level = params.level()
    layer_id = request.args.get("layer")
    layers = [get_layer(layer_id)] if layer_id else list(CATALOGUE)
    parts = [layer_changes(layer, level, since, until) for layer in layers]
    return jsonify(
        {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "level": level,
            "layer": layer_id or None,
            "counts": total_counts(parts),
            "layers": [
                {
                    "id": p["layer"].id,
                    "counts": p["counts"],
                    "records_public": p["layer"].records_public,
                    "records_hidden": p["records_hidden"],
                }
                for p in parts
            ],
            "records": [r.as_dict() for p in parts for r in p["records"]],
            "areas": [a.as_dict() for p in parts for a in p["areas"]],
        }
    )
