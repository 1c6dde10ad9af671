"""Pages for moving data in: the upload page with a progress bar, preview and row errors."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.api.data import EDITOR_ROLES, importable_layers, max_upload_bytes
from portal.services.access import require_roles
from portal.web.i18n import current_locale

blueprint = Blueprint("data", __name__)


@blueprint.get("/import")
@require_roles(*EDITOR_ROLES)
def import_page():
    """Show the import form: layer, file, sheet, CRS, preview (dry run) or import."""
    return render_template(
        "import.html",
        layers=importable_layers(),
        locale=current_locale(),
        max_upload_mb=max_upload_bytes() // (1024 * 1024),
    )


@blueprint.route("/admin/boundaries", methods=["GET", "POST"])
@require_roles("admin")
def boundaries_page():
    """Let an administrator replace derived boundaries with an official file."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from flask import request
    from flask_login import current_user
    from werkzeug.utils import secure_filename

    from geodata.errors import GeodataError
    from portal.services.boundaries import BoundariesRejected, run_boundary_import
    from portal.store.queries import boundary_provenance
    from portal.web.database import get_database, get_session

    outcome = None
    if request.method == "POST":
        upload = request.files.get("file")
        form = request.form
        try:
            if upload is None or not upload.filename:
                raise GeodataError("Choose a file.")
            day = dt.date.fromisoformat(form["date"]) if form.get("date") else None
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / (secure_filename(upload.filename) or "boundaries")
                upload.save(path)
                result = run_boundary_import(
                    get_database(), path, form.get("level", "commune"),
                    form.get("vintage", "2025"), crs=form.get("crs") or None,
                    source=form.get("source") or None, source_date=day,
                    dry_run=form.get("dry_run") == "1", author=current_user.username,
                )
            outcome = {"ok": True, "result": result}
        except BoundariesRejected as exc:
            outcome = {"ok": False, "error": exc, "problems": exc.problems, "checks": exc.checks}
        except (GeodataError, ValueError) as exc:
            outcome = {"ok": False, "error": exc, "problems": [], "checks": []}
    return render_template(
        "admin/boundaries.html",
        outcome=outcome,
        provenance=boundary_provenance(get_session()),
        locale=current_locale(),
    )
