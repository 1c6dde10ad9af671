"""Parsing and checking API query parameters; a bad value raises BadRequest naming it."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from layers import get_layer
from layers.base import LayerSpec
from portal.store.features import BBox, area_names, is_finite_bbox
from portal.store.progress import LEVELS
from portal.web.database import get_session
from portal.web.errors import BadRequest, InvalidParameter

#: The largest id a path may name: the ids are 32-bit integers in PostgreSQL (and a number past
#: 64 bits overflows SQLite's driver), so a larger one names nothing: 404, never a 500.
LARGEST_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """Flask's ``<int:...>`` converter, refusing numbers above ``LARGEST_ID`` (a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Make ``<int:...>`` in every route of ``app`` bounded (call before adding routes)."""
    app.url_map.converters["int"] = BoundedInt


def default_as_of() -> dt.date:
    """Return the date maps show when none is asked for.

    The configured date if any; else the date of the latest recorded update ("figures as of"),
    so that a store whose last report is months old does not show every area as lagging
    against today; else today.
    """
    configured = current_app.config["PORTAL_SETTINGS"].default_as_of
    if configured:
        return configured
    from portal.store.queries import latest_update
    from portal.web.cache import per_version
    from portal.web.database import get_session

    session = get_session()
    latest = per_version("latest_update", lambda: latest_update(session))
    return min(latest, dt.date.today()) if latest else dt.date.today()


#: Dates a request may ask for: the plan's records start in the 2000s; far dates only break
#: date arithmetic (``until - 30 days`` before year 1).
EARLIEST_DATE, LATEST_DATE = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def parse_date(value: str | None, field: str = "as_of") -> dt.date:
    """Read a YYYY-MM-DD date (or dd/mm/yyyy) from 1990 to 2100; empty means the default date."""
    if not value:
        return default_as_of()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise BadRequest(
                _("%(field)s must be between %(first)s and %(last)s.", field=field,
                  first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat()),
                field=field,
            )
        return day
    raise BadRequest(
        _("%(field)s must be a real date such as 2025-06-30 (got %(value)s).", field=field,
          value=value[:40]),
        field=field,
    )


def as_of() -> dt.date:
    """Return the request's ``as_of`` date."""
    return parse_date(request.args.get("as_of"))


def level(default: str = "commune") -> str:
    """Return the request's area level."""
    value = request.args.get("level", default)
    if value not in LEVELS:
        raise BadRequest(
            _("level must be one of: %(levels)s.", levels=", ".join(LEVELS)), field="level"
        )
    return value


def area(level_name: str, name: str = "code") -> tuple[str, str] | None:
    """Return ``(level, code)`` for the request's area code, None without one.

    The code must be one of the stored areas of that level: it reaches queries and file names.
    """
    value = request.args.get(name)
    if not value:
        return None
    if value not in area_names(get_session(), level_name):
        raise BadRequest(
            _("%(field)s must be the code of a stored area of level %(level)s.", field=name,
              level=level_name),
            field=name,
        )
    return level_name, value


def layer_arg(name: str = "layer") -> LayerSpec:
    """Return the layer named by a required query argument."""
    value = request.args.get(name)
    if not value:
        raise BadRequest(_("The %(field)s parameter is required.", field=name), field=name)
    return get_layer(value)


def bbox() -> BBox | None:
    """Return the request's ``bbox=minx,miny,maxx,maxy`` in degrees, if any."""
    value = request.args.get("bbox")
    if not value:
        return None
    try:
        parts = tuple(float(p) for p in value.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or not is_finite_bbox(parts):  # type: ignore[arg-type]
        raise BadRequest(
            _("bbox must be four numbers: minx,miny,maxx,maxy (longitude, latitude)."),
            field="bbox",
        )
    return parts  # type: ignore[return-value]


def integer(name: str, default: int, minimum: int, maximum: int) -> int:
    """Return an integer query argument within bounds."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if not minimum <= number <= maximum:
        raise BadRequest(
            _("%(field)s must be a whole number from %(min)s to %(max)s.", field=name,
              min=minimum, max=maximum),
            field=name,
        )
    return number


def incomplete() -> bool:
    """Return whether ``incomplete=1`` asks for the records missing some required fields."""
    return request.args.get("incomplete", "0").lower() in ("1", "true", "yes")


def statuses(layer: LayerSpec) -> tuple[str, ...]:
    """Return the layer's status ids of ``status=paused,cancelled`` (empty: every status).

    Each value must be one of the layer's status ids; an unknown one answers 422 naming the
    ones the layer has.
    """
    value = request.args.get("status", "")
    asked = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    known = [s.id for s in layer.statuses]
    unknown = [v for v in asked if v not in known]
    if unknown:
        raise InvalidParameter(
            _("status %(value)s is not a status of the layer %(layer)s; its statuses are: "
              "%(known)s.", value=unknown[0][:40], layer=layer.id, known=", ".join(known)),
            field="status",
        )
    return asked
