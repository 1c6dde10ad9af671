"""The raster layers page (``/rasters``): upload a GeoTIFF, list the kept rasters, withdraw one.

Administrators and planners only. A refused upload shows its reason beside the form (status
422), with the values typed kept; nothing is written. Withdrawing keeps the file and the row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from geodata.raster_checks import RasterRejected
from portal.services.raster_files import KINDS, PROVENANCES
from portal.services.rasters import (
    RasterMeta,
    crs_label,
    import_raster,
    parse_day,
    withdraw_raster,
)
from portal.store.rasters import Raster
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.i18n import current_locale
from portal.web.rasters import instance_path, provenance_labels, raster_limits
from portal.web.uploads import max_upload_bytes

blueprint = Blueprint("rasters", __name__)
FIELDS = ("kind", "name_vi", "name_en", "unit", "source", "as_of", "provenance")


def _page(error: RasterRejected | None = None, status: int = 200, added: int | None = None):
    locale = current_locale()
    rows = get_session().scalars(select(Raster).order_by(Raster.kind, Raster.as_of.desc(),
                                                        Raster.id.desc())).all()
    values = {name: request.form.get(name, "") for name in FIELDS} if error else {}
    values["public"] = bool(error and request.form.get("public"))
    message = None
    if error is not None:
        message = error.user_msg_vi if locale != "en" and error.user_msg_vi else error.user_msg
    return render_template(
        "rasters.html", rasters=rows, crs_names={r.id: crs_label(r.crs) for r in rows},
        kinds=KINDS, provenances=PROVENANCES,
        provenance_labels=provenance_labels(), locale=locale, values=values,
        error=message, error_field=getattr(error, "field", None), added=added,
        max_upload_mb=max_upload_bytes() // (1024 * 1024),
    ), status


def _meta() -> RasterMeta:
    form = request.form
    return RasterMeta(
        kind=form.get("kind", ""), name_vi=form.get("name_vi", ""),
        name_en=form.get("name_en", ""), unit=form.get("unit", ""),
        source=form.get("source", ""), as_of=parse_day(form.get("as_of")),
        provenance=form.get("provenance", ""), public=form.get("public") == "1",
    )


@blueprint.get("/rasters")
@require_roles("planner")
def rasters_page():
    """List the kept rasters and show the upload form."""
    added = request.args.get("added", type=int)
    return _page(added=added)


@blueprint.post("/rasters")
@require_roles("planner")
def upload_raster():
    """Check and keep the uploaded GeoTIFF; its reason beside the form when refused (422)."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise RasterRejected("Choose a GeoTIFF file.", "Hãy chọn một tệp GeoTIFF.")
        meta = _meta()
        with tempfile.TemporaryDirectory(prefix="portal-raster-") as folder:
            path = Path(folder) / (secure_filename(upload.filename) or "raster.tif")
            upload.save(path)
            raster_id = import_raster(get_database(), path, meta, instance_path(),
                                      actor=current_user.username, limits=raster_limits())
    except RasterRejected as exc:
        return _page(exc, 422)
    return redirect(url_for("rasters.rasters_page", added=raster_id), 303)


@blueprint.post("/rasters/<int:raster_id>/withdraw")
@require_roles("planner")
def withdraw(raster_id: int):
    """Withdraw a raster from the maps (file and row kept)."""
    if not withdraw_raster(get_database(), raster_id, actor=current_user.username):
        abort(404)
    return redirect(url_for("rasters.rasters_page"), 303)
