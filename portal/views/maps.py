"""Map pages: main map, planners, area, geopark, telecom tracker, about the data."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from geodata.old_names import predecessors
from layers import CATALOGUE, get_layer
from portal.services import exports
from portal.services.disclosure import ShownProgress, shown_progress
from portal.services.reports.area_card import area_progress_rows, area_records
from portal.services.villages import villages_to_do
from portal.store import features as feature_store
from portal.store import queries
from portal.store.progress import LEVELS, area_progress
from portal.views.geopark import geopark_page
from portal.web.audit_log import personal_read
from portal.web.cache import per_version
from portal.web.database import get_area_index, get_session
from portal.web.formats import fmt_day
from portal.web.i18n import current_locale
from portal.web.mapconfig import level_options, read_map_state, render_map
from portal.web.page_cache import public_page
from portal.web.params import default_as_of, parse_date
from portal.web.serialize import label

blueprint = Blueprint("maps", __name__)


@blueprint.app_context_processor
def data_badges() -> dict:
    """Give every page the provenance facts: approximate boundaries, illustrative data."""
    session = get_session()
    provenance = per_version("provenance", lambda: queries.boundary_provenance(session))
    return {
        "approximate_boundaries": "approximate" in provenance.values()
        or "mixed" in provenance.values(),
        "illustrative_layers": per_version(
            "illustrative", lambda: queries.illustrative_layers(session)
        ),
        "catalogue": CATALOGUE,
    }


@blueprint.get("/")
@public_page
def index():
    """Show the main map: every layer over the boundaries, with per-area progress."""
    state = read_map_state()
    return render_template(
        "map.html", map_html=render_map(state, "maps.index"), state=state, levels=level_options()
    )


def _shown(layer, level: str, as_of) -> list[ShownProgress]:
    """Return a level's progress as the reader may see it (small counts of personal data hidden)."""
    return shown_progress(layer, _progress(layer, level, as_of), current_user)


def _progress(layer, level: str, as_of) -> list:
    """Return a level's progress rows, kept until the data changes."""
    session = get_session()
    return per_version("area_progress", lambda: area_progress(
        session, layer, level, as_of, index=get_area_index()), layer.id, level, as_of)


def _ranked(layer, level: str, as_of) -> list[ShownProgress]:
    """Return the rows ranked as the planning page and its export show them."""
    return exports.ranked(_shown(layer, level, as_of))


def _expected_note(layer, as_of: dt.date) -> str:
    """Explain the "Expected" column: one straight line, so one value for every area."""
    start, locale = dt.date(layer.deadline.year, 1, 1), current_locale()
    return _(
        "Expected: the share that would be done on %(date)s if the work went in a straight "
        "line from the plan start (%(start)s) to the deadline (%(deadline)s). Every area shares "
        "this plan start and deadline, so the value is the same on every row; an area is "
        "lagging when its progress is below it.",
        date=fmt_day(as_of, locale), start=fmt_day(start, locale),
        deadline=fmt_day(layer.deadline, locale),
    )


@blueprint.get("/planning")
@public_page
def planning():
    """Show planners per-area progress against target for a layer, ranked, with lagging flags."""
    state = read_map_state()
    layer = get_layer(state.layer)
    rows = _ranked(layer, state.level, state.as_of)
    summary = [(lay, _shown(lay, "province", state.as_of)) for lay in CATALOGUE]
    lagging_only = request.args.get("lagging") == "1"
    return render_template(
        "planning.html",
        state=state,
        layer=layer,
        rows=rows,
        lagging_only=lagging_only,
        shown_count=sum(1 for r in rows if r.lagging or not lagging_only),
        expected_note=_expected_note(layer, state.as_of),
        summary=summary,
        levels=level_options(),
        map_html=render_map(state, "maps.planning"),
    )


def _area_records(level: str, code: str, as_of) -> dict[str, list]:
    """Return the records listed on an area's page, personal ones only for their readers.

    The rule is `area_card.area_records` (the printed card uses it too); the personal records
    shown are written to the audit log.
    """
    found = area_records(get_session(), current_user, level, code, as_of)
    for layer_id, ids in found.personal_ids.items():
        personal_read(layer_id, ids, "area_page", area=code)
    return found.by_layer


@blueprint.get("/area/<level>/<code>")
def area_page(level: str, code: str):
    """Show every layer for one commune or district."""
    if level not in LEVELS:
        abort(404)
    session = get_session()
    area = queries.get_area(session, level, code)
    if area is None:
        abort(404)
    as_of = parse_date(request.args.get("as_of"))
    progress = area_progress_rows(lambda layer: _progress(layer, level, as_of), current_user, code)
    records = _area_records(level, code, as_of) if level != "province" else {}
    state = read_map_state(default_layer=request.args.get("layer", "signal"))
    state = state.__class__(**{**state.__dict__, "area": code, "level": level})
    return render_template(
        "area.html",
        area=area,
        old_units=predecessors(code) if level == "commune" else [],
        level=level,
        as_of=as_of,
        progress=progress,
        records=records,
        label=label,
        locale=current_locale(),
        map_html=render_map(state, "maps.area_page"),
    )


# The public geopark page lives in its own module; its endpoint stays ``maps.geopark``.
blueprint.add_url_rule("/geopark", "geopark", public_page(geopark_page))


#: Villages the tracker lists at once (the longest waiting); the downloads hold every one.
VILLAGES_SHOWN = 300


@blueprint.get("/telecom")
@public_page
def telecom():
    """Show the dead-zone tracker: villages by milestone, per commune, left over time."""
    layer = get_layer("signal")
    state = read_map_state(default_layer="signal", default_visible=("signal",))
    session = get_session()
    counts = per_version("status_counts", lambda: queries.status_counts(
        session, "signal", state.as_of), state.as_of)
    done = {s.id for s in layer.statuses if s.done}
    total = sum(counts.values())
    left = total - sum(n for s, n in counts.items() if s in done)
    communes = exports.most_left(_progress(layer, "commune", state.as_of))
    plan_start = dt.date(layer.deadline.year, 1, 1)
    history = per_version("timeline", lambda: queries.timeline(
        session, "signal", done, queries.month_ends(plan_start, state.as_of)), state.as_of)
    commune = request.args.get("commune") or None
    shown_left = next((r.count - r.done for r in communes if r.code == commune), 0) \
        if commune else left
    to_do = [s.id for s in layer.statuses if not s.done]
    villages = per_version("villages", lambda: villages_to_do(
        layer,
        feature_store.longest_waiting(session, "signal", state.as_of, to_do, VILLAGES_SHOWN,
                                      ("commune", commune) if commune else None),
        feature_store.area_names(session, "commune"), state.as_of, current_locale(),
    ), state.as_of, commune, current_locale(), VILLAGES_SHOWN)
    return render_template(
        "telecom.html",
        villages=villages,
        villages_left=shown_left,
        # "now: <milestone>" once per status, not once per row.
        now_labels={s.id: _("now: %(status)s", status=label(s, current_locale()))
                    for s in layer.statuses},
        commune=commune,
        to_do=to_do,
        layer=layer,
        state=state,
        counts=counts,
        total=total,
        left=left,
        communes=communes,
        history=history,
        label=label,
        map_html=render_map(state, "maps.telecom", layers=(layer,)),
    )


@blueprint.get("/about")
@public_page
def about():
    """Explain where the data comes from and how far to trust it."""
    session = get_session()
    return render_template(
        "about.html",
        provenance=queries.boundary_provenance(session),
        as_of=default_as_of(),
        title=_("About the data"),
    )
