"""The public geopark page, for visitors: one language at a time, the sites open to visitors.

Served at ``/geopark`` (endpoint ``maps.geopark``, registered by ``portal.views.maps``); a
shared link names one site with ``?site=<key>`` (see `portal.services.visitor_sites.site_key`).
The page carries its sites in its own JSON (no record id, status or progress) and draws them
with ``static/js/geopark-public.js``; the staff keep the planning view on the main map.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_babel import lazy_gettext
from markupsafe import Markup

from portal.services.visitor_sites import VisitorSite, find_site, first_photos, visitor_sites
from portal.store import features as feature_store
from portal.web.basemaps import client_basemaps
from portal.web.database import get_session
from portal.web.i18n import current_locale
from portal.web.params import parse_date

#: The site types as the public page names them, and the icon drawn when a site has no photo.
SITE_TYPES = {
    "geosite": (lazy_gettext("Geological heritage site"), "fa-mountain"),
    "cultural": (lazy_gettext("Cultural or historical site"), "fa-landmark"),
    "community_tourism": (lazy_gettext("Community tourism village"), "fa-house-chimney"),
    "viewpoint": (lazy_gettext("Viewpoint"), "fa-binoculars"),
}
#: The note after a text shown in Vietnamese because the visitor's language has none.
FALLBACK_NOTE = {"vi": "", "en": "(Vietnamese)", "zh": "（越南语）"}


def site_type(value: str) -> tuple[str, str]:
    """Return the visitor's name of a site type and its icon class."""
    label, icon = SITE_TYPES.get(value, (lazy_gettext("Site"), "fa-location-dot"))
    return str(label), icon


def share_url(site: VisitorSite, locale: str) -> str:
    """Return the link that opens the page on ``site`` in ``locale`` (the page's own host)."""
    return url_for("maps.geopark", site=site.key, lang=locale)


def page_json(value: Any) -> Markup:
    """Return ``value`` as JSON for a ``<script type="application/json">`` element.

    Letters stay as they are (Vietnamese and Chinese text is read by people looking at the
    source too); ``<``, ``>`` and ``&`` are escaped so no text can close the element.

    >>> text = page_json({"name": "Núi </script>"})
    >>> "Núi" in text, "</script>" in text
    (True, False)
    """
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _client_site(site: VisitorSite, locale: str) -> dict[str, Any]:
    label, _icon = site_type(site.site_type)
    return {
        "key": site.key,
        "name": site.name.value,
        "note": FALLBACK_NOTE.get(locale, "") if site.name.fallback else "",
        "type": label,
        "hours": site.texts["opening_hours"].value,
        "lat": site.lat,
        "lon": site.lon,
        "url": share_url(site, locale),
    }


def geopark_page():
    """Show the public geopark page: a map and a card per site open to visitors."""
    session = get_session()
    locale = current_locale()
    # Visitors read the sites as they are today (not the planners' "figures as of" date), so an
    # editor's change shows at once; ``as_of`` still reads an earlier day.
    as_of = parse_date(request.args["as_of"]) if request.args.get("as_of") else dt.date.today()
    rows = feature_store.read_features(session, "geopark", as_of)
    communes = feature_store.area_names(session, "commune")
    photos = first_photos(session, (row.id for row in rows))
    sites = visitor_sites(rows, locale, communes, photos)
    selected = find_site(sites, request.args.get("site"))
    settings = current_app.config["PORTAL_SETTINGS"]
    client = {
        "sites": [_client_site(site, locale) for site in sites],
        "selected": selected.key if selected else None,
        "strings": {"details": str(lazy_gettext("Details"))},
        "areas": url_for("api.list_areas", level="commune"),
        "basemap": {"url": settings.basemap_url, "attribution": settings.basemap_attribution}
        if settings.basemap_url
        else None,
        "basemaps": client_basemaps(locale),
        "noBasemap": str(lazy_gettext("No basemap")),
    }
    return render_template(
        "geopark.html",
        client_json=page_json(client),
        sites=sites,
        selected=selected,
        client=client,
        site_type=site_type,
        share_url=share_url,
        fallback_note=FALLBACK_NOTE.get(locale, ""),
    )
