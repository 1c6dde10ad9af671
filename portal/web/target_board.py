"""The plan's targets board, kept per data version, targets version and date.

``board()`` reads every target's values and computes the computed ones from their layers
(about half a second on the demo store), and the board page, ``/api/targets`` and the monthly
briefing all ask for it. Records' edits move the store's data version (computed targets follow
the layers); targets and reported values do not, so the key also holds a fingerprint of the two
target tables (counts, highest ids, latest change), read in one small query: a new reported
value, a target added, edited or imported each give a new key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.services.plan_targets import TargetReport, board
from portal.store.plan_targets import PlanTarget, PlanTargetValue
from portal.web.cache import per_version
from portal.web.database import get_session


def targets_version(session: Session) -> tuple:
    """Return what changes whenever a target or a reported value is written."""
    return tuple(session.execute(select(
        select(func.count(PlanTarget.id)).scalar_subquery(),
        select(func.max(PlanTarget.id)).scalar_subquery(),
        select(func.max(PlanTarget.updated_at)).scalar_subquery(),
        select(func.count(PlanTargetValue.id)).scalar_subquery(),
        select(func.max(PlanTargetValue.id)).scalar_subquery(),
    )).one())  # fmt: skip


def cached_board(as_of: dt.date) -> tuple[list[TargetReport], dict[str, int]]:
    """Return ``board(session, as_of)``, kept until the data or the targets change."""
    session = get_session()

    def compute() -> tuple[list[TargetReport], dict[str, int]]:
        reports, counts = board(session, as_of)
        for report in reports:  # kept beyond this request: no tie to its session
            session.expunge(report.target)
        return reports, counts

    return per_version("target_board", compute, as_of, targets_version(session))
