"""The import page: upload with a progress bar, preview and row errors."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.services.access import EDITOR_ROLES
from portal.web.auth import require_roles
from portal.web.i18n import current_locale
from portal.web.uploads import importable_layers, max_upload_bytes

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
