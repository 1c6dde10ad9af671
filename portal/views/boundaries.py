"""The administrators' page for official boundary files (``/admin/boundaries``)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from geodata.errors import GeodataError
from portal.services.boundaries import BoundariesRejected, run_boundary_import
from portal.store.loader import area_counts
from portal.store.queries import boundary_provenance
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.i18n import current_locale

blueprint = Blueprint("boundaries", __name__)


@blueprint.route("/admin/boundaries", methods=["GET", "POST"])
@require_roles("admin")
def boundaries_page():
    """Let an administrator replace derived boundaries with an official file."""
    outcome = None
    if request.method == "POST":
        try:
            outcome = {"ok": True, "result": _import_upload()}
        except BoundariesRejected as exc:
            outcome = {"ok": False, "error": exc, "problems": exc.problems, "checks": exc.checks}
        except (GeodataError, ValueError) as exc:
            outcome = {"ok": False, "error": exc, "problems": [], "checks": []}
    session = get_session()
    return render_template(
        "admin/boundaries.html",
        outcome=outcome,
        provenance=boundary_provenance(session),
        counts=area_counts(session),
        levels=_level_labels(),
        locale=current_locale(),
    )


def _level_labels() -> list[tuple[str, str]]:
    """Return each level the page imports with its label, in the form's order."""
    return [
        ("commune", _("Communes and wards (from 1 July 2025)")),
        ("district", _("Districts (until 30 June 2025)")),
        ("legacy_commune", _("Communes before 1 July 2025")),
        ("province", _("Province")),
    ]


def _import_upload():
    """Import the uploaded boundary file as the form asks (a preview when ``dry_run``)."""
    upload = request.files.get("file")
    form = request.form
    if upload is None or not upload.filename:
        raise GeodataError(_("Choose a file."))
    day = dt.date.fromisoformat(form["date"]) if form.get("date") else None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (secure_filename(upload.filename) or "boundaries")
        upload.save(path)
        return run_boundary_import(
            get_database(), path, form.get("level", "commune"),
            form.get("vintage", "2025"), crs=form.get("crs") or None,
            source=form.get("source") or None, source_date=day,
            dry_run=form.get("dry_run") == "1", author=current_user.username,
        )
