"""The kept basemaps as the map pages use them: the instance folder, the client's list, URLs.

The configured ``PORTAL_BASEMAP_URL`` wins: with it the pages draw that one tile layer as
before. Otherwise every basemap kept in ``<instance>/basemaps/`` (`portal.services.basemaps`)
is offered as a base layer, the default one shown first, with "no basemap" as one choice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, g, url_for
from flask.sessions import SecureCookieSessionInterface

from portal.services import basemaps as basemap_service


class PublicFileSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, but nothing saved and no ``Vary: Cookie`` on a public file.

    Flask-Login looks into the session after every request; on a basemap tile or a public
    raster's tile (``g.public_file``) that look would add ``Vary: Cookie`` and keep shared
    caches from keeping the tile for everyone.
    """

    def save_session(self, app, session, response) -> None:
        """Save as Flask does, except for public files."""
        if g.get("public_file"):
            return None
        return super().save_session(app, session, response)


def instance_folder() -> Path:
    """Return the running portal's instance folder."""
    return Path(current_app.config["PORTAL_SETTINGS"].instance_path)


def basemaps_version() -> int:
    """Return the number that changes with the kept basemaps (page cache keys)."""
    return basemap_service.basemaps_version(instance_folder())


def tile_url(basemap: basemap_service.Basemap) -> str:
    """Return the Leaflet URL template of a kept basemap's tiles."""
    return (url_for("basemaps.basemap_tile", name=basemap.name, z=0, x=0, y=0,
                    ext=basemap.extension)
            .replace("/0/0/0.", "/{z}/{x}/{y}."))


def client_basemaps(locale: str) -> list[dict[str, Any]]:
    """Return the kept basemaps for the browser, the default first-marked; [] when a URL wins."""
    settings = current_app.config["PORTAL_SETTINGS"]
    if settings.basemap_url:
        return []
    instance = instance_folder()
    kept = basemap_service.list_basemaps(instance)
    default = basemap_service.default_name(instance, kept)
    return [
        {
            "name": basemap.name,
            "label": basemap.label(locale),
            "kind": basemap.kind,
            "url": tile_url(basemap),
            "attribution": basemap.attribution,
            "minZoom": basemap.min_zoom,
            "maxZoom": basemap.max_zoom,
            "bounds": [[basemap.bounds[1], basemap.bounds[0]],
                       [basemap.bounds[3], basemap.bounds[2]]],
            "default": basemap.name == default,
        }
        for basemap in kept
    ]
