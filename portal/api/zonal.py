"""``GET /api/rasters/<id>/zonal``: a raster's figures per area, as JSON, CSV or XLSX.

Private rasters answer 404 to visitors (as if they did not exist); any signed-in account reads
them. The rasters a reader may summarise on a date are those ``/api/rasters?as_of=`` lists.
"""

from __future__ import annotations

import math
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from layers import get_layer
from portal.services import zonal
from portal.services.access import signed_in
from portal.store.rasters import Raster, get_raster
from portal.web import params
from portal.web.database import get_area_index, get_session
from portal.web.errors import BadRequest, MissingResource

blueprint = Blueprint("zonal_api", __name__)


def _instance_path() -> Path:
    return Path(current_app.config["PORTAL_SETTINGS"].instance_path)


def _readable(raster_id: int) -> Raster:
    """Return the raster if the reader may see it; 404 otherwise (private to visitors)."""
    raster = get_raster(get_session(), raster_id)
    if raster is None or raster.withdrawn_at is not None or (
            not raster.public and not signed_in(current_user)):
        raise MissingResource(_("Page not found."), field="id")
    return raster


def _threshold() -> float | None:
    """Return the request's ``threshold`` (a finite number), None without one."""
    value = request.args.get("threshold", "").strip()
    if not value:
        return None
    try:
        number = float(value.replace(",", ".")) if value.count(",") <= 1 else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise BadRequest(_("threshold must be a number such as 25 or 0.5 (got %(value)s).",
                           value=value[:40]), field="threshold")
    return number


def _above() -> bool:
    value = request.args.get("above", "1")
    if value not in ("0", "1"):
        raise BadRequest(_("above must be 1 (above the threshold) or 0 (below it)."),
                         field="above")
    return value == "1"


def _per_capita(as_of) -> zonal.PerCapita | None:
    layer_id = request.args.get("layer")
    if not layer_id:
        return None
    return zonal.PerCapita(get_layer(layer_id), as_of, public_only=not signed_in(current_user),
                           index=get_area_index())


@blueprint.get("/rasters/<int:raster_id>/zonal")
def raster_zonal(raster_id: int):
    """Return a raster's mean, sum, min, max, cells and covered area per area of a level.

    ``threshold`` (with ``above=1`` or ``0``) adds the share of each area's covered area above
    or below it; ``layer`` adds that layer's records per 1,000 people when a population raster
    is current on ``as_of``; ``format=csv|xlsx`` downloads the table (headers in Vietnamese
    with English).
    """
    raster = _readable(raster_id)
    level, as_of = params.level(), params.as_of()
    threshold, above = _threshold(), _above()
    fmt = request.args.get("format", "json")
    if fmt not in ("json", *zonal.TABLE_FORMATS):
        raise BadRequest(_("format must be json, csv or xlsx."), field="format")
    table = zonal.zonal_table(get_session(), _instance_path(), raster, level,
                              threshold=threshold, above=above, per_capita=_per_capita(as_of))
    if fmt != "json":
        content, mime, name = zonal.export_table(table, fmt)
        response = Response(content, mimetype=mime)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "no-store"
        return response
    response = jsonify({
        "raster": table.raster, "level": level, "as_of": as_of.isoformat(),
        "threshold": threshold, "above": above, "columns": table.columns(),
        "boundaries": table.boundaries, "per_capita": table.per_capita, "rows": table.rows,
    })
    if not raster.public:
        response.headers["Cache-Control"] = "private, no-store"
    return response
