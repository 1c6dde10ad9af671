"""Which monthly briefings were printed: each print is an audit event, the next one starts there.

A briefing reports what changed since the last one. Each print writes ``briefing_print`` to the
audit log (who, with which role, for which date, since which date, in which language), and a
briefing printed without ``since`` counts the changes from the latest date a planner or an
administrator printed before its own: a leader's read-only account looking at another date
does not move everyone's starting point, nor does a print marked as a draft.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.services import audit
from portal.store.models import AuditEvent

#: The prints looked at for the last one (a year of monthly briefings many times over).
_LOOKED_AT = 500


#: The roles whose prints are the briefings that count (the next one starts from them).
PREPARERS = ("planner", "admin")


def note_print(session: Session, actor: str | None, role: str, as_of: dt.date, since: dt.date,
               locale: str, draft: bool = False) -> None:  # fmt: skip
    """Log that ``actor`` (of ``role``) printed the briefing of ``as_of`` (since ``since``)."""
    audit.record(session, "briefing_print", actor=actor,
                 detail={"as_of": as_of.isoformat(), "since": since.isoformat(),
                         "lang": locale, "role": role, "draft": draft})  # fmt: skip


def last_printed(session: Session, before: dt.date) -> dt.date | None:
    """Return the latest day before ``before`` a preparer printed a final briefing for (or None)."""
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "briefing_print")
        .order_by(AuditEvent.id.desc()).limit(_LOOKED_AT)
    )  # fmt: skip
    days = []
    for detail in details:
        if (detail or {}).get("role") not in PREPARERS or (detail or {}).get("draft"):
            continue
        try:
            day = dt.date.fromisoformat(str((detail or {}).get("as_of")))
        except ValueError:
            continue
        if day < before:
            days.append(day)
    return max(days, default=None)
