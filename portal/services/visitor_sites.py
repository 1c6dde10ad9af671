"""The geopark's sites as a visitor reads them: one language, no statuses, no internal ids.

A site text (name, description, visitor information, opening hours, how to get there) is read in
the visitor's language; when that one is empty the Vietnamese text is given instead, flagged
``fallback`` so the page says so. Only sites open to visitors are listed (a done status of the
geopark layer): a site still being surveyed or signposted is not one to send a visitor to.
Each site is named in URLs by a key made of its Vietnamese name and a hash of its record id,
so a shared link survives a renaming and never shows the id itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import shapely

from geodata.text import fold
from layers.geopark import LAYER, text_field_name
from portal.store.models import Photo

LANGUAGES = ("vi", "en", "zh")
#: Site text -> the name of its Vietnamese field when it is not ``<text>_vi``.
VI_NAMES = {"visitor_info": "visitor_info", "opening_hours": "opening_hours"}
TEXTS = ("description", "visitor_info", "opening_hours", "access")
KEY_HASH_LENGTH = 6


@dataclass(frozen=True)
class Text:
    """One site text in the language shown; ``fallback`` when it is the Vietnamese stand-in."""

    value: str
    fallback: bool = False


@dataclass(frozen=True)
class VisitorSite:
    """What the public page shows of one site."""

    key: str
    name: Text
    site_type: str
    commune: str
    texts: Mapping[str, Text]
    lat: float
    lon: float
    photo_id: int | None


def site_key(record_id: str, name: str) -> str:
    """Return the URL key of a site: its name folded to ASCII and a hash of its record id.

    >>> site_key("demo-geopark-0001", "Núi Mẫu Sơn")
    'nui-mau-son-2420c2'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60]
    digest = hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:KEY_HASH_LENGTH]
    return f"{slug}-{digest}" if slug else digest


def key_hash(key: str) -> str:
    """Return the part of a site key that identifies the site (its last hyphenated part).

    >>> key_hash("nui-mau-son-2420c2")
    '2420c2'
    """
    return key.rsplit("-", 1)[-1]


def pick(values: Mapping[str, Any], fields: Mapping[str, str], lang: str) -> Text:
    """Return the text in ``lang``, else the Vietnamese one flagged as a fallback.

    ``fields`` maps each language to the name of the value holding it.

    >>> names = {"vi": "name", "en": "name_en", "zh": "name_zh"}
    >>> pick({"name": "Núi Mẫu Sơn", "name_zh": "母山"}, names, "zh")
    Text(value='母山', fallback=False)
    >>> pick({"name": "Núi Mẫu Sơn", "name_en": " "}, names, "en")
    Text(value='Núi Mẫu Sơn', fallback=True)
    """
    own = str(values.get(fields.get(lang, ""), "") or "").strip()
    if own or lang == "vi":
        return Text(own)
    vi = str(values.get(fields["vi"], "") or "").strip()
    return Text(vi, fallback=bool(vi))


def _fields(text: str) -> dict[str, str]:
    return {lang: text_field_name(text, lang, VI_NAMES.get(text)) for lang in LANGUAGES}


def _point(geom: bytes) -> tuple[float, float]:
    shape = shapely.from_wkb(geom)
    point = shape if shape.geom_type == "Point" else shape.representative_point()
    return round(point.y, 6), round(point.x, 6)


def first_photos(session: Session, feature_ids: Iterable[int]) -> dict[int, int]:
    """Return each record's first photo still attached (record id -> photo id)."""
    ids = list(feature_ids)
    if not ids:
        return {}
    query = (
        select(Photo.feature_id, func.min(Photo.id))
        .where(Photo.feature_id.in_(ids), Photo.deleted_at.is_(None))
        .group_by(Photo.feature_id)
    )
    return {fid: pid for fid, pid in session.execute(query)}


def open_to_visitors(status: str | None) -> bool:
    """Tell whether a site in this status is listed for visitors (a done status)."""
    return any(s.id == status and s.done for s in LAYER.statuses)


def visitor_sites(
    rows: Iterable[Any], lang: str, communes: Mapping[str, str], photos: Mapping[int, int]
) -> list[VisitorSite]:
    """Return the sites open to visitors, their texts in ``lang``, sorted by name shown."""
    sites = []
    for row in rows:
        if not open_to_visitors(row.status):
            continue
        values = {**(row.attributes or {}), **(row.state_attributes or {}), "name": row.name}
        lat, lon = _point(row.geom)
        sites.append(VisitorSite(
            key=site_key(row.record_id, row.name),
            name=pick(values, {"vi": "name", "en": "name_en", "zh": "name_zh"}, lang),
            site_type=str(values.get("site_type") or ""),
            commune=communes.get(row.commune_code or "", ""),
            texts={text: pick(values, _fields(text), lang) for text in TEXTS},
            lat=lat, lon=lon,
            photo_id=photos.get(row.id),
        ))  # fmt: skip
    # Sites named in the visitor's language first, then those shown under their Vietnamese name.
    return sorted(sites, key=lambda s: (s.name.fallback, fold(s.name.value)))


def find_site(sites: Iterable[VisitorSite], key: str | None) -> VisitorSite | None:
    """Return the site a shared URL names (by the hash part of its key), or None."""
    if not key:
        return None
    wanted = key_hash(key)
    return next((s for s in sites if key_hash(s.key) == wanted), None)
