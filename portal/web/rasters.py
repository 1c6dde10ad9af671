"""What the raster routes, pages and commands share: the instance folder and the size limits."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.services.rasters import RasterLimits


def instance_path() -> Path:
    """Return the instance folder (the rasters live in its ``rasters/``)."""
    return Path(current_app.config["PORTAL_SETTINGS"].instance_path)


def raster_limits() -> RasterLimits:
    """Return the upload limits: cells from the settings, bytes from the upload limit."""
    settings = current_app.config["PORTAL_SETTINGS"]
    return RasterLimits(max_cells=settings.max_raster_cells,
                        max_bytes=settings.max_upload_mb * 1024 * 1024)


def provenance_labels() -> dict[str, str]:
    """Return the badge word of each provenance, in the request's language."""
    return {"official": _("Official"), "approximate": _("Approximate"),
            "illustrative": _("Illustrative")}


def map_client_config(api: str) -> dict:
    """Return what map-rasters.js needs: the API's address and its words."""
    return {
        "api": api,
        "strings": {
            "raster_panel": _("Raster layers"),
            "raster_opacity": _("Opacity"),
            "raster_official": _("Official"),
            "raster_approximate": _("Approximate"),
            "raster_illustrative": _("Illustrative"),
            "raster_note_approximate": _("Approximate: values are estimates, not measured."),
            "raster_note_illustrative": _("Illustrative: invented for the demonstration, not "
                                          "real data."),
        },
    }
