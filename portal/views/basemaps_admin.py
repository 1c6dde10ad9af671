"""The administrators' page of the kept basemaps (``/admin/basemaps``): see them, pick the default.

Administrators only, checked on the server (``require_roles``); the form posts with its CSRF
token (Flask-WTF refuses a post without it: 400). Basemaps are added and removed with the
``add-basemap`` / ``build-hillshade`` / ``remove-basemap`` commands on the server.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.services import basemaps as service
from portal.web.auth import require_roles
from portal.web.basemaps import instance_folder
from portal.web.i18n import current_locale

blueprint = Blueprint("basemaps_admin", __name__)
NONE = "-"


@blueprint.route("/admin/basemaps", methods=["GET", "POST"])
@require_roles("admin")
def basemaps_page():
    """List the kept basemaps and let an administrator choose the map's default one."""
    instance = instance_folder()
    kept = service.list_basemaps(instance)
    status = 200
    if request.method == "POST":
        chosen = request.form.get("default", "")
        if chosen == NONE or chosen in {basemap.name for basemap in kept}:
            service.set_default(instance, None if chosen == NONE else chosen)
            flash(_("Default basemap saved."), "success")
            return redirect(url_for("basemaps_admin.basemaps_page"))
        flash(_("There is no basemap named %(name)s.", name=chosen[:60]), "danger")
        status = 400
    settings = current_app.config["PORTAL_SETTINGS"]
    return render_template(
        "admin/basemaps.html",
        basemaps=kept,
        default=service.default_name(instance, kept),
        none=NONE,
        url_wins=bool(settings.basemap_url),
        locale=current_locale(),
    ), status, {"Cache-Control": "no-store"}
