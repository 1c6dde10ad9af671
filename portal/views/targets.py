"""The plan's targets board (``/targets``), one target's page, the planners' forms and import."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from geodata.errors import GeodataError
from layers import CATALOGUE
from portal.services import plan_targets as service
from portal.services.plan_computed import RULES
from portal.services.plan_status import TOLERANCE
from portal.services.plan_target_import import XLSX_MIME, import_targets_file, template_xlsx
from portal.services.plan_target_rows import (
    DIRECTION_WORDS,
    LEVEL_WORDS,
    PROVENANCE_WORDS,
    TARGET_COLUMNS,
    VALUE_COLUMNS,
    TargetRejected,
)
from portal.services.plan_target_svg import area_map, sparkline
from portal.store import loader, queries
from portal.store import plan_targets as store
from portal.web.auth import require_roles
from portal.web.database import get_database, get_session
from portal.web.errors import row_errors
from portal.web.i18n import current_locale
from portal.web.params import as_of as requested_as_of
from portal.web.target_board import cached_board

blueprint = Blueprint("targets", __name__)

#: Who adds, edits and imports targets (admins always pass ``require_roles``).
TARGET_EDITORS = ("planner",)


def _words() -> dict:
    """Return the vocabulary the templates share."""
    locale = current_locale()
    pick = (lambda vi, en: en) if locale == "en" else (lambda vi, en: vi)
    return {
        "directions": {v: pick(vi, en) for v, vi, en in DIRECTION_WORDS},
        "provenances": {v: pick(vi, en) for v, vi, en in PROVENANCE_WORDS},
        "levels": {v: pick(vi, en) for v, vi, en in LEVEL_WORDS},
        "rules": {k: pick(r.text_vi, r.text_en) for k, r in RULES.items()},
        "locale": locale,
        "tolerance": round(TOLERANCE * 100),
        "can_edit": _can_edit(),
        "layer_names": {layer.id: layer.name(locale) for layer in CATALOGUE},
    }


def _can_edit() -> bool:
    return bool(getattr(current_user, "is_authenticated", False)
                and getattr(current_user, "role", None) in ("admin", *TARGET_EDITORS))


def _spark(report: service.TargetReport) -> str:
    points = [(r.date, r.value) for r in report.history]
    title = _("History of %(name)s", name=report.target.name(current_locale()))
    return sparkline(points, report.target.target_value, title)


@blueprint.get("/targets")
def board_page():
    """Show every target of the plan as a card: value vs target, status, history, provenance."""
    as_of = requested_as_of()
    reports, counts = cached_board(as_of)
    return render_template(
        "targets.html", reports=reports, counts=counts, total=len(reports), as_of=as_of,
        as_of_chosen=bool(request.args.get("as_of")), sparks={r.target.code: _spark(r)
                                                             for r in reports}, **_words(),
    )  # fmt: skip


@blueprint.get("/targets/<code>")
def target_page(code: str):
    """Show one target: its history, milestones, per-area map and the records behind it."""
    as_of = requested_as_of()
    session = get_session()
    report = service.get_report(session, code, as_of)
    if report is None:
        abort(404)
    names, svg = {}, ""
    if report.areas:
        level = "commune"
        areas = loader.load_areas(session, level)
        names = dict(zip(areas["code"], areas["name"], strict=True))
        links = {c: url_for("maps.area_page", level=level, code=c) for c in names}
        svg = area_map(areas, {c: r.value for c, r in report.areas.items()},
                       _("%(name)s by commune", name=report.target.name(current_locale())),
                       links)  # fmt: skip
    return render_template(
        "target.html", report=report, as_of=as_of, spark=_spark(report), area_svg=svg,
        area_names=names, records=service.behind_records(session, report),
        area_rows=sorted(report.areas.items(), key=lambda item: -item[1].value),
        as_of_chosen=bool(request.args.get("as_of")), value_columns=VALUE_COLUMNS, errors=[],
        form={}, **_words(),
    )  # fmt: skip


def _form_page(target, form: dict, errors: list, status: int = 200):
    return render_template("target_form.html", target=target, form=form, errors=errors,
                           columns=TARGET_COLUMNS, **_words()), status  # fmt: skip


def _target_cells(target) -> dict[str, str]:
    if target is None:
        return {}
    milestones = "; ".join(f"{m['date'][8:10]}/{m['date'][5:7]}/{m['date'][:4]}: {m['value']:g}"
                           for m in target.milestones or [])  # fmt: skip
    day = target.baseline_date
    return {
        "code": target.code, "name_vi": target.name_vi, "name_en": target.name_en,
        "unit": target.unit, "direction": target.direction,
        "target_value": f"{target.target_value:g}",
        "year": str(target.year), "department": target.department, "milestones": milestones,
        "baseline_value": "" if target.baseline_value is None else f"{target.baseline_value:g}",
        "baseline_date": day.strftime("%d/%m/%Y") if day else "",
        "computed": target.computed or "",
    }  # fmt: skip


@blueprint.route("/targets/new", methods=["GET", "POST"], endpoint="new_target")
@blueprint.route("/targets/<code>/edit", methods=["GET", "POST"])
@require_roles(*TARGET_EDITORS)
def edit_target(code: str | None = None):
    """Add a target, or change one (planners and admins); every problem shown by field."""
    target = store.get_target(get_session(), code) if code else None
    if code and target is None:
        abort(404)
    if request.method == "GET":
        return _form_page(target, _target_cells(target), [])
    cells = {c.key: request.form.get(c.key, "") for c in TARGET_COLUMNS}
    try:
        with get_database().transaction() as session:
            saved = service.save_target_form(session, cells, current_user.username, code)
            saved_code = saved.code
    except TargetRejected as exc:
        return _form_page(target, cells, row_errors(exc.problems), 422)
    return redirect(url_for("targets.target_page", code=saved_code), 303)


@blueprint.post("/targets/<code>/values")
@require_roles(*TARGET_EDITORS)
def add_value(code: str):
    """Add one reported value to a target (not to a computed one) from the target's page."""
    if store.get_target(get_session(), code) is None:
        abort(404)
    cells = {c.key: request.form.get(c.key, "") for c in VALUE_COLUMNS if c.key != "code"}
    try:
        with get_database().transaction() as session:
            service.add_value_form(session, code, cells, current_user.username,
                                   lambda lv, ac: queries.get_area(session, lv, ac) is not None)
    except TargetRejected as exc:
        as_of = requested_as_of()
        session = get_session()
        report = service.get_report(session, code, as_of)
        return render_template(
            "target.html", report=report, as_of=as_of, spark=_spark(report), area_svg="",
            area_names={}, records=service.behind_records(session, report), as_of_chosen=False,
            area_rows=[],
            value_columns=VALUE_COLUMNS, errors=row_errors(exc.problems), form=cells,
            **_words(),
        ), 422  # fmt: skip
    return redirect(url_for("targets.target_page", code=code), 303)


@blueprint.get("/targets/template/<kind>.xlsx")
def template(kind: str):
    """Download the XLSX template of targets (``targets``) or of reported values (``values``)."""
    if kind not in ("targets", "values"):
        abort(404)
    content, name = template_xlsx(kind)
    return Response(content, mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.route("/targets/import", methods=["GET", "POST"])
@require_roles(*TARGET_EDITORS)
def import_page():
    """Import a filled template (planners and admins): all rows or none, problems by row."""
    if request.method == "GET":
        return render_template("target_import.html", errors=[], summary=None, **_words())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors = [{"row": None, "field": "file", "message": _("Choose a file to import.")}]
        return render_template("target_import.html", errors=errors, summary=None,
                               **_words()), 400  # fmt: skip
    suffix = Path(upload.filename).suffix.lower()[:8] or ".xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        try:
            with get_database().transaction() as session:
                summary = import_targets_file(session, path, current_user.username)
        except GeodataError as exc:
            message = (getattr(exc, "user_msg_vi", None) if current_locale() != "en" else None)
            errors = row_errors(exc.problems) or [
                {"row": exc.row, "field": exc.field, "message": message or exc.user_msg}]
            return render_template("target_import.html", errors=errors, summary=None,
                                   **_words()), 422  # fmt: skip
    return render_template("target_import.html", errors=[], summary=summary, **_words())
