"""The schemas of the OpenAPI document of ``/api`` and ``/tiles``: the JSON each route answers.

``portal.api.openapi_spec`` refers to them by name (``ref("schemas", "Layer")``).
"""

from __future__ import annotations

from typing import Any

from layers import CATALOGUE
from portal.store.progress import LEVELS

LAYER_IDS = [layer.id for layer in CATALOGUE]


def ref(kind: str, name: str) -> dict[str, str]:
    """Return a reference to a component."""
    return {"$ref": f"#/components/{kind}/{name}"}


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """Return an object schema with these properties, the ``required`` ones listed."""
    found: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        found["required"] = list(required)
    return found


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` that may also be null."""
    return {**schema, "nullable": True}


STR, INT, NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj(
        ("ok", "status", "error", "errors"),
        ok={"type": "boolean", "enum": [False]}, status={"type": "integer", "minimum": 400},
        error=STR,
        errors={"type": "array", "items": obj(
            ("message",), row=nullable(INT), field=nullable(STR), value={},
            message=STR)},
    ),
    "Feature": obj(("type", "geometry", "properties"), type={"type": "string",
                    "enum": ["Feature"]}, id={}, geometry=nullable(ANY_OBJECT),
                    properties=ANY_OBJECT),
    "FeatureCollection": obj(
        ("type", "features"), type={"type": "string", "enum": ["FeatureCollection"]},
        numberMatched={"type": "integer", "minimum": 0},
        numberReturned={"type": "integer", "minimum": 0}, asOf=DATE, clustered=BOOL,
        features={"type": "array", "items": ref("schemas", "Feature")},
    ),
    "Layer": obj(
        ("id", "name", "names", "recordsPublic", "statuses", "fields"),
        id={"type": "string", "enum": LAYER_IDS}, name=STR, names=obj(("vi", "en"), vi=STR,
                                                                      en=STR),
        description=STR, geometryTypes={"type": "array", "items": STR}, color=STR, icon=STR,
        cluster=BOOL, recordsPublic=BOOL, workflow=BOOL, deadline=DATE, target=STR,
        progressRule=STR, fieldLabels=ANY_OBJECT,
        statuses={"type": "array", "items": obj(("id", "label", "done"), id=STR, label=STR,
                                                 color=STR, done=BOOL)},
        fields={"type": "array", "items": obj(("name", "label", "type"), name=STR, label=STR,
                                               type=STR, choices=ANY_OBJECT)},
        popupFields={"type": "array", "items": ANY_OBJECT},
    ),
    "Progress": obj(("code", "name", "count", "lagging"), code=STR, name=STR,
                     count=nullable(INT), target=nullable(NUM), done=nullable(NUM),
                     percent=nullable(NUM), expected_percent=nullable(NUM), lagging=BOOL,
                     suppressed=BOOL, status_counts=ANY_OBJECT),
    "Changes": obj(("since", "until", "level", "counts", "layers", "records", "areas"),
                    since=DATE, until=DATE, level={"type": "string", "enum": list(LEVELS)},
                    layer=nullable(STR), counts=ANY_OBJECT,
                    layers={"type": "array", "items": ANY_OBJECT},
                    records={"type": "array", "items": ANY_OBJECT},
                    areas={"type": "array", "items": ANY_OBJECT}),
    "SearchResult": obj(("kind", "name"), kind=STR, name=STR, id={}, layer=nullable(STR),
                         level=nullable(STR), code=nullable(STR)),
    "Record": obj(("type", "id", "layer", "version", "properties"), type={"type": "string",
                   "enum": ["Feature"]}, id=INT, layer={"type": "string", "enum": LAYER_IDS},
                   version=INT, deleted=BOOL, canEdit=BOOL, restricted=BOOL,
                   geometry=nullable(ANY_OBJECT), properties=ANY_OBJECT,
                   photos={"type": "array", "items": ref("schemas", "Photo")}),
    "History": obj(("id", "history"), id=INT, version=INT,
                    history={"type": "array", "items": obj(
                        ("valid_from", "status"), valid_from=DATE, valid_to=nullable(DATE),
                        status=STR, status_label=STR, progress=nullable(NUM),
                        author=nullable(STR), note=nullable(STR))}),
    "Photo": obj(("id", "url", "thumb"), id=INT, url=STR, thumb=STR, width=INT, height=INT,
                  caption=STR, uploaded_at=STR),
    "ImportResult": obj(("ok", "dry_run", "summary"), ok={"type": "boolean", "enum": [True]},
                         dry_run=BOOL, file=STR, summary=ANY_OBJECT, notes={"type": "array"},
                         columns={}, rows_read=INT, preview={}),
    "Raster": obj(
        ("id", "kind", "names", "unit", "provenance", "bounds", "legend", "tiles"),
        id=INT, kind=STR, kindName=STR, name=STR, names=obj(("vi", "en"), vi=STR, en=STR),
        unit=STR, source=STR, asOf=DATE,
        provenance={"type": "string", "enum": ["official", "approximate", "illustrative"]},
        public=BOOL, bounds={"type": "array", "items": NUM, "minItems": 4, "maxItems": 4},
        bands=INT, width=INT, height=INT, style=ANY_OBJECT, withdrawn=BOOL,
        legend={"type": "array", "items": obj(("value", "color"), value=NUM, color=STR)},
        tiles=STR, stats={"type": "array", "items": ANY_OBJECT}),
    "Target": obj(
        ("code", "name_vi", "name_en", "unit", "direction", "target", "status", "history"),
        code=STR, name_vi=STR, name_en=STR, unit=STR,
        direction={"type": "string", "enum": ["at_least", "at_most", "exactly"]},
        year=INT, target=NUM, baseline=nullable(NUM), baseline_date=nullable(DATE),
        department=STR, milestones={"type": "array"}, computed=nullable(ANY_OBJECT),
        illustrative=BOOL, as_of=DATE, area=nullable(ANY_OBJECT),
        status={"type": "string", "enum": ["on_track", "at_risk", "off_track", "no_data"]},
        value=nullable(NUM), value_date=nullable(DATE), source=nullable(STR),
        provenance=nullable(STR), expected=nullable(NUM), history={"type": "array"},
        areas=ANY_OBJECT),
    "Edit": obj(version={"type": "integer", "description": "The record's current version."},
                 reason={"type": "string", "description": "Why (required by some layers)."},
                 date=DATE, status=STR, progress=nullable(NUM),
                 properties={"type": "object"}, geometry=nullable(ANY_OBJECT)),
}
