"""``/reports/briefing.pdf``: the province's monthly briefing for the leadership meeting."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from layers import CATALOGUE
from portal.services.plan_computed import RULES
from portal.services.plan_status import TOLERANCE
from portal.services.plan_target_rows import PROVENANCE_WORDS
from portal.services.plan_target_svg import sparkline
from portal.services.reports.briefing import build_briefing, month_before
from portal.services.reports.briefing_log import last_printed, note_print
from portal.services.reports.pdf import render_pdf
from portal.web.auth import require_roles
from portal.web.cache import per_version
from portal.web.database import get_database, get_session
from portal.web.errors import BadRequest
from portal.web.formats import fmt_day
from portal.web.i18n import current_locale
from portal.web.params import parse_date
from portal.web.target_board import cached_board, targets_version

blueprint = Blueprint("briefing", __name__)

#: Who prints the briefing: planners, the leaders' read-only accounts (admins always pass).
BRIEFING_ROLES = ("planner", "viewer")


def briefing_dates() -> tuple:
    """Return the request's ``as_of`` and ``since``, checked.

    ``since`` by default: the date of the last briefing printed before ``as_of``, else one
    month before it.
    """
    as_of = parse_date(request.args.get("as_of"), field="as_of")
    since_arg = request.args.get("since")
    since = parse_date(since_arg, field="since") if since_arg else (
        last_printed(get_session(), as_of) or month_before(as_of))  # fmt: skip
    if since >= as_of:
        raise BadRequest(_("The last briefing's date (since) must be before the briefing's "
                           "date (as_of)."), field="since")  # fmt: skip
    return as_of, since


#: Presentation attributes for the sparklines: WeasyPrint's SVG does not take the page's CSS.
SPARK_PAINT = (
    ('class="sparkline-line"', 'class="sparkline-line" fill="none" stroke="#0d6efd" '
                               'stroke-width="1.5"'),
    ('class="sparkline-target"', 'class="sparkline-target" stroke="#b3261e" stroke-width="1" '
                                 'stroke-dasharray="3 2"'),
    ('class="sparkline-last"', 'class="sparkline-last" fill="#0d3b66"'),
)


def _spark(report, locale: str) -> str:
    svg = sparkline([(h.date, h.value) for h in report.history], report.target.target_value,
                    _("History of %(name)s", name=report.target.name(locale)), width=80,
                    height=26)  # fmt: skip
    for plain, painted in SPARK_PAINT:
        svg = svg.replace(plain, painted)
    return svg


def _words(locale: str) -> dict:
    pick = (lambda vi, en: en) if locale == "en" else (lambda vi, en: vi)
    return {
        "locale": locale,
        "provenances": {v: pick(vi, en) for v, vi, en in PROVENANCE_WORDS},
        "rules": {k: pick(r.text_vi, r.text_en) for k, r in RULES.items()},
        "layer_names": {layer.id: layer.name(locale) for layer in CATALOGUE},
        "tolerance": round(TOLERANCE * 100),
    }


@blueprint.get("/reports/briefing.pdf")
@require_roles(*BRIEFING_ROLES)
def briefing_pdf():
    """Print the monthly briefing as a PDF (A4): cover, board, lagging areas, changes, notes.

    ``draft=1`` marks every page as a draft; a draft is not a briefing the next one counts from.
    """
    as_of, since = briefing_dates()
    locale = current_locale()
    draft = request.args.get("draft", "") in ("1", "true", "on")

    def pdf() -> bytes:
        briefing = build_briefing(get_session(), as_of, since, locale,
                                  board_now=cached_board(as_of),
                                  board_before=cached_board(since))  # fmt: skip
        sparks = {r.target.code: _spark(r, locale) for r in briefing.reports}
        html = render_template("reports/briefing.html", b=briefing, sparks=sparks, draft=draft,
                               **_words(locale))  # fmt: skip
        title = _("Monthly briefing, Lạng Sơn province, %(date)s", date=fmt_day(as_of, locale))
        return render_pdf(html, title=title)

    # The same for every reader allowed (no personal data in it): kept until the data change.
    content = per_version("briefing_pdf", pdf, as_of, since, locale, draft,
                          targets_version(get_session()))  # fmt: skip
    with get_database().transaction() as session:
        note_print(session, current_user.username, current_user.role, as_of, since, locale,
                   draft)  # fmt: skip
    response = Response(content, mimetype="application/pdf")
    name = f"briefing-{as_of.isoformat()}.pdf" if locale == "en" else \
        f"bao-cao-thang-{as_of.isoformat()}.pdf"
    if draft:
        name = name.replace(".pdf", "-draft.pdf" if locale == "en" else "-ban-nhap.pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
