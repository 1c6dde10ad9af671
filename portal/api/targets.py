"""``/api/targets``: the plan's targets and their status as of a day, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from portal.services import plan_targets as service
from portal.web.database import get_session
from portal.web.errors import MissingResource
from portal.web.params import as_of
from portal.web.target_board import cached_board

blueprint = Blueprint("targets_api", __name__)


@blueprint.get("/targets")
def list_targets():
    """Every target of the plan with its status, latest value and history as of ``as_of``.

    ``counts`` says how many targets are on track, at risk, off track or without data.
    """
    day = as_of()
    reports, counts = cached_board(day)
    return jsonify({"as_of": day.isoformat(), "counts": counts, "total": len(reports),
                    "targets": [r.as_dict() for r in reports]})  # fmt: skip


@blueprint.get("/targets/<code>")
def get_target(code: str):
    """One target as of ``as_of``: status, history, milestones and the latest value per area."""
    report = service.get_report(get_session(), code, as_of())
    if report is None:
        raise MissingResource(_("No target has the code %(code)s.", code=code), "code")
    return jsonify(report.as_dict())
