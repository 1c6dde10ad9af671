"""Printed report cards: one area's PDF, and a level's cards as one ZIP built in the background.

``GET /reports/area/<level>/<code>.pdf`` is public as the area page is: a visitor's card has
counts only, a signed-in reader's the records the area page would show them (each card with
personal records written to the audit log). The batch (``/reports/cards``) is for signed-in
accounts: a job belongs to whoever started it (and administrators).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from portal.services.reports.area_card import CardSource, Reader
from portal.store.progress import LEVELS, area_progress
from portal.web import report_jobs
from portal.web.audit_log import personal_read
from portal.web.auth import require_roles
from portal.web.cache import per_version
from portal.web.database import get_area_index, get_session
from portal.web.errors import BadRequest, MissingResource
from portal.web.i18n import current_locale
from portal.web.params import default_as_of, parse_date
from portal.web.report_cards import LANGS, render_card

blueprint = Blueprint("reports", __name__)
#: Every signed-in role may print a level's cards (each card as that reader may see it).
SIGNED_IN = ("planner", "industry_editor", "border_editor", "tourism_editor", "telecom_editor",
             "housing_editor", "viewer")  # fmt: skip


def _lang() -> str:
    lang = request.values.get("lang") or current_locale()
    if lang not in LANGS:
        raise BadRequest(_("lang must be vi or en (got %(value)s).", value=lang[:20]), "lang")
    return lang


def _dates():
    as_of = parse_date(request.values.get("as_of"))
    since = request.values.get("since")
    since = parse_date(since, "since") if since else None
    if since is not None and since > as_of:
        raise BadRequest(_("since (%(since)s) must be on or before as_of (%(as_of)s).",
                           since=since.isoformat(), as_of=as_of.isoformat()), "since")
    return as_of, since


def _level(level: str) -> str:
    if level not in LEVELS:
        raise MissingResource(_("Unknown level %(level)s: province, district or commune.",
                                level=level[:20]), "level")
    return level


@blueprint.get("/reports/area/<level>/<code>.pdf")
def area_card(level: str, code: str):
    """Return one area's report card as PDF in vi or en (``lang``), as of a day, since a day."""
    level, lang = _level(level), _lang()
    as_of, since = _dates()
    session = get_session()
    source = CardSource(session, as_of, since, progress_of=lambda layer, lv: per_version(
        "area_progress", lambda: area_progress(session, layer, lv, as_of,
                                               index=get_area_index()), layer.id, lv, as_of))
    card = render_card(source, Reader.of(current_user), level, code, lang)
    if card is None:
        abort(404)
    for layer_id, ids in card.personal_ids.items():
        personal_read(layer_id, ids, "report_card", area=code)
    response = Response(card.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{card.file_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/reports/cards")
@require_roles(*SIGNED_IN)
def cards_page():
    """Show the form that prints every area of a level, with a progress bar, and past batches."""
    jobs = report_jobs.owned_jobs(current_user.id, Reader.of(current_user))
    return render_template("reports/cards.html", as_of=default_as_of(), levels=LEVELS,
                           jobs=[_listed(job) for job in jobs],
                           title=_("Report cards"))  # fmt: skip


@blueprint.post("/reports/cards")
@require_roles(*SIGNED_IN)
def start_cards():
    """Start building every card of a level (``level``, ``as_of``, ``since``, ``lang``)."""
    level = request.values.get("level", "")
    if level not in LEVELS:
        raise BadRequest(_("Unknown level %(level)s: province, district or commune.",
                           level=level[:20]), "level")
    lang = _lang()
    as_of, since = _dates()
    state = report_jobs.start_job(Reader.of(current_user), current_user.id, level, as_of,
                                  since, lang)  # fmt: skip
    return jsonify(_public(state)), 202


def _public(state: dict) -> dict:
    return {**{k: state[k] for k in ("id", "level", "as_of", "since", "lang", "done", "total",
                                     "state")}, "resumes": state.get("resumes", 0)}  # fmt: skip


def _listed(state: dict) -> dict:
    """Return a past batch as the page lists it: its dates as dates (started: server time)."""
    return _public(state) | {"created": dt.datetime.fromtimestamp(state.get("created", 0)),
                             "as_of": dt.date.fromisoformat(state["as_of"])}  # fmt: skip


def _own_job(job: str, resume: bool = False) -> dict:
    """Return the state of a job the user started (any job for an administrator).

    ``resume``: a job that lost its worker starts again, with the rights of its owner only.
    """
    owner = (current_user.id, Reader.of(current_user)) if resume else None
    state = report_jobs.read_job(job, owner)
    if state is None or (state["owner"] != current_user.id and current_user.role != "admin"):
        raise MissingResource(_("No such job (jobs are kept for a day)."), "job")
    return state


@blueprint.get("/reports/cards/<job>")
@require_roles(*SIGNED_IN)
def job_progress(job: str):
    """Return a job's progress: done, total, state (running, done, failed), resumes."""
    return jsonify(_public(_own_job(job, resume=True)))


@blueprint.get("/reports/cards/<job>.zip")
@require_roles(*SIGNED_IN)
def job_file(job: str):
    """Return a finished job's ZIP of cards."""
    state = _own_job(job)
    path = report_jobs.job_zip(job)
    if state["state"] != "done" or not path.exists():
        raise MissingResource(_("The cards are not ready yet."), "job")
    name = f"report-cards-{state['level']}-{state['as_of']}-{state['lang']}.zip"
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name,
                     max_age=0)  # fmt: skip
